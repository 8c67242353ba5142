package outbox

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	cryptorand "crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"math/big"
	"net"
	netmail "net/mail"
	"net/textproto"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
	"github.com/wneessen/go-mail"

	rsvpd "github.com/rsvpd/rsvpd"
	"github.com/rsvpd/rsvpd/campaign"
	"github.com/rsvpd/rsvpd/clock"
	"github.com/rsvpd/rsvpd/config"
	"github.com/rsvpd/rsvpd/mailer"
	"github.com/rsvpd/rsvpd/mailer/letters"
	"github.com/rsvpd/rsvpd/sandbox"
	"github.com/rsvpd/rsvpd/store"
	"github.com/rsvpd/rsvpd/testenv"
)

// exampleCampaign loads the 2012 example campaign (98 municipalities).
func exampleCampaign(tb testing.TB) *campaign.Campaign {
	tb.Helper()
	cfg, err := config.LoadFS(rsvpd.ExampleFS(), rsvpd.ExampleConfig, tb.TempDir())
	if err != nil {
		tb.Fatalf("load example config: %v", err)
	}
	return cfg.Campaign
}

// outboxRow is one message to put in the outbox.
type outboxRow struct{ code, recipient string }

// queueRows writes one invitation row per invitee, as the invitation job does.
func queueRows(tb testing.TB, st *store.Store, signer *campaign.Signer, rows []outboxRow, at time.Time) {
	tb.Helper()
	err := st.Tx(context.Background(), func(tx *store.Tx) error {
		for _, r := range rows {
			key := "invitation/" + r.code
			if _, err := tx.Enqueue(store.Outgoing{Key: key, Kind: string(letters.KindInvitation), Invitee: r.code,
				Recipient: r.recipient, MessageID: signer.MessageID(key, r.code),
				Params: json.RawMessage(`{}`), CreatedAt: at}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		tb.Fatalf("queue invitations: %v", err)
	}
}

// campaignRows is a row for every invitee of c.
func campaignRows(c *campaign.Campaign) []outboxRow {
	rows := make([]outboxRow, len(c.Invitees))
	for i, inv := range c.Invitees {
		rows[i] = outboxRow{inv.Code, inv.Email}
	}
	return rows
}

// syntheticRows is n invitees of a generated campaign, at addresses of the test domains.
func syntheticRows(n int) []outboxRow {
	rows := make([]outboxRow, n)
	for i := range rows {
		code := fmt.Sprintf("g%05d", i+1)
		rows[i] = outboxRow{code, "bibliotekschef@" + code + ".kommune.test"}
	}
	return rows
}

// letterRenderer renders an invitation from the campaign's letters and composes it as the
// daemon does (Outgoing.Msg): Danish subject, text and HTML alternatives, the tokened Reply-To,
// the row's Message-ID, Auto-Submitted. Invitees the campaign does not know (a generated
// campaign) get a made-up municipality.
type letterRenderer struct {
	c       *campaign.Campaign
	letters *letters.Letters
	signer  *campaign.Signer

	mu    sync.Mutex
	fail  map[string]error // row key -> the error Render returns for it
	calls map[string]int   // row key -> Render calls
}

func newLetterRenderer(tb testing.TB, c *campaign.Campaign, signer *campaign.Signer) *letterRenderer {
	tb.Helper()
	l, err := letters.New(c, "")
	if err != nil {
		tb.Fatalf("letters.New: %v", err)
	}
	return &letterRenderer{c: c, letters: l, signer: signer, fail: map[string]error{}, calls: map[string]int{}}
}

func (r *letterRenderer) Render(_ context.Context, row store.Outgoing) (*mail.Msg, error) {
	r.mu.Lock()
	r.calls[row.Key]++
	ferr := r.fail[row.Key]
	r.mu.Unlock()
	if ferr != nil {
		return nil, ferr
	}
	inv, ok := r.c.Invitee(row.Invitee)
	if !ok {
		inv = campaign.Invitee{Code: row.Invitee, Name: "Kommune " + row.Invitee,
			FormalName: "Kommune " + row.Invitee, Email: row.Recipient, Population: 48000}
	}
	org := r.c.Organiser
	reply := r.signer.ReplyAddress(org.Email, inv.Code)
	letter, err := r.letters.Render(letters.KindInvitation, letters.Data{Invitee: inv, ReplyAddress: reply})
	if err != nil {
		return nil, err
	}
	o := letters.Outgoing{
		From:          netmail.Address{Name: org.Name, Address: org.Email},
		To:            netmail.Address{Address: row.Recipient},
		ReplyTo:       netmail.Address{Name: org.Name, Address: reply},
		Subject:       letter.Subject,
		Text:          letter.Text,
		HTML:          letter.HTML,
		MessageID:     row.MessageID,
		AutoSubmitted: "auto-generated",
		Date:          row.CreatedAt,
	}
	return o.Msg()
}

func (r *letterRenderer) renderCalls(key string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.calls[key]
}

func testSigner() *campaign.Signer {
	return campaign.NewSigner([]byte("outbox test secret"), "kombit.test")
}

// senderStart is the virtual clock's start in the tests: the morning the invitations go out.
var senderStart = time.Date(2012, 1, 16, 9, 0, 0, 0, time.UTC)

// senderRig is an outbox, a renderer and the hooks' record, for one test.
type senderRig struct {
	t      *testing.T
	c      *campaign.Campaign
	st     *store.Store
	signer *campaign.Signer
	render *letterRenderer

	mu       sync.Mutex
	onSent   map[string]int    // row key -> OnSent calls
	onFailed map[string]string // row key -> the reason OnFailed was given
	failedN  map[string]int    // row key -> OnFailed calls
	sentErr  error             // what OnSent returns
}

func newSenderRig(t *testing.T) *senderRig {
	t.Helper()
	c := exampleCampaign(t)
	signer := testSigner()
	return &senderRig{t: t, c: c, st: testenv.Store(t), signer: signer,
		render: newLetterRenderer(t, c, signer), onSent: map[string]int{},
		onFailed: map[string]string{}, failedN: map[string]int{}}
}

// options are the test's sender settings for the server at addr: plain SMTP on loopback,
// hooks that record their calls and log an event in the row's transaction.
func (r *senderRig) options(addr string) Options {
	host, portStr, err := net.SplitHostPort(addr)
	if err != nil {
		r.t.Fatal(err)
	}
	port, _ := strconv.Atoi(portStr)
	return Options{
		Host: host, Port: port, TLS: mailer.NoTLS, HELO: "rsvpd.test",
		Timeout: 5 * time.Second, BackoffBase: time.Minute, BackoffMax: time.Hour,
		Log: slog.New(slog.NewTextHandler(senderLogWriter{r.t}, &slog.HandlerOptions{Level: slog.LevelInfo})),
		OnSent: func(tx *store.Tx, row store.Outgoing) error {
			r.mu.Lock()
			r.onSent[row.Key]++
			err := r.sentErr
			r.mu.Unlock()
			if err != nil {
				return err
			}
			return tx.Log(store.Event{Invitee: row.Invitee, Kind: "sent", Cause: "outbox:" + row.Key})
		},
		OnFailed: func(tx *store.Tx, row store.Outgoing, reason string) error {
			r.mu.Lock()
			r.onFailed[row.Key] = reason
			r.failedN[row.Key]++
			r.mu.Unlock()
			return tx.Log(store.Event{Invitee: row.Invitee, Kind: "undeliverable", Cause: "outbox:" + row.Key,
				Detail: map[string]any{"reason": reason}})
		},
	}
}

// sender builds a Sender whose backoff always waits its full ceiling, so that the tests know
// the next attempt to the minute.
func (r *senderRig) sender(o Options) *Sender {
	s := New(r.st, r.render, o)
	s.backoff.Rand = func() float64 { return 1 }
	return s
}

func (r *senderRig) queue(rows []outboxRow, at time.Time) {
	r.t.Helper()
	queueRows(r.t, r.st, r.signer, rows, at)
}

// outbox returns every row by key.
func (r *senderRig) outbox() map[string]store.Outgoing {
	r.t.Helper()
	out := map[string]store.Outgoing{}
	err := r.st.Tx(context.Background(), func(tx *store.Tx) error {
		rows, err := tx.OutboxRows(store.OutboxFilter{})
		for _, o := range rows {
			out[o.Key] = o
		}
		return err
	})
	if err != nil {
		r.t.Fatal(err)
	}
	return out
}

func (r *senderRig) events(kind string) []store.Event {
	r.t.Helper()
	var out []store.Event
	err := r.st.Tx(context.Background(), func(tx *store.Tx) (err error) {
		out, err = tx.Events(store.EventFilter{Kind: kind})
		return err
	})
	if err != nil {
		r.t.Fatal(err)
	}
	return out
}

func (r *senderRig) hookCalls() (sent map[string]int, failed map[string]string, failedN map[string]int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return maps.Clone(r.onSent), maps.Clone(r.onFailed), maps.Clone(r.failedN)
}

// senderLogWriter sends the sender's log to the test's log.
type senderLogWriter struct{ t *testing.T }

func (w senderLogWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

func startSenderSandbox(t *testing.T, opts *sandbox.Options) *sandbox.Server {
	t.Helper()
	srv, err := sandbox.New(opts)
	if err != nil {
		t.Fatalf("start sandbox: %v", err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv
}

// senderRunVirtual runs s.Run as a participant of v and returns a stop function that ends it and
// returns Run's error.
func senderRunVirtual(t *testing.T, v *clock.Virtual, s *Sender) (stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var err error
	done := v.Go(ctx, func(ctx context.Context) { err = s.Run(ctx) })
	var once sync.Once
	stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case <-done:
			case <-time.After(30 * time.Second):
				t.Errorf("Run did not return within 30s of its context ending")
			}
		})
		return err
	}
	t.Cleanup(func() { stop() })
	return stop
}

// senderRunUntil moves v to end, failing the test when the participants do not settle in time.
func senderRunUntil(t *testing.T, v *clock.Virtual, end time.Time) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := v.RunUntil(ctx, end); err != nil {
		t.Fatalf("virtual clock to %s: %v", end.Format(time.TimeOnly), err)
	}
}

// sandboxMessages reads one mailbox's messages.
func sandboxMessages(t *testing.T, srv *sandbox.Server, addr string) []*netmail.Message {
	t.Helper()
	var out []*netmail.Message
	for _, raw := range srv.Messages(addr) {
		m, err := netmail.ReadMessage(bytes.NewReader(raw))
		if err != nil {
			t.Fatalf("message to %s does not parse: %v", addr, err)
		}
		out = append(out, m)
	}
	return out
}

// connCounter is a TCP relay in front of a server that counts the connections made through it.
type connCounter struct {
	ln net.Listener
	n  atomic.Int32
}

func startConnCounter(t *testing.T, target string) *connCounter {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cc := &connCounter{ln: ln}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			cc.n.Add(1)
			go func() {
				defer c.Close()
				up, err := net.Dial("tcp", target)
				if err != nil {
					return
				}
				defer up.Close()
				go func() { io.Copy(up, c); up.(*net.TCPConn).CloseWrite() }()
				io.Copy(c, up)
			}()
		}
	}()
	return cc
}

