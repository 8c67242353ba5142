package desk

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

var verb = regexp.MustCompile(`%[sdqv]`)

// Every string of the desk exists in both languages, with the same arguments in the same
// order, and every key a template or the code asks for is in the catalogue.
func TestCatalogue(t *testing.T) {
	for key, m := range catalogue {
		da, en := m["da"], m["en"]
		if da == "" || en == "" {
			t.Errorf("%s: missing a language: %q %q", key, da, en)
			continue
		}
		if a, b := strings.Join(verb.FindAllString(da, -1), ""), strings.Join(verb.FindAllString(en, -1), ""); a != b {
			t.Errorf("%s: arguments differ: da %q, en %q", key, a, b)
		}
	}
	used := regexp.MustCompile(`(?:\{\{t |s\.t\(|f\.t\()"([a-z_]+)"[ ),}]`)
	files, _ := os.ReadDir("templates")
	var srcs []string
	for _, f := range files {
		srcs = append(srcs, "templates/"+f.Name())
	}
	goFiles, _ := os.ReadDir(".")
	for _, f := range goFiles {
		if strings.HasSuffix(f.Name(), ".go") && !strings.HasSuffix(f.Name(), "_test.go") {
			srcs = append(srcs, f.Name())
		}
	}
	for _, p := range srcs {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range used.FindAllStringSubmatch(string(data), -1) {
			if _, ok := catalogue[m[1]]; !ok && !strings.HasSuffix(m[1], "_") {
				t.Errorf("%s asks for %q, which the catalogue lacks", p, m[1])
			}
		}
	}
	// The keys built from values (states, agreement states, letters, filters) exist too.
	for _, prefix := range []string{"st_new", "st_invited", "st_attending", "st_declined", "st_unclear",
		"ag_none", "ag_sent", "ag_returned", "ag_confirmed", "out_pending", "out_sent", "out_failed",
		"lang_da", "lang_en", "vat_excluded", "vat_included", "cfg_tls_none", "cfg_tls_starttls", "cfg_tls_tls",
		"cfg_reply_tokened", "cfg_reply_plain", "dur_days", "dur_hours", "dur_minutes"} {
		if _, ok := catalogue[prefix]; !ok {
			t.Errorf("catalogue lacks %s", prefix)
		}
	}
	for _, s := range filterStates {
		if _, ok := catalogue["fs_"+s]; !ok {
			t.Errorf("catalogue lacks fs_%s", s)
		}
	}
	for _, name := range pageNames {
		if _, ok := catalogue["title_"+name]; !ok {
			t.Errorf("catalogue lacks title_%s", name)
		}
	}
}
