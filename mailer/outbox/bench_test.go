package outbox

import (
	"bytes"
	"context"
	"fmt"
	"net"
	netmail "net/mail"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wneessen/go-mail"

	"github.com/rsvpd/rsvpd/campaign"
	"github.com/rsvpd/rsvpd/mailer"
	"github.com/rsvpd/rsvpd/mailer/letters"
	"github.com/rsvpd/rsvpd/store"
	"github.com/rsvpd/rsvpd/testenv"
)

// The outbox benchmark of issue 3: rsvpd hands 10,000 invitations of realistic size to
// Postfix's smtp-sink, and in the same run Postfix's smtp-source sends as many messages of the
// same size over as many connections to the same sink. The metric x-smtp-source is rsvpd's
// time over smtp-source's (goal: 1.5 or less). rsvpd's time covers everything the daemon does
// per message: reading due rows, rendering the letter from its templates, composing the MIME
// message, the SMTP transaction, and marking the row sent in its own transaction.
//
//	go test ./mailer/outbox -run '^$' -bench Outbox -benchtime 1x
const (
	outboxBenchMessages    = 10000
	outboxBenchConnections = 4
	// outboxSMTPSourceHeaders is the size of the headers smtp-source writes before its -l bytes
	// (From, To, Date, Message-Id): subtracted so that its messages are as large as ours.
	outboxSMTPSourceHeaders = 110
)

// The sub-benchmarks render=templates execute the invitation's templates for every message,
// as the daemon does; render=once executes them once and personalises the letter per row
// (municipality, token, address) by replacement, so that what remains is the outbox worker's
// own work: reading due rows, composing and encoding the MIME message, SMTP, and the store
// write per message.
func BenchmarkOutboxVsSMTPSource(b *testing.B) {
	for _, render := range []string{"templates", "once"} {
		for _, conns := range []int{1, outboxBenchConnections} {
			b.Run(fmt.Sprintf("render=%s/connections=%d", render, conns), func(b *testing.B) {
				benchOutboxVsSMTPSource(b, render, conns)
			})
		}
	}
}

func benchOutboxVsSMTPSource(b *testing.B, renderMode string, conns int) {
	source := postfixTool(b, "smtp-source")
	addr := startSMTPSink(b)
	host, portStr, _ := net.SplitHostPort(addr)
	port, _ := strconv.Atoi(portStr)

	c := exampleCampaign(b)
	signer := testSigner()
	letters := newLetterRenderer(b, c, signer)
	var render Renderer = letters
	if renderMode == "once" {
		render = newOnceRenderer(b, letters)
	}
	rows := syntheticRows(outboxBenchMessages)
	size := renderedSize(b, render, rows[0])
	created := time.Now().Add(-time.Minute)

	var ours, theirs time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		st := testenv.Store(b)
		queueRows(b, st, signer, rows, created)
		s := New(st, render, Options{Host: host, Port: port, TLS: mailer.NoTLS,
			HELO: "rsvpd.test", Concurrency: conns, Timeout: 30 * time.Second})
		b.StartTimer()
		t0 := time.Now()
		if err := s.Drain(context.Background()); err != nil {
			b.Fatalf("Drain: %v", err)
		}
		ours += time.Since(t0)
		b.StopTimer()
		stats, err := st.OutboxStats(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		if stats.Sent != outboxBenchMessages || stats.Pending != 0 || stats.Failed != 0 {
			b.Fatalf("outbox after Drain: %+v, want %d sent", stats, outboxBenchMessages)
		}

		cmd := exec.Command(source, "-d", "-s", strconv.Itoa(conns), "-m", strconv.Itoa(outboxBenchMessages),
			"-l", strconv.Itoa(size-outboxSMTPSourceHeaders), "-M", "source.test",
			"-f", c.Organiser.Email, "-t", rows[0].recipient, addr)
		t0 = time.Now()
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("smtp-source: %v\n%s", err, out)
		}
		theirs += time.Since(t0)
		b.StartTimer()
	}
	b.ReportMetric(ours.Seconds()/theirs.Seconds(), "x-smtp-source")
	b.ReportMetric(float64(outboxBenchMessages*b.N)/ours.Seconds(), "msgs/s")
	b.ReportMetric(float64(outboxBenchMessages*b.N)/theirs.Seconds(), "smtp-source-msgs/s")
	b.ReportMetric(float64(size), "bytes/msg")
}

