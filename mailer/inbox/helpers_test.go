package inbox

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"math/big"
	"net"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"

	"github.com/rsvpd/rsvpd/store"
)

const (
	testUser     = "dialogmoeder@kombit.test"
	testPassword = "rsvpd-test"
	testDone     = "rsvpd/Behandlet"
)

// testServer is go-imap's own server with an in-memory backend on 127.0.0.1. The
// backend outlives stop and start, so the server can be restarted on the same port with its
// mail kept, as a real server restart does.
type testServer struct {
	t    *testing.T
	mem  *imapmemserver.Server
	user *imapmemserver.User
	caps imap.CapSet
	// tlsConfig enables STARTTLS; with implicit set the listener speaks TLS from the start.
	tlsConfig *tls.Config
	implicit  bool

	mu   sync.Mutex
	addr string
	srv  *imapserver.Server
}

func newTestServer(t *testing.T, caps imap.CapSet) *testServer {
	t.Helper()
	mem := imapmemserver.New()
	user := imapmemserver.NewUser(testUser, testPassword)
	if err := user.Create("INBOX", nil); err != nil {
		t.Fatal(err)
	}
	mem.AddUser(user)
	s := &testServer{t: t, mem: mem, user: user, caps: caps, addr: "127.0.0.1:0"}
	t.Cleanup(s.stop)
	return s
}

// start listens on the server's address (a free port the first time, the same one after).
func (s *testServer) start() {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	var ln net.Listener
	var err error
	for i := 0; i < 100; i++ { // the old port may linger for a moment after a stop
		if ln, err = net.Listen("tcp", s.addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		s.t.Fatalf("listen on %s: %v", s.addr, err)
	}
	if s.implicit {
		ln = tls.NewListener(ln, s.tlsConfig)
	}
	s.addr = ln.Addr().String()
	opts := &imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return testSession{s.mem.NewSession().(imapserver.SessionIMAP4rev2)}, nil, nil
		},
		Caps:         s.caps,
		InsecureAuth: true,
		Logger:       log.New(io.Discard, "", 0),
	}
	if !s.implicit {
		opts.TLSConfig = s.tlsConfig
	}
	s.srv = imapserver.New(opts)
	go s.srv.Serve(ln)
}

// stop closes the listener and every connection, as a server going down does.
func (s *testServer) stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.srv != nil {
		s.srv.Close()
		s.srv = nil
	}
}

func (s *testServer) hostPort() (string, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	host, port, _ := net.SplitHostPort(s.addr)
	var p int
	fmt.Sscan(port, &p)
	return host, p
}

// deliver puts a message into a mailbox, as the MTA does; a watcher in IDLE hears of it.
func (s *testServer) deliver(mailbox string, raw []byte) imap.UID {
	s.t.Helper()
	data, err := s.user.Append(mailbox, bytes.NewReader(raw), &imap.AppendOptions{})
	if err != nil {
		s.t.Fatalf("deliver to %s: %v", mailbox, err)
	}
	return data.UID
}

// testSession keeps an IDLE told of every change, as Dovecot does. go-imap's in-memory
// tracker reports only changes that arrive once its IDLE has begun: mail delivered between
// the watcher's last command and its IDLE would go unannounced until the next change. So the
// session also looks for queued changes every 20ms while it IDLEs.
type testSession struct{ imapserver.SessionIMAP4rev2 }

func (s testSession) Idle(w *imapserver.UpdateWriter, stop <-chan struct{}) error {
	done := make(chan error, 1)
	go func() { done <- s.SessionIMAP4rev2.Idle(w, stop) }()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case err := <-done:
			return err
		case <-tick.C:
			if err := s.Poll(w, true); err != nil {
				<-done
				return err
			}
		}
	}
}

// testMsg is a message as a mail client sees it.
type testMsg struct {
	UID       imap.UID
	Flags     []imap.Flag
	MessageID string
}

