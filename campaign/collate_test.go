package campaign

import (
	"strings"
	"testing"
)

// Names sort the Danish way: Æ, Ø and Å after Z, Aa read as Å; in an English campaign, as
// English sorts them (Æ as AE).
func TestSortByName(t *testing.T) {
	names := func() []string {
		return []string{"Ærø", "Aabenraa", "Odsherred", "Århus", "Ølstykke", "Zealand", "Allerød", "Egedal", "Aalborg", "Vejle"}
	}
	da := names()
	SortByName("da", da, func(s string) string { return s })
	if got, want := strings.Join(da, ", "), "Allerød, Egedal, Odsherred, Vejle, Zealand, Ærø, Ølstykke, Aabenraa, Aalborg, Århus"; got != want {
		t.Errorf("Danish order:\n%s\nwant\n%s", got, want)
	}
	en := names()
	SortByName("en", en, func(s string) string { return s })
	if got, want := strings.Join(en, ", "), "Aabenraa, Aalborg, Ærø, Allerød, Århus, Egedal, Odsherred, Ølstykke, Vejle, Zealand"; got != want {
		t.Errorf("English order:\n%s\nwant\n%s", got, want)
	}
}
