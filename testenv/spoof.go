package testenv

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// SpoofCase is one line of replies/testdata/spoof/expectations.jsonl, the forged replies
// (its README.md says what each key means).
type SpoofCase struct {
	File           string   `json:"file"`
	Case           string   `json:"case"`
	From           string   `json:"from"`
	Invitee        string   `json:"invitee"`
	Match          string   `json:"match"`
	Held           bool     `json:"held"`
	NeedsReview    bool     `json:"needs_review"`
	Decided        bool     `json:"decided"`
	ReasonCodes    []string `json:"reason_codes"`
	DetailContains []string `json:"detail_contains"`
}

// SpoofCases reads the expectations.jsonl of the corpus in dir. A line that does not parse,
// or a file without a case, fails the test: it would check nothing.
func SpoofCases(t testing.TB, dir string) []SpoofCase {
	t.Helper()
	path := filepath.Join(dir, "expectations.jsonl")
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []SpoofCase
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var c SpoofCase
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			t.Fatalf("%s line %d: %v", path, len(out)+1, err)
		}
		out = append(out, c)
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if len(out) == 0 {
		t.Fatalf("%s holds no case", path)
	}
	return out
}
