package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
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
