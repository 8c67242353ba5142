package e2e

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

// icsWant is what one calendar object must say.
type icsWant struct {
	Method string
	UID    string
	Start  time.Time
}

// checkICS runs every object through the two independent parsers, python3-icalendar (Debian)
// and ical.js (Thunderbird's), and compares the method, UID and start (in UTC) they read with
// what rsvpd meant to write.
func checkICS(t *testing.T, objects [][]byte, want []icsWant) {
	t.Helper()
	dir := t.TempDir()
	var files []string
	for i, ics := range objects {
		p := filepath.Join(dir, "obj"+itoa(i)+".ics")
		if err := os.WriteFile(p, ics, 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, p)
	}
	_, self, _, _ := runtime.Caller(0)
	tools := filepath.Join(filepath.Dir(self), "..", "scripts", "icalcheck")
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatal("node is missing: install nodejs, then run scripts/icalcheck/install")
	}
	for _, v := range []struct {
		name string
		argv []string
	}{
		{"python3-icalendar", append([]string{"/usr/bin/python3", filepath.Join(tools, "check.py")}, files...)},
		{"ical.js", append([]string{node, filepath.Join(tools, "check.mjs")}, files...)},
	} {
		var stderr bytes.Buffer
		cmd := exec.Command(v.argv[0], v.argv[1:]...)
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("%s refused rsvpd's calendar objects: %v\n%s\n(install: scripts/icalcheck/install)", v.name, err, stderr.String())
		}
		var got []struct {
			Errors  []any  `json:"errors"`
			Method  string `json:"method"`
			UID     string `json:"uid"`
			DTStart string `json:"dtstart"`
		}
		if err := json.Unmarshal(out, &got); err != nil {
			t.Fatalf("%s: unreadable output: %v\n%s", v.name, err, out)
		}
		if len(got) != len(objects) {
			t.Fatalf("%s read %d objects, want %d", v.name, len(got), len(objects))
		}
		for i, g := range got {
			w := want[i]
			uid, start := g.UID, g.DTStart
			if len(g.Errors) > 0 || g.Method != w.Method || uid != w.UID || start != w.Start.UTC().Format("2006-01-02T15:04:05Z") {
				t.Errorf("%s read object %d as method %q uid %q start %q errors %v; want %s %s %s",
					v.name, i, g.Method, uid, start, g.Errors, w.Method, w.UID, w.Start.UTC().Format(time.RFC3339))
			}
		}
	}
}

func itoa(i int) string { return string(rune('a'+i/26)) + string(rune('a'+i%26)) }
