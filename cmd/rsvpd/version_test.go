package main

import (
	"bytes"
	"context"
	"runtime/debug"
	"strings"
	"testing"
)

func TestVersionLine(t *testing.T) {
	bi := &debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Path: "github.com/rsvpd/rsvpd", Version: "v1.2.3"},
		Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "f630360abc"}, {Key: "vcs.time", Value: "2026-12-07T20:00:00Z"},
			{Key: "vcs.modified", Value: "true"}}}
	want := "rsvpd github.com/rsvpd/rsvpd v1.2.3 (f630360abc, 2026-12-07T20:00:00Z, modified) go1.26.0"
	if got := versionLine(bi); got != want {
		t.Errorf("versionLine = %q, want %q", got, want)
	}
	bi.Settings = nil
	bi.Main.Version = "(devel)"
	if got := versionLine(bi); !strings.Contains(got, "(devel) (no VCS revision recorded) go1.26.0") {
		t.Errorf("without a VCS stamp: %q", got)
	}
}

func TestVersionCommand(t *testing.T) {
	for _, args := range [][]string{{"version"}, {"--version"}} {
		var out, errb bytes.Buffer
		if code := dispatch(context.Background(), args, &out, &errb); code != 0 {
			t.Fatalf("%v: exit %d, stderr %q", args, code, errb.String())
		}
		if !strings.HasPrefix(out.String(), "rsvpd github.com/rsvpd/rsvpd ") {
			t.Errorf("%v printed %q", args, out.String())
		}
	}
	var out, errb bytes.Buffer
	if code := dispatch(context.Background(), []string{"version", "extra"}, &out, &errb); code != 2 {
		t.Errorf("version extra: exit %d, want 2", code)
	}
	if code := dispatch(context.Background(), []string{"version", "-h"}, &out, &errb); code != 0 || !strings.Contains(errb.String(), "usage: rsvpd version") {
		t.Errorf("version -h: exit %d, stderr %q", code, errb.String())
	}
}
