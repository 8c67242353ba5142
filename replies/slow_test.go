package replies

import (
	"bytes"
	"fmt"
	"runtime"
	"runtime/metrics"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rsvpd/rsvpd/campaign"
)

// Inputs made to be slow, generated here rather than committed: anyone can write to the
// campaign address, and each of these once took from seconds to many minutes (issue 12).

const slowHead = "From: Anne Director <bibliotekschef@vejle.kommune.test>\r\nTo: rsvp@kombit.test\r\n" +
	"Subject: Re: Invitation\r\nDate: Mon, 13 Feb 2012 09:12:00 +0100\r\n" +
	"Message-ID: <slow@vejle.test>\r\nMIME-Version: 1.0\r\n"

// repeatTo repeats unit to n bytes.
func repeatTo(unit string, n int) string {
	return strings.Repeat(unit, n/len(unit)+1)[:n]
}

// plainMessage is a text/plain message whose body is one line of unit repeated to n bytes.
func plainMessage(unit string, n int) []byte {
	return []byte(slowHead + "Content-Type: text/plain; charset=utf-8\r\n\r\n" + repeatTo(unit, n) + "\r\n")
}

func htmlMessage(body string) []byte {
	return []byte(slowHead + "Content-Type: text/html; charset=utf-8\r\n\r\n<html><body>" + body + "</body></html>\r\n")
}

// The words of a line: a sentence that reads as an answer, a meeting named again and again
// in one clause, dates, and letters without a word break.
const (
	unitWords    = "Vi kommer to til Vejle den 6. marts. "
	unitNoWords  = "a"
	unitMeetings = "vejle "
	unitDates    = "6/3 "
)

// calendarMessage is an iMIP answer whose event holds the lines given.
func calendarMessage(lines string) []byte {
	return []byte(slowHead + "Content-Type: text/calendar; method=REPLY\r\n\r\nBEGIN:VCALENDAR\r\nMETHOD:REPLY\r\n" +
		"BEGIN:VEVENT\r\n" + lines + "\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
}

// reportMessage is a delivery report whose status part holds the fields given.
func reportMessage(fields string) []byte {
	return []byte("From: MAILER-DAEMON@mx.example.test\r\nSubject: Undelivered Mail Returned to Sender\r\n" +
		"Content-Type: multipart/report; report-type=delivery-status; boundary=b\r\n\r\n--b\r\n" +
		"Content-Type: message/delivery-status\r\n\r\nFinal-Recipient: rfc822; a@example.test\r\nAction: failed\r\n" +
		fields + "\r\n--b--\r\n")
}

func manyParts(n int) []byte {
	var b bytes.Buffer
	b.WriteString(slowHead + "Content-Type: multipart/mixed; boundary=\"bb\"\r\n\r\n")
	for i := 0; i < n; i++ {
		b.WriteString("--bb\r\n\r\n")
	}
	b.WriteString("--bb--\r\n")
	return b.Bytes()
}

func nestedParts(n int) []byte {
	var b bytes.Buffer
	b.WriteString(slowHead + "Content-Type: multipart/mixed; boundary=\"b0\"\r\n\r\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "--b%d\r\nContent-Type: multipart/mixed; boundary=\"b%d\"\r\n\r\n", i, i+1)
	}
	fmt.Fprintf(&b, "--b%d\r\nContent-Type: text/plain\r\n\r\nVi kommer.\r\n--b%d--\r\n", n, n)
	for i := n - 1; i >= 0; i-- {
		fmt.Fprintf(&b, "--b%d--\r\n", i)
	}
	return b.Bytes()
}

type slowCase struct {
	name string
	big  bool // over a few seconds together with its generation: skipped with -short
	gen  func() []byte
	// what the reading must say: the class, and a code its reason (or a note of it) holds
	class  Class
	reason campaign.ReasonCode
	held   bool
}