func (cc *connCounter) addr() string { return cc.ln.Addr().String() }

type senderRendererFunc func(ctx context.Context, row store.Outgoing) (*mail.Msg, error)

func (f senderRendererFunc) Render(ctx context.Context, row store.Outgoing) (*mail.Msg, error) {
	return f(ctx, row)
}

// scriptedSMTP is a minimal SMTP server for what the sandbox does not do: say nothing, or take
// a message and answer late or never.
type scriptedSMTP struct {
	ln         net.Listener
	greet      bool          // false: accept the connection and never greet
	hangAtData bool          // take the message and never answer
	dataDelay  time.Duration // wait this long before accepting a message
	gotData    chan struct{} // a message arrived (before the answer)
	accepted   atomic.Int32
	// pipelining advertises PIPELINING and ext the other extensions listed (8BITMIME,
	// SMTPUTF8); refuse answers 550 to RCPT TO an address containing it; dataWithoutRcpt
	// answers DATA with 354 even when every recipient was refused (as a careless server may).
	pipelining      bool
	ext             []string
	refuse          string
	dataWithoutRcpt bool
	conns           atomic.Int32
	commands        []string // every command line received, in order
	mu              sync.Mutex
}

func startScriptedSMTP(t *testing.T, s *scriptedSMTP) *scriptedSMTP {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.ln, s.gotData = ln, make(chan struct{}, 100)
	var conns sync.WaitGroup
	t.Cleanup(func() { ln.Close(); conns.Wait() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns.Add(1)
			go func() {
				defer conns.Done()
				defer c.Close()
				s.serve(c)
			}()
		}
	}()
	return s
}

