package replies

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzRead feeds arbitrary bytes to Read. Read recovers from a panic and reports the message
// as invalid with an "internal error", so the target fails on that error: a panic must never
// be what stops a reading. It also checks that the reading is well-formed JSON of the contract.
func FuzzRead(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "messages", "*.eml"))
	for _, name := range files {
		raw, err := os.ReadFile(name)
		if err == nil {
			f.Add(raw)
		}
	}
	f.Add([]byte("From: a@b\r\nContent-Type: multipart/report; boundary=x\r\n\r\n--x\r\nContent-Type: message/delivery-status\r\n\r\nFinal-Recipient: rfc822;\r\n--x--"))
	f.Add([]byte("Content-Type: text/calendar; method=REPLY\n\nBEGIN:VCALENDAR\nBEGIN:VEVENT\nATTENDEE;PARTSTAT=ACCEPTED:mailto:\nEND:VEVENT"))
	opts := testOptions(f)
	f.Fuzz(func(t *testing.T, raw []byte) {
		r := Read(raw, opts)
		if strings.HasPrefix(r.Error, "internal error") {
			t.Fatalf("Read panicked: %s", r.Error)
		}
		switch r.Class {
		case ClassBounce, ClassAutoReply, ClassCalendar, ClassHuman, ClassInvalid:
		default:
			t.Fatalf("class %q is not in the contract", r.Class)
		}
		if (r.Bounce != nil) != (r.Class == ClassBounce) || (r.Calendar != nil) != (r.Class == ClassCalendar) ||
			(r.AutoReply != nil) != (r.Class == ClassAutoReply) {
			t.Fatalf("class %s with bounce=%v calendar=%v auto_reply=%v", r.Class, r.Bounce, r.Calendar, r.AutoReply)
		}
		if !utf8.ValidString(r.ReplyText) || !utf8.ValidString(r.Subject) {
			t.Fatalf("invalid UTF-8 in the reading")
		}
		if r.Answer == nil || r.Answer.Companions == nil {
			t.Fatalf("campaign reading missing or companions null")
		}
		if _, err := json.Marshal(r); err != nil {
			t.Fatalf("marshal: %v", err)
		}
	})
}

// corpusMessages returns every message of the public corpora (bare bodies wrapped the way the
// conformance runner wraps them) and of testdata, for the benchmark.
func corpusMessages(tb testing.TB) [][]byte {
	tb.Helper()
	root := filepath.Join("..", "..", "shared", "corpus")
	if _, err := os.Stat(root); err != nil {
		tb.Skipf("no public corpus at %s", root)
	}
	var msgs [][]byte
	dirs, _ := os.ReadDir(root)
	for _, d := range dirs {
		exp, err := os.Open(filepath.Join(root, d.Name(), "expected.jsonl"))
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(exp)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			var c struct {
				Input    string `json:"input"`
				Wrap     bool   `json:"wrap"`
				WrapType string `json:"wrap_type"`
			}
			if json.Unmarshal(sc.Bytes(), &c) != nil {
				continue
			}
			raw, err := os.ReadFile(filepath.Join(root, d.Name(), c.Input))
			if err != nil {
				continue
			}
			if c.Wrap {
				ct := c.WrapType
				if ct == "" {
					ct = "text/plain"
				}
				raw = append([]byte("From: sender@example.org\r\nTo: rsvp@example.org\r\nSubject: Re: test\r\n"+
					"Date: Mon, 13 Feb 2012 09:12:00 +0100\r\nMessage-ID: <bench@example.org>\r\nMIME-Version: 1.0\r\n"+
					"Content-Type: "+ct+"; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"), raw...)
			}
			msgs = append(msgs, raw)
		}
		exp.Close()
	}
	files, _ := filepath.Glob(filepath.Join("testdata", "messages", "*.eml"))
	for _, name := range files {
		if raw, err := os.ReadFile(name); err == nil {
			msgs = append(msgs, raw)
		}
	}
	return msgs
}

// BenchmarkReadCorpus reads the whole public corpus plus testdata with the campaign known,
// one message after another on one goroutine, and reports messages read per second (run with
// -cpu=1 for the one-core figure; the goal is 2,000/s).
func BenchmarkReadCorpus(b *testing.B) {
	msgs := corpusMessages(b)
	opts := testOptions(b)
	b.ResetTimer()
	cpu0 := processCPU()
	n := 0
	for i := 0; i < b.N; i++ {
		for _, raw := range msgs {
			Read(raw, opts)
			n++
		}
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "msgs/s")
	if cpu := processCPU() - cpu0; cpu > 0 {
		b.ReportMetric(float64(n)/cpu.Seconds(), "msgs/cpu-s")
	}
	b.ReportMetric(float64(len(msgs)), "msgs/corpus")
}
