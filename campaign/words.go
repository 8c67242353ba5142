package campaign

import "strings"

// KronerInWordsDa writes an amount in øre in Danish words, as a contract repeats a figure so
// that it cannot be misread or altered: 384335000 øre is "tre millioner otte hundrede og
// treogfyrre tusind tre hundrede og halvtreds kroner". Øre, when there are any, follow as
// "og halvtreds øre". The numbers follow Retskrivningsordbogen: tens and units in one word
// ("treogfyrre"), "hundrede", "tusind" and "million" as words of their own, and "og" before
// the last group under a hundred ("to tusind og tre").
func KronerInWordsDa(oere int64) string {
	if oere < 0 {
		return "minus " + KronerInWordsDa(-oere)
	}
	kr, o := oere/100, oere%100
	var s string
	switch kr {
	case 0:
		s = "nul kroner"
	case 1:
		s = "en krone"
	default:
		s = numberDa(kr, false) + " kroner"
	}
	if o != 0 {
		s += " og " + below100Da(o, false) + " øre"
	}
	return s
}

// numberDa writes n > 0 in words; neuter picks "et" over "en" for a final one (et tusind).
func numberDa(n int64, neuter bool) string {
	type scale struct {
		size           int64
		one, many      string
		neuter, plural bool
	}
	scales := []scale{
		{1_000_000_000_000, "en billion", "billioner", false, true},
		{1_000_000_000, "en milliard", "milliarder", false, true},
		{1_000_000, "en million", "millioner", false, true},
		{1_000, "et tusind", "tusind", true, false},
	}
	var parts []string
	for _, sc := range scales {
		q := n / sc.size
		if q == 0 {
			continue
		}
		n %= sc.size
		if q == 1 {
			parts = append(parts, sc.one)
			continue
		}
		parts = append(parts, numberDa(q, sc.neuter)+" "+sc.many)
	}
	if n > 0 {
		if len(parts) > 0 && n < 100 {
			parts = append(parts, "og")
		}
		parts = append(parts, below1000Da(n, neuter))
	}
	return strings.Join(parts, " ")
}

// below1000Da writes 0 < n < 1000: "tre hundrede og halvtreds".
func below1000Da(n int64, neuter bool) string {
	h, r := n/100, n%100
	if h == 0 {
		return below100Da(r, neuter)
	}
	s := below100Da(h, true) + " hundrede"
	if r > 0 {
		s += " og " + below100Da(r, neuter)
	}
	return s
}

// below100Da writes 0 <= n < 100 in one word: "treogfyrre".
func below100Da(n int64, neuter bool) string {
	ones := [...]string{"nul", "en", "to", "tre", "fire", "fem", "seks", "syv", "otte", "ni",
		"ti", "elleve", "tolv", "tretten", "fjorten", "femten", "seksten", "sytten", "atten", "nitten"}
	tens := [...]string{"", "", "tyve", "tredive", "fyrre", "halvtreds", "tres", "halvfjerds", "firs", "halvfems"}
	switch {
	case n == 1 && neuter:
		return "et"
	case n < 20:
		return ones[n]
	case n%10 == 0:
		return tens[n/10]
	}
	return ones[n%10] + "og" + tens[n/10]
}
