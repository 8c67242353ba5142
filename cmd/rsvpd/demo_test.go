package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rsvpd/rsvpd/testenv"
)

// TestDemoCommand runs the rsvpd command (testenv.Rsvpd) as the README's first command does,
// with a timeout: it must exit 0, print a line per day, the digest and the status, and leave a
// store whose `rsvpd status` shows the same table.
func TestDemoCommand(t *testing.T) {
	bin := testenv.Rsvpd(t)
	dir := filepath.Join(t.TempDir(), "demo")
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	start := time.Now()
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, bin, "demo", "--out", dir)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("rsvpd demo: %v (after %s)\nstderr:\n%s\nstdout:\n%s", err, time.Since(start).Round(time.Millisecond), stderr.String(), stdout.String())
	}
	t.Logf("rsvpd demo took %s", time.Since(start).Round(time.Millisecond))
	out := stdout.String()
	for _, want := range []string{
		"DAY ", "2012-02-06 Mon", // the first day's line
		// The last digest is the final report, and the status is in the campaign's Danish.
		"The last digest", "Slutrapport", "RESULTAT", "MØDERNE",
		"rsvpd status at", "MØDE      TIDSPUNKT", "98 inviterede: 98 har fået invitationen",
		"rsvpd status --config " + filepath.Join(dir, "rsvpd.yaml"),
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the demo does not print %q", want)
		}
	}
	if stderr.Len() > 0 {
		t.Errorf("the demo wrote to stderr:\n%s", stderr.String())
	}

	var status, statusErr bytes.Buffer
	st := exec.Command(bin, "status", "--config", filepath.Join(dir, "rsvpd.yaml"))
	st.Stdout, st.Stderr = &status, &statusErr
	if err := st.Run(); err != nil {
		t.Fatalf("rsvpd status on the demo's store: %v\n%s", err, statusErr.String())
	}
	if !strings.Contains(out, status.String()) {
		t.Errorf("`rsvpd status` on the demo's store differs from what the demo printed:\n%s", status.String())
	}
	totals := regexp.MustCompile(`(?m)^\d+ inviterede: .*$`).FindString(status.String())
	if totals == "" || !strings.Contains(out, totals) {
		t.Errorf("totals %q from `rsvpd status` are not the demo's", totals)
	}
	if n := countFiles(t, filepath.Join(dir, "mail")); n < 600 {
		t.Errorf("%d .eml files in %s, want every message of the campaign (over 600)", n, filepath.Join(dir, "mail"))
	}
}

func TestDemoUsage(t *testing.T) {
	used := filepath.Join(t.TempDir(), "used")
	if err := os.MkdirAll(used, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(used, "rsvpd.db"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, k := range []struct {
		name string
		args []string
		code int
		says string
	}{
		{"unknown speed", []string{"--speed", "fast"}, 2, "speed"},
		{"seed not a number", []string{"--seed", "x"}, 2, "--seed"},
		{"stray argument", []string{"now"}, 2, "unexpected argument"},
		{"missing config", []string{"--config", filepath.Join(t.TempDir(), "none.yaml")}, 2, "none.yaml"},
		{"folder of an earlier demo", []string{"--out", used}, 1, "earlier demo"},
	} {
		t.Run(k.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := dispatch(context.Background(), append([]string{"demo"}, k.args...), &stdout, &stderr)
			if code != k.code || !strings.Contains(stderr.String(), k.says) {
				t.Errorf("exit %d, stderr %q; want %d naming %q", code, stderr.String(), k.code, k.says)
			}
		})
	}
}

func countFiles(t *testing.T, dir string) int {
	t.Helper()
	n := 0
	err := filepath.WalkDir(dir, func(_ string, e os.DirEntry, err error) error {
		if err == nil && !e.IsDir() {
			n++
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}