func slowCases() []slowCase {
	cases := []slowCase{
		{name: "200,000 empty parts", gen: func() []byte { return manyParts(200_000) },
			class: ClassInvalid, reason: campaign.NoteTooManyParts, held: true},
		{name: "10,000 nested multiparts", gen: func() []byte { return nestedParts(10_000) },
			class: ClassInvalid, reason: campaign.NoteNestedTooDeep, held: true},
		{name: "a million nested HTML elements", gen: func() []byte {
			return htmlMessage(strings.Repeat("<div>", 1_000_000) + "Vi kommer" + strings.Repeat("</div>", 1_000_000))
		}, class: ClassHuman, reason: campaign.NoteHTMLTooLarge, held: true},
		{name: "HTML nested 1000 deep", gen: func() []byte {
			return htmlMessage(strings.Repeat("<div>", 1000) + "Vi kommer" + strings.Repeat("</div>", 1000))
		}, class: ClassHuman, reason: campaign.NoteHTMLTooDeep, held: true},
		{name: "a megabyte of <br>", gen: func() []byte { return htmlMessage(repeatTo("<br>", 1<<20)) },
			class: ClassHuman, reason: campaign.NoteHTMLTooLarge, held: true},
		{name: "a megabyte of meetings named in one clause", gen: func() []byte { return plainMessage(unitMeetings, 1<<20) },
			class: ClassHuman, reason: campaign.NoteLongLine, held: true},
		{name: "a megabyte of dates", gen: func() []byte { return plainMessage(unitDates, 1<<20) },
			class: ClassHuman, reason: campaign.NoteLongLine, held: true},
		{name: "a megabyte of short lines", gen: func() []byte {
			return []byte(slowHead + "Content-Type: text/plain\r\n\r\n" + repeatTo("Vejle 6/3\r\n", 1<<20))
		}, class: ClassHuman, reason: campaign.NoteReplyCut, held: true},
		{name: "a megabyte of closings", gen: func() []byte {
			return []byte(slowHead + "Content-Type: text/plain\r\n\r\nVi kommer.\r\n" + repeatTo("Mvh\r\n\r\n", 1<<20))
		}, class: ClassHuman, reason: campaign.NoteBodyCut, held: true},
		{name: "a megabyte of header blocks", gen: func() []byte {
			return []byte(slowHead + "Content-Type: text/plain\r\n\r\nVi kommer.\r\n" + repeatTo("Fra: a\r\nTil: b\r\n", 1<<20))
		}, class: ClassHuman, reason: campaign.NoteBodyCut, held: true},
		{name: "a calendar answer folded a megabyte long", gen: func() []byte {
			return calendarMessage("DESCRIPTION:" + repeatTo("a\r\n ", 1<<20))
		}, class: ClassCalendar},
		{name: "a calendar property with a megabyte of parameters", gen: func() []byte {
			return calendarMessage("ATTENDEE" + repeatTo(";X=1", 1<<20) + ":mailto:bibliotekschef@vejle.kommune.test")
		}, class: ClassCalendar},
		{name: "a delivery report field folded a megabyte long", gen: func() []byte {
			return reportMessage("Diagnostic-Code: smtp; 550\r\n" + repeatTo(" a\r\n", 1<<20))
		}, class: ClassBounce},
		{name: "a subject of failing encoded words", gen: func() []byte {
			return []byte(strings.Replace(slowHead, "Subject: Re: Invitation", "Subject: "+repeatTo("=?c?q? ", 1<<20)+"?=", 1) +
				"Content-Type: text/plain\r\n\r\nhej\r\n")
		}, class: ClassHuman},
		{name: "a From of a megabyte of addresses", gen: func() []byte {
			return []byte(strings.Replace(slowHead, "Anne Director <bibliotekschef@vejle.kommune.test>", repeatTo("a@vejle.test, ", 1<<20)+"b@vejle.test", 1) +
				"Content-Type: text/plain\r\n\r\nVi kommer til Vejle.\r\n")
		}, class: ClassHuman, reason: campaign.NoteFromUnparsable, held: true},
		{name: "a report full of the campaign's domain", gen: func() []byte {
			return []byte("From: MAILER-DAEMON@mx.example.test\r\nSubject: Undelivered Mail Returned to Sender\r\n" +
				"Content-Type: multipart/report; report-type=delivery-status; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\n" +
				repeatTo("@kombit.test", 1<<20) + "\r\n--b\r\nContent-Type: message/delivery-status\r\n\r\n" +
				"Final-Recipient: rfc822; a@example.test\r\nAction: failed\r\nStatus: 5.1.1\r\n--b--\r\n")
		}, class: ClassBounce},
		{name: "a line of 16 MB base64", big: true, gen: func() []byte {
			return []byte(slowHead + "Content-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n" + repeatTo("dmVqbGUg", 16<<20) + "\r\n")
		}, class: ClassHuman, reason: campaign.NoteLongLine, held: true},
	}
	for _, size := range []int{1 << 10, 16 << 10, 32 << 10, 128 << 10, 1 << 20, 20 << 20} {
		for _, u := range []struct{ name, unit string }{{"words", unitWords}, {"no words", unitNoWords}} {
			c := slowCase{name: fmt.Sprintf("a line of %s, %s", sizeName(size), u.name), big: size > 1<<20,
				gen: func() []byte { return plainMessage(u.unit, size) }, class: ClassHuman}
			if size > maxLine {
				c.reason, c.held = campaign.NoteLongLine, true
			}
			cases = append(cases, c)
		}
	}
	return cases
}

