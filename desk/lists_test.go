package desk

import (
	"encoding/csv"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// A meeting's participant list is in the order a reader looks a municipality up in, by name
// the Danish way (Æ, Ø and Å last, Aa as Å), on the page and in its CSV, and each
// municipality leads to its page.
func TestListByName(t *testing.T) {
	f := newFixture(t)
	f.populate(t)
	for _, code := range []string{"580", "492", "201", "851", "820"} { // Aabenraa, Ærø, Allerød, Aalborg, Vesthimmerland
		inv, _ := f.c.Invitee(code)
		f.deliver(t, f.reply(inv.Email, code, "Vi kommer til Vejle."))
	}
	c := f.signIn(t)
	r := c.get("/lists/vejle")
	rows := regexp.MustCompile(`<tr><td><a href="/invitees/(\d+)">([^<]+)</a>`).FindAllStringSubmatch(r.body, -1)
	var names []string
	for _, m := range rows {
		inv, ok := f.c.Invitee(m[1])
		if !ok || inv.Name != m[2] {
			t.Errorf("the row of %s links to /invitees/%s", m[2], m[1])
		}
		names = append(names, m[2])
	}
	if len(names) < 10 {
		t.Fatalf("the list of Vejle has %d municipalities linked to their pages:\n%s", len(names), r.body)
	}
	at := func(name string) int { return slices.Index(names, name) }
	if !(at("Allerød") < at("Vesthimmerland") && at("Vesthimmerland") < at("Ærø") && at("Ærø") < at("Aabenraa") && at("Aabenraa") < at("Aalborg")) {
		t.Errorf("the list of Vejle is not in Danish order:\n%s", strings.Join(names, "\n"))
	}
	for i := 1; i < len(names); i++ {
		if a, b := strings.ToLower(names[i-1]), strings.ToLower(names[i]); a > b && !strings.ContainsAny(a+b, "æøå") && !strings.HasPrefix(a, "aa") && !strings.HasPrefix(b, "aa") {
			t.Errorf("%s before %s", names[i-1], names[i])
		}
	}
	// The CSV has a row per person (Kommune;Navn;Rolle): each municipality's first row.
	cr := csv.NewReader(strings.NewReader(strings.TrimPrefix(c.get("/lists/vejle/csv").body, "\uFEFF")))
	cr.Comma = ';'
	recs, err := cr.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var inCSV []string
	for _, rec := range recs[1:] {
		if len(inCSV) == 0 || inCSV[len(inCSV)-1] != rec[0] {
			inCSV = append(inCSV, rec[0])
		}
	}
	if !slices.Equal(inCSV, names) {
		t.Errorf("the CSV's order differs from the page's:\n%s\nwant\n%s", strings.Join(inCSV, "\n"), strings.Join(names, "\n"))
	}
}