// messages lists a mailbox through a client of its own, as a user's mail program would.
func (s *testServer) messages(mailbox string) []testMsg {
	s.t.Helper()
	host, port := s.hostPort()
	addr := net.JoinHostPort(host, fmt.Sprint(port))
	var c *imapclient.Client
	var err error
	if s.implicit {
		c, err = imapclient.DialTLS(addr, &imapclient.Options{TLSConfig: s.tlsConfig})
	} else {
		c, err = imapclient.DialInsecure(addr, nil)
	}
	if err != nil {
		s.t.Fatalf("inspect %s: %v", mailbox, err)
	}
	defer c.Close()
	if err := c.Login(testUser, testPassword).Wait(); err != nil {
		s.t.Fatalf("inspect %s: %v", mailbox, err)
	}
	if _, err := c.Select(mailbox, &imap.SelectOptions{ReadOnly: true}).Wait(); err != nil {
		var ie *imap.Error
		if errors.As(err, &ie) {
			return nil // no such mailbox: nothing in it
		}
		s.t.Fatalf("inspect %s: %v", mailbox, err)
	}
	bufs, err := c.Fetch(imap.SeqSet{{Start: 1, Stop: 0}}, &imap.FetchOptions{UID: true, Flags: true,
		BodySection: []*imap.FetchItemBodySection{{Specifier: imap.PartSpecifierHeader, Peek: true}}}).Collect()
	if err != nil {
		// An empty mailbox answers "1:*" with an error on some servers.
		return nil
	}
	var out []testMsg
	for _, b := range bufs {
		var header []byte
		for _, sec := range b.BodySection {
			header = sec.Bytes
		}
		out = append(out, testMsg{UID: b.UID, Flags: b.Flags, MessageID: messageID(header)})
	}
	return out
}

func testMessage(id, body string) []byte {
	return []byte("From: Bibliotekschef <chef@aalborg.kommune.test>\r\n" +
		"To: dialogmoeder@kombit.test\r\n" +
		"Subject: Re: Invitation til dialogmøde\r\n" +
		"Message-ID: <" + id + ">\r\n" +
		"Date: Mon, 13 Feb 2012 10:00:00 +0100\r\n" +
		"Content-Type: text/plain; charset=utf-8\r\n" +
		"\r\n" + body + "\r\n")
}

// testHandler applies ledger rows as the daemon does: in one transaction, skipping a
// row already handled and a second copy of an applied Message-ID, recording an unreadable
// message as failed. fail makes a Message-ID's handling fail (a store error) that many times.
type testHandler struct {
	st *store.Store

	mu        sync.Mutex
	calls     map[string]int // handler calls per Message-ID
	applied   map[string]int // transactions that applied a Message-ID
	fail      map[string]int
	after     func(ctx context.Context, msgID string)
	appliedAt map[string]time.Time
}

func newTestHandler(st *store.Store) *testHandler {
	return &testHandler{st: st, calls: map[string]int{}, applied: map[string]int{}, fail: map[string]int{},
		appliedAt: map[string]time.Time{}}
}

func (h *testHandler) handle(ctx context.Context, id int64) error {
	var msgID, status string
	err := h.st.Tx(ctx, func(tx *store.Tx) error {
		in, err := tx.Inbound(id)
		if err != nil {
			return err
		}
		msgID = in.MessageID
		h.mu.Lock()
		h.calls[msgID]++
		failNow := h.fail[msgID] > 0
		if failNow {
			h.fail[msgID]--
		}
		h.mu.Unlock()
		if in.Status != "new" {
			return nil
		}
		if failNow {
			return errors.New("database is locked")
		}
		now := time.Now()
		if bytes.Contains(in.Raw, []byte("MALFORMED")) {
			status = "failed"
			return tx.FinishInbound(id, store.InboundFailed, "", "the message could not be read", now)
		}
		status = "applied"
		if dup, err := tx.MessageIDApplied(msgID, id); err != nil {
			return err
		} else if dup {
			status = "duplicate"
		}
		return tx.FinishInbound(id, store.InboundStatus(status), "{}", "", now)
	})
	if err != nil {
		return fmt.Errorf("handle inbound %d: %w", id, err)
	}
	h.mu.Lock()
	if status == "applied" {
		h.applied[msgID]++
		h.appliedAt[msgID] = time.Now()
	}
	after := h.after
	h.mu.Unlock()
	if after != nil {
		after(ctx, msgID)
	}
	return nil
}

