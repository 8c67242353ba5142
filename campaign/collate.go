package campaign

import (
	"bytes"
	"slices"

	"golang.org/x/text/collate"
	"golang.org/x/text/language"
)

// Collator orders names as the campaign's language does, the order a reader looks a name up
// in: Danish puts Æ, Ø and Å last and reads Aa as Å (Aabenraa comes after Ærø), English
// orders as English. A Collator is not safe for concurrent use: make one per sort.
func Collator(lang string) *collate.Collator {
	if lang == "en" {
		return collate.New(language.English)
	}
	return collate.New(language.Danish)
}

// SortByName sorts list by name in the order of Collator(lang), keeping the order of equal
// names. Each name's collation key is made once: comparing names by the collator makes one
// for both sides of every comparison, n log n of them.
func SortByName[T any](lang string, list []T, name func(T) string) {
	col := Collator(lang)
	type keyed struct {
		key []byte
		v   T
	}
	ks := make([]keyed, len(list))
	var buf collate.Buffer
	for i, v := range list {
		ks[i] = keyed{key: col.KeyFromString(&buf, name(v)), v: v}
	}
	slices.SortStableFunc(ks, func(a, b keyed) int { return bytes.Compare(a.key, b.key) })
	for i := range ks {
		list[i] = ks[i].v
	}
}
