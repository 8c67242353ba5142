package testenv

import (
	"os"
	"strconv"
	"strings"
	"testing"
)

// Golden compares got with the golden file at path; with update (each package's -update
// flag) it writes got there instead. A difference fails the test with the first line that
// differs, and a missing file says how to create it.
func Golden(t testing.TB, path, got string, update bool) {
	t.Helper()
	if update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test -update writes it from the current output)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from the output (check the change, then go test -update rewrites it); %s\ngot:\n%s",
			path, FirstDiff(string(want), got), got)
	}
}

// FirstDiff names the first line at which got differs from want, with both lines.
func FirstDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(w) || i < len(g); i++ {
		var a, b string
		if i < len(w) {
			a = w[i]
		}
		if i < len(g) {
			b = g[i]
		}
		if a != b {
			return "line " + strconv.Itoa(i+1) + ":\n  want: " + a + "\n  got:  " + b
		}
	}
	return "no line differs"
}