func (h *testHandler) appliedCount(msgID string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.applied[msgID]
}

func (h *testHandler) totalApplied() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for _, v := range h.applied {
		n += v
	}
	return n
}

func (h *testHandler) callCount(msgID string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.calls[msgID]
}

func testLogger(t *testing.T) *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.DiscardHandler)
}

func testOptions(t *testing.T, srv *testServer) Options {
	host, port := srv.hostPort()
	return Options{
		Host: host, Port: port, TLS: "none", User: testUser, Password: testPassword,
		Processed: testDone, CommandTimeout: 2 * time.Second,
		BackoffBase: 50 * time.Millisecond, BackoffMax: 400 * time.Millisecond,
		Poll: time.Hour, Log: testLogger(t),
	}
}

// runWatcher runs w until the returned stop is called (or the test ends); stop waits for Run
// to return and fails the test when it returned an error.
func runWatcher(t *testing.T, w *Watcher) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("Run: %v", err)
				}
			case <-time.After(5 * time.Second):
				t.Errorf("Run did not return within 5s of its context ending")
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after %s: %s", d, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func ledgerRows(t *testing.T, st *store.Store, status store.InboundStatus) []store.Inbound {
	t.Helper()
	rows, err := st.InboundByStatus(context.Background(), status)
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func msgIDs(msgs []testMsg) []string {
	var ids []string
	for _, m := range msgs {
		ids = append(ids, m.MessageID)
	}
	slices.Sort(ids)
	return ids
}

var (
	capsRev2 = imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapIMAP4rev2: {}} // MOVE, UIDPLUS, IDLE
	capsRev1 = imap.CapSet{imap.CapIMAP4rev1: {}}                        // IDLE, no MOVE, no UIDPLUS
)

// proxy relays connections to the test server and counts the IDLE commands sent; with
// hideIdle it removes IDLE from the capabilities the server announces: a server without IDLE.
type proxy struct {
	port  int
	idles atomic.Int64
}

func newProxy(t *testing.T, srv *testServer, hideIdle bool) *proxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	p := &proxy{port: ln.Addr().(*net.TCPAddr).Port}
	host, port := srv.hostPort()
	go func() {
		for {
			client, err := ln.Accept()
			if err != nil {
				return
			}
			server, err := net.Dial("tcp", net.JoinHostPort(host, fmt.Sprint(port)))
			if err != nil {
				client.Close()
				continue
			}
			go func() {
				defer client.Close()
				r := bufio.NewReader(server)
				for {
					line, err := r.ReadString('\n')
					if hideIdle && strings.Contains(line, "CAPABILITY") {
						line = strings.ReplaceAll(strings.ReplaceAll(line, " IMAP4rev2", ""), " IDLE", "")
					}
					if _, werr := io.WriteString(client, line); werr != nil || err != nil {
						return
					}
				}
			}()
			go func() {
				defer server.Close()
				r := bufio.NewReader(client)
				for {
					line, err := r.ReadString('\n')
					if strings.Contains(strings.ToUpper(line), " IDLE\r\n") {
						p.idles.Add(1)
					}
					if _, werr := io.WriteString(server, line); werr != nil || err != nil {
						return
					}
				}
			}()
		}
	}()
	return p
}

func testCert(t *testing.T) (server, client *tls.Config) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "imap.rsvpd.test"},
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}},
		&tls.Config{RootCAs: pool}
}

// waitUntil reports whether cond became true within d.
func waitUntil(d time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(10 * time.Millisecond)
	}
	return true
}
