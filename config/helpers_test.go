package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// editedExample is the example configuration with each edit made once; it fails the test
// when the example no longer holds what an edit replaces.
func editedExample(t *testing.T, edits ...[2]string) string {
	t.Helper()
	data, err := os.ReadFile("../config.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	s := string(data)
	for _, e := range edits {
		if !strings.Contains(s, e[0]) {
			t.Fatalf("the example no longer contains %q", e[0])
		}
		s = strings.Replace(s, e[0], e[1], 1)
	}
	return s
}

// parseWithList parses the example configuration with its invitee list replaced by csv,
// written as inv.csv into a folder of its own, and returns what Parse reports.
func parseWithList(t *testing.T, csv string) error {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "inv.csv"), []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	s := editedExample(t, [2]string{"file: municipalities-2012.csv", "file: inv.csv"})
	_, err := Parse([]byte(s), "config.yaml", os.DirFS(dir), dir)
	return err
}
