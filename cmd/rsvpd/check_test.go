package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestCheckExample(t *testing.T) {
	var out, errOut bytes.Buffer
	code := dispatch(context.Background(), []string{"check", "--config", filepath.Join("..", "..", "config.example.yaml")}, &out, &errOut)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	for _, want := range []string{
		"Invitees   98, total population 5,580,413",
		"aalborg    Tue 28 Feb 2012 10:00-12:00",
		"roskilde   Thu 1 Mar 2012 10:00-12:00",
		"vejle      Tue 6 Mar 2012 10:00-12:00",
		"total DKK 39,062,891",
		"Mon 6 Feb 2012 09:00  invitation to 98 invitees",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("summary lacks %q:\n%s", want, out.String())
		}
	}
}

func TestCheckNamesEveryMistake(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "config.example.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	s := string(data)
	for _, e := range [][2]string{
		{"    room: Salen", "    rom: Salen"},                     // a typo in a key
		{"start: 2012-03-06 10:00", "start: 2012-03-36 10:00"},    // a day out of range
		{"    - staff@kombit.test", "    - staff at kombit.test"}, // a malformed address
		{"    of: first_meeting", "    of: odense"},               // an unknown meeting
		{`digest: "0 7 * * 1-5"`, `digest: "0 25 * * 1-5"`},       // a bad cron expression
	} {
		if !strings.Contains(s, e[0]) {
			t.Fatalf("the example no longer contains %q", e[0])
		}
		s = strings.Replace(s, e[0], e[1], 1)
	}
	dir := t.TempDir()
	csv, _ := os.ReadFile(filepath.Join("..", "..", "municipalities-2012.csv"))
	os.WriteFile(filepath.Join(dir, "municipalities-2012.csv"), csv, 0o644)
	path := filepath.Join(dir, "broken.yaml")
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	if code := dispatch(context.Background(), []string{"check", "--config", path}, &out, &errOut); code != 2 {
		t.Fatalf("exit %d, want 2", code)
	}
	lines := regexp.MustCompile(`(?m)^`+regexp.QuoteMeta(path)+`:\d+: \S+: .+$`).FindAllString(errOut.String(), -1)
	if len(lines) != 5 {
		t.Errorf("%d problems with a line number, want 5:\n%s", len(lines), errOut.String())
	}
	for _, want := range []string{"meetings[1].rom: unknown key", "meetings[2].start: day out of range", "organiser.staff[0]",
		"schedule.nudge_unanswered.of: unknown meeting \"odense\"", "schedule.digest"} {
		if !strings.Contains(errOut.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut.String())
		}
	}
}

// TestCheckAppliesRunsRules checks that rsvpd check refuses what rsvpd run would refuse at
// its start, an endpoint other machines can reach without a bearer token, and says whether
// a sender-only match is verified.
func TestCheckAppliesRunsRules(t *testing.T) {
	t.Run("open endpoint without a token", func(t *testing.T) {
		cfg := exampleConfigWith(t, "address: 127.0.0.1:9180", "address: 0.0.0.0:9180")
		var out, errOut bytes.Buffer
		if code := dispatch(context.Background(), []string{"check", "--config", cfg}, &out, &errOut); code != 2 {
			t.Fatalf("exit %d, want 2:\n%s%s", code, out.String(), errOut.String())
		}
		if !strings.Contains(errOut.String(), "http address 0.0.0.0:9180 is reachable from other machines") || strings.Contains(out.String(), ": ok") {
			t.Errorf("stdout %q, stderr %q", out.String(), errOut.String())
		}
	})
	t.Run("open endpoint with a token", func(t *testing.T) {
		t.Setenv("RSVPD_TEST_HTTP_TOKEN", "0123456789abcdef0123")
		cfg := exampleConfigWith(t, "address: 127.0.0.1:9180", "address: 0.0.0.0:9180\n  token_env: RSVPD_TEST_HTTP_TOKEN")
		var out, errOut bytes.Buffer
		if code := dispatch(context.Background(), []string{"check", "--config", cfg}, &out, &errOut); code != 0 {
			t.Fatalf("exit %d: %s", code, errOut.String())
		}
	})
	t.Run("senders", func(t *testing.T) {
		for _, c := range []struct{ id, want string }{
			{`""`, "Senders    not verified: a reply matched by the sender's address alone"},
			{"mx.kombit.test", "Senders    verified by the Authentication-Results of mx.kombit.test"},
			{"exchange-online", "Senders    verified by Microsoft 365's Authentication-Results"},
		} {
			cfg := exampleConfigWith(t, `authserv_id: ""`, "authserv_id: "+c.id)
			var out, errOut bytes.Buffer
			if code := dispatch(context.Background(), []string{"check", "--config", cfg}, &out, &errOut); code != 0 {
				t.Fatalf("exit %d: %s", code, errOut.String())
			}
			if !strings.Contains(out.String(), c.want) {
				t.Errorf("authserv_id %s: summary lacks %q:\n%s", c.id, c.want, out.String())
			}
		}
	})
}

// TestRunStoppable checks the grace a command gets after SIGINT or SIGTERM: one that sees
// the signal and returns keeps a success, fails as stopped; one that does not return is given
// up after the grace, as stopped.
func TestRunStoppable(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var out, errOut bytes.Buffer
	blocked := func(context.Context, []string, io.Writer, io.Writer) int { select {} }
	start := time.Now()
	if code := runStoppable(ctx, blocked, nil, &out, &errOut, 50*time.Millisecond); code != exitInterrupted || time.Since(start) > time.Second {
		t.Errorf("a command that never returns: exit %d after %v", code, time.Since(start))
	}
	failing := func(ctx context.Context, _ []string, _, _ io.Writer) int { <-ctx.Done(); return 1 }
	if code := runStoppable(ctx, failing, nil, &out, &errOut, time.Second); code != exitInterrupted {
		t.Errorf("a command that fails once stopped: exit %d", code)
	}
	done := func(context.Context, []string, io.Writer, io.Writer) int { return 0 }
	if code := runStoppable(ctx, done, nil, &out, &errOut, time.Second); code != 0 {
		t.Errorf("a command that succeeded: exit %d", code)
	}
}
