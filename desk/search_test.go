package desk

import (
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
)

var inviteeLink = regexp.MustCompile(`<a href="/invitees/(\d+)">`)

// found lists the invitees a search of the list finds, by code.
func found(t *testing.T, c *client, q string) []string {
	t.Helper()
	r := c.get("/invitees?q=" + url.QueryEscape(q))
	if r.status != 200 {
		t.Fatalf("search %q: %d", q, r.status)
	}
	var codes []string
	for _, m := range inviteeLink.FindAllStringSubmatch(r.body, -1) {
		codes = append(codes, m[1])
	}
	return codes
}

// A search finds an invitee however its name is written: in any case, with a space for a
// hyphen or none, and with the Danish letters written either way, in its name, code, formal
// name or address.
func TestSearchForgives(t *testing.T) {
	f := newFixture(t)
	f.c.Invitees[5].Address = "Stationsparken 27, 2600 Glostrup" // before the first search, which folds the texts
	c := f.signIn(t)
	tests := []struct{ q, want string }{
		{"Århus", "751"}, {"aarhus", "751"}, {"AARHUS", "751"}, {"Aarhus Kommune", "751"},
		{"Høje Taastrup", "169"}, {"Høje-Taastrup", "169"}, {"højetaastrup", "169"}, {"Hoeje Taastrup", "169"},
		{"Koebenhavn", "101"}, {"københavns kommune", "101"}, {"KØBENHAVN", "101"},
		{"Ringkøbing Skjern", "760"}, {"ringkobing", ""}, // an o is not an ø
		{"Åbenrå", "580"}, {"Aeroe", "492"}, {"Fåborg Midtfyn", "430"}, {"Hilleroed", "219"},
		{"751", "751"}, {"bibliotekschef@hoeje-taastrup", "169"}, {"hoeje taastrup.kommune", "169"},
	}
	for _, tc := range tests {
		got := found(t, c, tc.q)
		if tc.want == "" {
			if len(got) > 0 {
				t.Errorf("search %q finds %v, want none", tc.q, got)
			}
			continue
		}
		if !slices.Contains(got, tc.want) {
			t.Errorf("search %q finds %v, want %s among them", tc.q, got, tc.want)
		}
	}
	// Åbenrå finds Aabenraa alone, not every name with an a in it.
	if got := found(t, c, "Åbenrå"); len(got) != 1 {
		t.Errorf("search Åbenrå finds %v, want Aabenraa alone", got)
	}
	// A query does not match across two fields of an invitee: the end of a code and the start
	// of a name.
	if got := found(t, c, "1København"); len(got) != 0 {
		t.Errorf("a query across the code and the name finds %v", got)
	}
	// The postal address, where the list gives one.
	if got := found(t, c, "stations parken"); !slices.Equal(got, []string{f.c.Invitees[5].Code}) {
		t.Errorf("search by postal address finds %v, want %s", got, f.c.Invitees[5].Code)
	}
}

// A long query is cut to maxQuery before it is folded or shown again.
func TestSearchIsBounded(t *testing.T) {
	f := newFixture(t)
	c := f.signIn(t)
	long := strings.Repeat("å", 1<<14) // 32 kB, 96 kB in the address
	r := c.get("/invitees?q=" + url.QueryEscape(long))
	if r.status != 200 || len(r.body) > 64<<10 || strings.Count(r.body, "å") > maxQuery {
		t.Errorf("a 32 kB query: %d, a page of %d bytes with %d å", r.status, len(r.body), strings.Count(r.body, "å"))
	}
	if got := cutQuery(long); len(got) != maxQuery || !strings.HasSuffix(got, "å") {
		t.Errorf("cut to %d bytes ending %q, want %d ending in a whole å", len(got), got[len(got)-2:], maxQuery)
	}
}

func TestFold(t *testing.T) {
	for in, want := range map[string]string{
		"Høje-Taastrup Kommune": "hoejetaastrupkommune",
		"ÆRØ":                   "aeroe",
		"Århus":                 "aarhus",
		"Malmö Ängelholm":       "malmoeaengelholm",
		"a\u00a0b\tc–d":         "abcd", // a no-break space, a tab and an en dash
		"KBH@Example.DK":        "kbh@example.dk",
	} {
		if got := fold(in); got != want {
			t.Errorf("fold(%q) = %q, want %q", in, got, want)
		}
	}
}