func sizeName(n int) string {
	if n >= 1<<20 {
		return fmt.Sprintf("%d MB", n>>20)
	}
	return fmt.Sprintf("%d KB", n>>10)
}

// TestSlowInputs reads every slow input with the campaign known and checks that each is
// read, or refused as too complex, within 5 s and 200 MB of heap, and says so: a reading cut
// short is held for a person. The bound is generous on purpose (a fast machine reads each in
// well under a second): it catches a return of the quadratic cases, which took minutes.
func TestSlowInputs(t *testing.T) {
	opts := testOptions(t)
	for _, c := range slowCases() {
		t.Run(c.name, func(t *testing.T) {
			if c.big && testing.Short() {
				t.Skip("a large input: skipped with -short")
			}
			raw := c.gen()
			var r Reading
			elapsed, peak := measure(func() { r = Read(raw, opts) })
			t.Logf("%d bytes: %v, heap peak %d MB", len(raw), elapsed.Round(time.Millisecond), peak>>20)
			if elapsed > 5*time.Second {
				t.Errorf("took %v", elapsed)
			}
			if peak > 200<<20 {
				t.Errorf("used %d MB of heap", peak>>20)
			}
			if r.Class != c.class {
				t.Errorf("class %s (error %q), want %s", r.Class, r.Error, c.class)
			}
			if codes, _ := reasonCodes(r.Answer.Why); c.reason != "" && !strings.Contains(codes, " "+string(c.reason)+" ") {
				t.Errorf("error %q, reason %+v: want %s", r.Error, r.Answer.Why, c.reason)
			}
			if r.Answer.Held != c.held || c.held && !r.Answer.NeedsReview {
				t.Errorf("held %v needs_review %v, want held %v (reason %q)", r.Answer.Held, r.Answer.NeedsReview, c.held, r.Answer.Reason)
			}
		})
	}
}

// measure runs fn and returns its wall time and the most heap it held above what was in use
// before, sampled every millisecond.
func measure(fn func()) (time.Duration, uint64) {
	runtime.GC()
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	heap := func() uint64 { metrics.Read(sample); return sample[0].Value.Uint64() }
	base := heap()
	var peak atomic.Uint64
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			if h := heap(); h > peak.Load() {
				peak.Store(h)
			}
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	}()
	start := time.Now()
	fn()
	elapsed := time.Since(start)
	close(stop)
	<-done
	if h := heap(); h > peak.Load() {
		peak.Store(h)
	}
	if peak.Load() < base {
		return elapsed, 0
	}
	return elapsed, peak.Load() - base
}

// TestLongLineLinear checks that a line of a megabyte is read in at most 1,000 times the
// time of a line of a kilobyte (it is 1,024 times longer): the reading of one line grew with
// the square of its length. Each time is the least CPU time of a few runs.
func TestLongLineLinear(t *testing.T) {
	opts := testOptions(t)
	units := []string{unitWords, unitMeetings, unitDates, unitNoWords}
	if testing.Short() {
		units = units[:2]
	}
	for _, unit := range units {
		small, large := plainMessage(unit, 1<<10), plainMessage(unit, 1<<20)
		tSmall := fastest(20, func() { Read(small, opts) })
		tLarge := fastest(2, func() { Read(large, opts) })
		t.Logf("%q: 1 KB %v, 1 MB %v (%.0f times)", unit, tSmall, tLarge, float64(tLarge)/float64(tSmall))
		if tLarge > 1000*tSmall {
			t.Errorf("%q: a 1 MB line took %v, more than 1,000 times the 1 KB line's %v", unit, tLarge, tSmall)
		}
	}
}