func (s *scriptedSMTP) addr() string { return s.ln.Addr().String() }

func (s *scriptedSMTP) serve(c net.Conn) {
	s.conns.Add(1)
	c.SetDeadline(time.Now().Add(10 * time.Second)) // the test's own bound
	tp := textproto.NewConn(c)
	if !s.greet {
		io.Copy(io.Discard, c)
		return
	}
	tp.PrintfLine("220 scripted.test ESMTP")
	rcpts := 0
	for {
		line, err := tp.ReadLine()
		if err != nil {
			return
		}
		s.mu.Lock()
		s.commands = append(s.commands, line)
		s.mu.Unlock()
		verb := strings.ToUpper(strings.Fields(line + " x")[0])
		switch verb {
		case "EHLO":
			ext := s.ext
			if s.pipelining {
				ext = append([]string{"PIPELINING"}, ext...)
			}
			for i, e := range append([]string{"scripted.test"}, ext...) {
				sep := "-"
				if i == len(ext) {
					sep = " "
				}
				tp.PrintfLine("250%s%s", sep, e)
			}
		case "RCPT":
			if s.refuse != "" && strings.Contains(line, s.refuse) {
				tp.PrintfLine("550 5.1.1 no such user")
				continue
			}
			rcpts++
			tp.PrintfLine("250 ok")
		case "MAIL", "RSET":
			rcpts = 0
			tp.PrintfLine("250 ok")
		case "HELO", "NOOP":
			tp.PrintfLine("250 ok")
		case "DATA":
			if rcpts == 0 && !s.dataWithoutRcpt {
				tp.PrintfLine("554 5.5.1 no valid recipients")
				continue
			}
			tp.PrintfLine("354 go ahead")
			if _, err := tp.ReadDotBytes(); err != nil {
				return
			}
			if rcpts == 0 {
				tp.PrintfLine("554 5.5.1 no valid recipients")
				continue
			}
			rcpts = 0
			s.gotData <- struct{}{}
			if s.hangAtData {
				io.Copy(io.Discard, c)
				return
			}
			time.Sleep(s.dataDelay)
			s.accepted.Add(1)
			tp.PrintfLine("250 queued")
		case "QUIT":
			tp.PrintfLine("221 bye")
			return
		default:
			tp.PrintfLine("502 not implemented")
		}
	}
}

