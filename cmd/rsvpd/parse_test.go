package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const parseReply = "From: Birgitte Holm <Bibliotekschef@Horsens.Kommune.test>\r\n" +
	"To: dialogmoeder@kombit.test\r\n" +
	"Subject: =?iso-8859-1?q?SV=3A_Dialogm=F8de?=\r\n" +
	"Date: Mon, 13 Feb 2012 09:12:00 +0100\r\n" +
	"Content-Type: text/plain; charset=iso-8859-1\r\n" +
	"Content-Transfer-Encoding: quoted-printable\r\n\r\n" +
	"Vi kommer to til Vejle.\r\n\r\n-----Oprindelig meddelelse-----\r\nFra: KOMBIT\r\nSendt: 6. februar 2012\r\n\r\n=95 Aalborg =95 Roskilde\r\n"

// TestParseContract runs `rsvpd parse` as staff would and checks the JSON lines against
// shared/contracts/parse-json.md: one object per file in order, the fields always present,
// the campaign fields only with --config, invalid input as class invalid with exit 0, and a
// missing file as a usage error.
func TestParseContract(t *testing.T) {
	dir := t.TempDir()
	reply := filepath.Join(dir, "reply.eml")
	junk := filepath.Join(dir, "junk.eml")
	if err := os.WriteFile(reply, []byte(parseReply), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(junk, []byte("\x00\x01 not mail"), 0o644); err != nil {
		t.Fatal(err)
	}
	always := []string{"file", "class", "from", "subject", "reply_text", "calendar", "bounce", "auto_reply", "error"}
	withConfig := []string{"invitee", "match", "intent", "meeting", "headcount", "companions", "confidence", "needs_review", "reason"}

	t.Run("without config", func(t *testing.T) {
		var out, errb bytes.Buffer
		if st := runParse(context.Background(), []string{reply, junk}, &out, &errb); st != 0 {
			t.Fatalf("exit %d, stderr %s", st, errb.String())
		}
		lines := jsonLines(t, out.String())
		if len(lines) != 2 || lines[0]["file"] != reply || lines[1]["file"] != junk {
			t.Fatalf("want one line per file in order, got %v", lines)
		}
		for _, l := range lines {
			for _, k := range always {
				if _, ok := l[k]; !ok {
					t.Errorf("%s: field %q missing", l["file"], k)
				}
			}
			for _, k := range withConfig {
				if _, ok := l[k]; ok {
					t.Errorf("%s: field %q present without --config", l["file"], k)
				}
			}
		}
		r := lines[0]
		if r["class"] != "human" || r["from"] != "bibliotekschef@horsens.kommune.test" || r["subject"] != "SV: Dialogmøde" ||
			r["reply_text"] != "Vi kommer to til Vejle." {
			t.Errorf("reply read as %v", r)
		}
		if lines[1]["class"] != "invalid" || lines[1]["error"] == "" {
			t.Errorf("junk read as %v", lines[1])
		}
	})

	t.Run("with config", func(t *testing.T) {
		t.Setenv("RSVPD_SECRET", "test-secret")
		var out, errb bytes.Buffer
		if st := runParse(context.Background(), []string{"--config", "../../config.example.yaml", reply}, &out, &errb); st != 0 {
			t.Fatalf("exit %d, stderr %s", st, errb.String())
		}
		lines := jsonLines(t, out.String())
		if len(lines) != 1 {
			t.Fatalf("got %d lines", len(lines))
		}
		r := lines[0]
		for _, k := range withConfig {
			if _, ok := r[k]; !ok {
				t.Errorf("field %q missing with --config", k)
			}
		}
		if r["invitee"] != "615" || r["match"] != "from" || r["intent"] != "attend" || r["meeting"] != "vejle" || r["headcount"] != 2.0 {
			t.Errorf("campaign reading %v", r)
		}
	})

	t.Run("missing file is a usage error", func(t *testing.T) {
		var out, errb bytes.Buffer
		st := runParse(context.Background(), []string{filepath.Join(dir, "nope.eml"), reply}, &out, &errb)
		if st != 2 || !strings.Contains(errb.String(), "nope.eml") {
			t.Errorf("exit %d, stderr %q", st, errb.String())
		}
		if n := len(jsonLines(t, out.String())); n != 1 {
			t.Errorf("the readable file should still be read, got %d lines", n)
		}
	})

	t.Run("no files", func(t *testing.T) {
		var out, errb bytes.Buffer
		if st := runParse(context.Background(), nil, &out, &errb); st != 2 {
			t.Errorf("exit %d without files, want 2", st)
		}
	})
}

func jsonLines(t *testing.T, s string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(s), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("not a JSON line: %q: %v", line, err)
		}
		out = append(out, m)
	}
	return out
}