func fastest(n int, fn func()) time.Duration {
	best := time.Duration(1<<63 - 1)
	for i := 0; i < n; i++ {
		best = min(best, onThreadCPU(fn))
	}
	return best
}

// BenchmarkLongLine reads one-line messages from 1 KB to 20 MB and reports the time per KB
// of input, which must stay flat across the sizes (it grew with the length: 16 KB took
// 2.7 s, 128 KB over 100 s).
func BenchmarkLongLine(b *testing.B) {
	opts := testOptions(b)
	for _, size := range []int{1 << 10, 16 << 10, 128 << 10, 1 << 20, 20 << 20} {
		for _, u := range []struct{ name, unit string }{{"words", unitWords}, {"meetings", unitMeetings}, {"dates", unitDates}, {"nowords", unitNoWords}} {
			raw := plainMessage(u.unit, size)
			b.Run(fmt.Sprintf("%s/%s", sizeName(size), u.name), func(b *testing.B) {
				b.SetBytes(int64(len(raw)))
				for i := 0; i < b.N; i++ {
					Read(raw, opts)
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/(float64(len(raw))/1024), "ns/KB")
			})
		}
	}
}

// FuzzReadTime checks the time a reading takes per byte of input. The fuzzer's input is a
// unit repeated to 16 KB and to 64 KB, as a text body, as an HTML body, as the whole message
// with its header, inside a property of a calendar answer, or as the status part of a
// delivery report. Whatever the unit, the CPU time of the larger may be at most 8
// times that of the smaller (it is 4 times the input; a stage that grows with the square of
// its input makes it 16), and at most 20 µs a byte: a quadratic stage took seconds on such
// inputs. Each time is the least of two runs. The seeds are the units that were slow.
func FuzzReadTime(f *testing.F) {
	for _, seed := range []struct {
		unit string
		kind uint8
	}{
		{unitWords, 0}, {unitMeetings, 0}, {unitDates, 0}, {unitNoWords, 0}, {"til Vejle og ", 0},
		{"Vejle 6/3\r\n", 0}, {"a\r\n ", 0}, {"Mvh\r\n\r\n", 0}, {"Fra: a\r\nTil: b\r\n", 0}, {"> a\r\n", 0},
		{"Den 6. marts 2012 kl. 10.00 skrev a@b.c:\r\n", 0},
		{"<div>", 1}, {"<table>x", 1}, {"<br>", 1}, {"vejle<p>", 1},
		{"--bb\r\n\r\n", 2}, {"=?c?q? ", 2}, {"@kombit.test", 2}, {"X-A: b\r\n", 2}, {"(((", 2}, {"a@b.c, ", 2},
		{"a\r\n ", 3}, {";X=1", 3}, {"ATTENDEE;PARTSTAT=ACCEPTED:mailto:a@b.c\r\n", 3},
		{" a\r\n", 4}, {"Final-Recipient: rfc822; a@b.c\r\n", 4},
	} {
		f.Add([]byte(seed.unit), seed.kind)
	}
	opts := testOptions(f)
	f.Fuzz(func(t *testing.T, unit []byte, kind uint8) {
		if len(unit) == 0 {
			return
		}
		const kinds = 5
		build := func(size int) []byte {
			switch kind % kinds {
			case 0:
				return plainMessage(string(unit), size)
			case 1:
				return htmlMessage(repeatTo(string(unit), size))
			case 3:
				return calendarMessage("ATTENDEE" + repeatTo(string(unit), size) + ":mailto:a@b.c")
			case 4:
				return reportMessage(repeatTo(string(unit), size))
			}
			return []byte(repeatTo(string(unit), size))
		}
		small, large := build(16<<10), build(64<<10)
		tSmall := fastest(2, func() { Read(small, opts) })
		tLarge := fastest(2, func() { Read(large, opts) })
		if tLarge > 8*tSmall+30*time.Millisecond {
			t.Errorf("%q repeated (kind %d): 64 KB read in %v, 16 KB in %v: the time grows faster than the input", unit, kind%kinds, tLarge, tSmall)
		}
		if limit := time.Duration(len(large)) * 20 * time.Microsecond; tLarge > limit {
			t.Errorf("%q repeated (kind %d): %d bytes read in %v, more than %v", unit, kind%kinds, len(large), tLarge, limit)
		}
	})
}
