package desk

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/rsvpd/rsvpd/mailer/letters"
	"github.com/rsvpd/rsvpd/store"
)

// eventKinds finds every kind of event rsvpd logs, from its source: the Kind of every
// store.Event it writes, a string or a constant of the writing package.
func eventKinds(t *testing.T) []string {
	t.Helper()
	consts := map[string]map[string]string{} // dir -> constant -> value
	type use struct{ dir, name string }
	var uses []use
	var kinds []string
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) && path != ".." {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, 0)
		if err != nil {
			return err
		}
		dir := filepath.Dir(path)
		if consts[dir] == nil {
			consts[dir] = map[string]string{}
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.ValueSpec:
				for i, name := range n.Names {
					if i < len(n.Values) {
						if lit, ok := n.Values[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
							consts[dir][name.Name], _ = strconv.Unquote(lit.Value)
						}
					}
				}
			case *ast.CompositeLit:
				if !isEvent(n.Type, f.Name.Name) {
					return true
				}
				for _, el := range n.Elts {
					kv, ok := el.(*ast.KeyValueExpr)
					if !ok || kv.Key.(*ast.Ident).Name != "Kind" {
						continue
					}
					switch v := kv.Value.(type) {
					case *ast.BasicLit:
						k, _ := strconv.Unquote(v.Value)
						kinds = append(kinds, k)
					case *ast.Ident:
						uses = append(uses, use{dir, v.Name})
					default:
						t.Errorf("%s: an event's kind that is neither a string nor a constant", path)
					}
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range uses {
		k, ok := consts[u.dir][u.name]
		if !ok {
			t.Errorf("%s: the event kind %s is no string constant of its package", u.dir, u.name)
		}
		kinds = append(kinds, k)
	}
	slices.Sort(kinds)
	return slices.Compact(kinds)
}

func isEvent(typ ast.Expr, pkg string) bool {
	switch x := typ.(type) {
	case *ast.SelectorExpr:
		id, ok := x.X.(*ast.Ident)
		return ok && id.Name == "store" && x.Sel.Name == "Event"
	case *ast.Ident:
		return pkg == "store" && x.Name == "Event"
	}
	return false
}

// Every kind of event rsvpd logs and every kind of letter it sends has a label of its own in
// the desk's language: a new kind without one fails here, not on a coordinator's screen as
// "job_skipped".
func TestEveryKindHasALabel(t *testing.T) {
	f := newFixture(t)
	s := f.desk
	kinds := eventKinds(t)
	for _, want := range []string{"answer", "job_skipped", "staff_answer", "resolved", "agreement_pdf", "sign_in"} {
		if !slices.Contains(kinds, want) {
			t.Fatalf("the event kinds found in the source, %v, lack %s: the search is broken", kinds, want)
		}
	}
	for _, k := range kinds {
		text := s.eventText(store.Event{Kind: k, Detail: map[string]any{}}, registration{})
		if text == "" || strings.Contains(text, k) || strings.Contains(text, "evk_") || strings.Contains(text, "%!") {
			t.Errorf("event %s is shown as %q", k, text)
		}
	}
	seen := map[string]letters.Kind{}
	for _, k := range letters.Kinds() {
		m, ok := catalogue["letter_"+string(k)]
		if !ok {
			t.Errorf("letter %s has no label", k)
			continue
		}
		if other, ok := seen[m["da"]]; ok {
			t.Errorf("letters %s and %s are both called %q", other, k, m["da"])
		}
		seen[m["da"]] = k
	}
}

// The timeline's words for what happened: a change of meeting is a change, a bounce a bounce,
// a skipped letter and a settled item in words, not codes.
func TestEventTexts(t *testing.T) {
	f := newFixture(t)
	s := f.desk
	ev := func(kind, cause string, kv ...any) store.Event {
		d := map[string]any{}
		for i := 0; i+1 < len(kv); i += 2 {
			d[kv[i].(string)] = kv[i+1]
		}
		return store.Event{Kind: kind, Cause: cause, Detail: d}
	}
	vejle3 := registration{meeting: "vejle", people: 3}
	for _, c := range []struct {
		e      store.Event
		before registration
		want   string
	}{
		{ev("answer", "inbound:5", "before", "invited", "after", "attending", "class", "human", "registered", "vejle", "people", 3.0),
			registration{}, "Tilmeldt mødet i Vejle med 3 deltagere"},
		{ev("answer", "inbound:6", "before", "attending", "after", "attending", "class", "human", "registered", "aalborg", "people", 3.0),
			vejle3, "Skiftede fra Vejle til Aalborg (3 deltagere)"},
		{ev("answer", "inbound:7", "before", "attending", "after", "attending", "class", "human", "registered", "vejle", "people", 2.0),
			vejle3, "Ændrede antallet til mødet i Vejle fra 3 deltagere til 2 deltagere"},
		{ev("answer", "inbound:8", "before", "attending", "after", "declined", "class", "human"),
			vejle3, "Meldte afbud (var tilmeldt mødet i Vejle)"},
		{ev("answer", "inbound:9", "before", "invited", "after", "invited", "class", "bounce"),
			registration{}, "Returmail: mailen kunne ikke leveres"},
		{ev("answer", "link:vejle", "before", "attending", "after", "attending", "class", "human", "registered", "vejle", "people", 3.0),
			vejle3, "Svar uden ændring: fortsat tilmeldt mødet i Vejle med 3 deltagere · via link i invitationen"},
		{ev("job_skipped", "job:reminder/540/aalborg", "reason", "the address is undeliverable"),
			registration{}, "Ikke sendt: påmindelse om mødet, fordi mailadressen afviser post"},
		{ev("staff_answer", "staff:review/7", "by", "staff@kombit.test"),
			registration{}, "En medarbejder har skrevet et svar · staff@kombit.test"},
		{ev("resolved", "staff:agreement", "resolution", "agreement confirmed", "by", "staff@kombit.test"),
			registration{}, "Sag afgjort: aftalen er kontrolleret og bekræftet · staff@kombit.test"},
		{ev("resolved", "staff:review/3", "resolution", "attend aalborg, 1"),
			registration{}, "Sag afgjort: tilmeldt af en medarbejder til mødet i Aalborg med 1 deltager"},
		{ev("resolved", "staff:review/4", "resolution", "ignored: besvaret"),
			registration{}, "Sag afgjort: besvaret af en medarbejder og lukket"},
		{ev("resolved", "staff:review/5", "resolution", "accepted: attend roskilde, 2"),
			registration{}, "Sag afgjort: forslaget er godkendt (tilmeldt mødet i Roskilde med 2 deltagere)"},
		{ev("resolved", "staff:review/6", "resolution", "declined: ringede"),
			registration{}, "Sag afgjort: afbud registreret af en medarbejder. Note: ringede"},
	} {
		if got := s.eventText(c.e, c.before); got != c.want {
			t.Errorf("%s %v:\n got %q\nwant %q", c.e.Kind, c.e.Detail, got, c.want)
		}
	}
}