// senderWaitFor polls cond until it holds or the test's patience ends.
func senderWaitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// tlsServer is a go-smtp server with TLS (STARTTLS or from the first byte) and PLAIN
// authentication, for what the sandbox does not offer.
type tlsServer struct {
	srv      *smtp.Server
	ln       net.Listener
	pool     *x509.CertPool
	authed   atomic.Int32 // successful AUTH commands
	accepted atomic.Int32 // messages taken over an encrypted, authenticated session
}

type tlsSession struct {
	s    *tlsServer
	conn *smtp.Conn
	auth bool
}

func (ss *tlsSession) AuthMechanisms() []string { return []string{sasl.Plain} }

func (ss *tlsSession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != "rsvpd" || pass != "hemmelig" {
			return &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8}, Message: "bad credentials"}
		}
		ss.auth = true
		ss.s.authed.Add(1)
		return nil
	}), nil
}

func (ss *tlsSession) Mail(string, *smtp.MailOptions) error {
	if !ss.auth {
		return smtp.ErrAuthRequired
	}
	return nil
}

func (ss *tlsSession) Rcpt(string, *smtp.RcptOptions) error { return nil }

func (ss *tlsSession) Data(r io.Reader) error {
	if _, err := io.Copy(io.Discard, r); err != nil {
		return err
	}
	if _, ok := ss.conn.TLSConnectionState(); ok {
		ss.s.accepted.Add(1)
	}
	return nil
}

func (ss *tlsSession) Reset() {}

func (ss *tlsSession) Logout() error { return nil }

// startTLSServer serves on 127.0.0.1 with a fresh self-signed certificate: implicit TLS
// when implicit, else STARTTLS when offerTLS, else no TLS at all.
func startTLSServer(t *testing.T, implicit, offerTLS bool) *tlsServer {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), cryptorand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, NotBefore: time.Now().Add(-time.Hour),
		NotAfter: time.Now().Add(time.Hour), KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(cryptorand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	s := &tlsServer{pool: x509.NewCertPool()}
	s.pool.AddCert(cert)
	tlsConf := &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
	s.srv = smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &tlsSession{s: s, conn: c}, nil
	}))
	s.srv.Domain = "tls.test"
	s.srv.AllowInsecureAuth = !implicit && !offerTLS // without TLS AUTH is offered in the clear
	if implicit {
		s.ln, err = tls.Listen("tcp", "127.0.0.1:0", tlsConf)
	} else {
		s.ln, err = net.Listen("tcp", "127.0.0.1:0")
		if offerTLS {
			s.srv.TLSConfig = tlsConf
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	go s.srv.Serve(s.ln)
	t.Cleanup(func() { s.srv.Close() })
	return s
}