// BenchmarkOutboxStoreWrite is the store's part of each message: the transaction that marks one
// row sent (SQLite in WAL with synchronous=NORMAL, as the daemon opens it).
func BenchmarkOutboxStoreWrite(b *testing.B) {
	st := testenv.Store(b)
	rows := syntheticRows(b.N)
	queueRows(b, st, testSigner(), rows, time.Now())
	due, err := st.Due(context.Background(), time.Now(), b.N)
	if err != nil || len(due) != b.N {
		b.Fatalf("Due: %d rows, %v", len(due), err)
	}
	now := time.Now()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		err := st.Tx(context.Background(), func(tx *store.Tx) error { return tx.MarkSent(due[i].ID, now) })
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkOutboxRender is the CPU part of each message: rendering the invitation from its
// templates and writing the MIME message.
func BenchmarkOutboxRender(b *testing.B) {
	c := exampleCampaign(b)
	render := newLetterRenderer(b, c, testSigner())
	row := benchRow(outboxRow{"101", c.Invitees[0].Email})
	var buf bytes.Buffer
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		m, err := render.Render(context.Background(), row)
		if err != nil {
			b.Fatal(err)
		}
		buf.Reset()
		if _, err := m.WriteTo(&buf); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(buf.Len()), "bytes/msg")
}

// renderedSize is the size on the wire of the message rendered for r.
func renderedSize(tb testing.TB, render Renderer, r outboxRow) int {
	tb.Helper()
	m, err := render.Render(context.Background(), benchRow(r))
	if err != nil {
		tb.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := m.WriteTo(&buf); err != nil {
		tb.Fatal(err)
	}
	return buf.Len()
}

// onceRenderer executes the invitation's templates once, for a placeholder invitee, and
// personalises that letter for each row by replacing the placeholder's code and reply address.
type onceRenderer struct {
	base   *letterRenderer
	letter letters.Rendered
	code   string // the placeholder's code, as it appears in the letter
	reply  string // the placeholder's reply address
}

func newOnceRenderer(tb testing.TB, base *letterRenderer) *onceRenderer {
	tb.Helper()
	const code = "g99999"
	inv := campaign.Invitee{Code: code, Name: "Kommune " + code, FormalName: "Kommune " + code, Population: 48000}
	reply := base.signer.ReplyAddress(base.c.Organiser.Email, code)
	letter, err := base.letters.Render(letters.KindInvitation, letters.Data{Invitee: inv, ReplyAddress: reply})
	if err != nil {
		tb.Fatal(err)
	}
	return &onceRenderer{base: base, letter: letter, code: code, reply: reply}
}

func (r *onceRenderer) Render(_ context.Context, row store.Outgoing) (*mail.Msg, error) {
	org := r.base.c.Organiser
	reply := r.base.signer.ReplyAddress(org.Email, row.Invitee)
	// Two ReplaceAll calls (a fast substring search each) cost a tenth of a strings.Replacer
	// with these patterns.
	personal := func(s string) string {
		return strings.ReplaceAll(strings.ReplaceAll(s, r.reply, reply), r.code, row.Invitee)
	}
	o := letters.Outgoing{
		From:          netmail.Address{Name: org.Name, Address: org.Email},
		To:            netmail.Address{Address: row.Recipient},
		ReplyTo:       netmail.Address{Name: org.Name, Address: reply},
		Subject:       r.letter.Subject,
		Text:          personal(r.letter.Text),
		HTML:          personal(r.letter.HTML),
		MessageID:     row.MessageID,
		AutoSubmitted: "auto-generated",
		Date:          row.CreatedAt,
	}
	return o.Msg()
}

// benchRow is the outbox row of an invitation, as queueRows writes it.
func benchRow(r outboxRow) store.Outgoing {
	key := "invitation/" + r.code
	return store.Outgoing{Key: key, Kind: string(letters.KindInvitation), Invitee: r.code, Recipient: r.recipient,
		MessageID: testSigner().MessageID(key, r.code), CreatedAt: time.Now()}
}

// postfixTool finds one of Postfix's test programs (Debian package postfix).
func postfixTool(tb testing.TB, name string) string {
	tb.Helper()
	for _, dir := range []string{"/usr/sbin", "/usr/lib/postfix/sbin", "/usr/libexec/postfix"} {
		p := filepath.Join(dir, name)
		if fi, err := os.Stat(p); err == nil && fi.Mode()&0o111 != 0 {
			return p
		}
	}
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	tb.Fatalf("%s not found: install the Debian package postfix", name)
	return ""
}

// startSMTPSink runs smtp-sink on a free loopback port until the benchmark ends.
func startSMTPSink(tb testing.TB) string {
	tb.Helper()
	sink := postfixTool(tb, "smtp-sink")
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	args := []string{addr, "256"}
	if os.Geteuid() == 0 {
		args = append([]string{"-u", "nobody"}, args...) // smtp-sink refuses to run as root
	}
	cmd := exec.Command(sink, args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		tb.Fatalf("start smtp-sink: %v", err)
	}
	tb.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	for deadline := time.Now().Add(5 * time.Second); ; {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
			return addr
		}
		if time.Now().After(deadline) {
			tb.Fatalf("smtp-sink does not listen on %s: %v\n%s", addr, err, out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}
