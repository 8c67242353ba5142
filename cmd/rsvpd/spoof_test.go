package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rsvpd/rsvpd/testenv"
)

// exampleConfigWith writes the example campaign's configuration into a temporary folder with
// each pair of old and new text replaced, beside its invitee list, and returns its path.
func exampleConfigWith(t *testing.T, replace ...string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "config.example.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	s := string(data)
	for i := 0; i+1 < len(replace); i += 2 {
		if !strings.Contains(s, replace[i]) {
			t.Fatalf("the example no longer contains %q", replace[i])
		}
		s = strings.Replace(s, replace[i], replace[i+1], 1)
	}
	dir := t.TempDir()
	csv, err := os.ReadFile(filepath.Join("..", "..", "municipalities-2012.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "municipalities-2012.csv"), csv, 0o644); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "rsvpd.yaml")
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestParseSpoofCorpus runs `rsvpd parse --config` over the forged replies of
// replies/testdata/spoof with the receiving server mx.kombit.test trusted, as staff would to
// see how rsvpd reads them: nothing is decided from a forged sender, no sender comes from a
// name, each is held for review with its reason; the controls are decided.
func TestParseSpoofCorpus(t *testing.T) {
	t.Setenv("RSVPD_SECRET", "rsvpd-test-secret")
	cfg := exampleConfigWith(t, `authserv_id: ""`, `authserv_id: mx.kombit.test`)
	dir := filepath.Join("..", "..", "replies", "testdata", "spoof")
	exps := testenv.SpoofCases(t, dir)
	args := []string{"--config", cfg}
	for _, e := range exps {
		args = append(args, filepath.Join(dir, e.File))
	}
	if len(exps) < 20 {
		t.Fatalf("only %d cases in %s", len(exps), dir)
	}
	var out, errb bytes.Buffer
	if st := runParse(context.Background(), args, &out, &errb); st != 0 {
		t.Fatalf("exit %d: %s", st, errb.String())
	}
	lines := jsonLines(t, out.String())
	if len(lines) != len(exps) {
		t.Fatalf("%d lines for %d files", len(lines), len(exps))
	}
	for i, e := range exps {
		l := lines[i]
		codes, details := whyCodes(l["why"])
		held, _ := l["held"].(bool)
		review, _ := l["needs_review"].(bool)
		if l["from"] != e.From || l["invitee"] != e.Invitee || l["match"] != e.Match || held != e.Held || review != e.NeedsReview {
			t.Errorf("%s (%s): from %v invitee %v match %v held %v needs_review %v (%s); want from %q invitee %q match %q held %v needs_review %v",
				e.File, e.Case, l["from"], l["invitee"], l["match"], held, review, codes, e.From, e.Invitee, e.Match, e.Held, e.NeedsReview)
		}
		if decided := l["invitee"] != "" && !held && !review; decided != e.Decided {
			t.Errorf("%s (%s): decided %v, want %v", e.File, e.Case, decided, e.Decided)
		}
		for _, want := range e.ReasonCodes {
			if !strings.Contains(codes, " "+want+" ") {
				t.Errorf("%s: reason codes%slack %s", e.File, codes, want)
			}
		}
		for _, want := range e.DetailContains {
			if !strings.Contains(details, want) {
				t.Errorf("%s: reason %q does not say %q", e.File, details, want)
			}
		}
	}
}

// whyCodes lists the codes of a parsed line's "why" and of its notes (" a b c "), and their
// details.
func whyCodes(why any) (codes, details string) {
	w, _ := why.(map[string]any)
	code, _ := w["code"].(string)
	codes, details = " "+code+" ", fmt.Sprint(w["detail"])
	notes, _ := w["notes"].([]any)
	for _, n := range notes {
		n, _ := n.(map[string]any)
		c, _ := n["code"].(string)
		codes += c + " "
		details += " " + fmt.Sprint(n["detail"])
	}
	return codes, details
}
