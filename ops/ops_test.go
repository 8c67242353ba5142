package ops

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	mail "github.com/wneessen/go-mail"

	"github.com/rsvpd/rsvpd/campaign"
	"github.com/rsvpd/rsvpd/mailer/auth"
	"github.com/rsvpd/rsvpd/mailer/inbox"
	"github.com/rsvpd/rsvpd/mailer/outbox"
	"github.com/rsvpd/rsvpd/sandbox"
	"github.com/rsvpd/rsvpd/schedules"
	"github.com/rsvpd/rsvpd/store"
	"github.com/rsvpd/rsvpd/testenv"
)

const testToken = "0123456789abcdef-ops-test-token"

func newServer(t *testing.T, o Options) *Server {
	t.Helper()
	if o.Address == "" {
		o.Address = "127.0.0.1:0"
	}
	s, err := New(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// get sends a request to h with the token (none when empty) and returns the status and body.
func get(t *testing.T, h http.Handler, path, auth string) (int, string) {
	t.Helper()
	srv := httptest.NewServer(h)
	defer srv.Close()
	req, _ := http.NewRequest("GET", srv.URL+path, nil)
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func TestAddressOutsideLoopbackNeedsAToken(t *testing.T) {
	tests := []struct {
		addr, token string
		wantErr     string
	}{
		{"127.0.0.1:9180", "", ""},
		{"[::1]:9180", "", ""},
		{"localhost:9180", "", ""},
		{"0.0.0.0:9180", "", "reachable from other machines"},
		{":9180", "", "reachable from other machines"},
		{"192.0.2.10:9180", "", "reachable from other machines"},
		{"metrics.example.test:9180", "", "reachable from other machines"},
		{"0.0.0.0:9180", testToken, ""},
		{"0.0.0.0:9180", "short", "use at least 16"},
		{"9180", "", "http address"},
	}
	for _, tt := range tests {
		t.Run(tt.addr+"/"+strconv.Itoa(len(tt.token)), func(t *testing.T) {
			_, err := New(context.Background(), Options{Address: tt.addr, Token: tt.token, Store: testenv.Store(t)})
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("error %v, want one saying %q", err, tt.wantErr)
			}
			if err != nil && tt.token != "" && strings.Contains(err.Error(), tt.token) {
				t.Errorf("the error shows the token: %v", err)
			}
		})
	}
}

func TestTokenGuardsEveryPath(t *testing.T) {
	s := newServer(t, Options{Address: "0.0.0.0:9180", Token: testToken, Store: testenv.Store(t)})
	h := s.Handler()
	for _, path := range []string{"/healthz", "/metrics"} {
		for _, auth := range []string{"", "Bearer wrong-token-0123456789abc", "Basic " + testToken, testToken,
			"Bearer " + testToken + "x", "Bearer " + testToken[:len(testToken)-1]} {
			code, body := get(t, h, path, auth)
			if code != http.StatusUnauthorized {
				t.Errorf("%s with %q: status %d, want 401", path, auth, code)
			}
			if strings.Contains(body, "rsvpd_") || strings.Contains(body, "imap") {
				t.Errorf("%s with %q: the refusal shows data: %s", path, auth, body)
			}
		}
		for _, auth := range []string{"Bearer " + testToken, "bearer " + testToken} {
			if code, _ := get(t, h, path, auth); code != http.StatusOK {
				t.Errorf("%s with the token (%q): status %d, want 200", path, auth[:6], code)
			}
		}
	}
	// On loopback without a token configured, no token is asked for.
	open := newServer(t, Options{Store: testenv.Store(t)})
	if code, _ := get(t, open.Handler(), "/healthz", ""); code != http.StatusOK {
		t.Errorf("loopback without a token: status %d, want 200", code)
	}
}

// Serve answers on the address and stops when its context ends.
func TestServeStopsWithItsContext(t *testing.T) {
	s := newServer(t, Options{Store: testenv.Store(t)})
	if err := s.Listen(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx) }()
	resp, err := http.Get("http://" + s.Addr() + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/json" {
		t.Errorf("healthz: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Serve: %v", err)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("Serve did not return after its context ended")
	}
	if _, err := net.DialTimeout("tcp", s.Addr(), time.Second); err == nil {
		t.Errorf("still listening after the stop")
	}
}

func health(t *testing.T, s *Server) (int, Health) {
	t.Helper()
	code, body := get(t, s.Handler(), "/healthz", "")
	var h Health
	if err := json.Unmarshal([]byte(body), &h); err != nil {
		t.Fatalf("healthz is not JSON: %v\n%s", err, body)
	}
	return code, h
}

// startSandbox starts the sandbox, on imapAddr when given (a restart on the same port).
func startSandbox(t *testing.T, imapAddr string) *sandbox.Server {
	t.Helper()
	var srv *sandbox.Server
	var err error
	for range 100 { // the old port may linger for a moment after a stop
		if srv, err = sandbox.New(&sandbox.Options{IMAPAddr: imapAddr}); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	if err := srv.AddUser("dialogmoeder@kombit.test", "pw"); err != nil {
		t.Fatal(err)
	}
	return srv
}

func hostPort(t *testing.T, addr string) (string, int) {
	t.Helper()
	h, p, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	n, _ := strconv.Atoi(p)
	return h, n
}

// The health check follows the real IMAP session through a server outage, greets the real
// SMTP server, and sees a store another process holds locked.
func TestHealthFollowsTheServersAndTheStore(t *testing.T) {
	box := startSandbox(t, "")
	st := testenv.Store(t)
	// A digest ran before this start: the health report names it from the run ledger.
	digestAt := time.Date(2012, 2, 7, 6, 0, 0, 0, time.UTC)
	err := st.Tx(context.Background(), func(tx *store.Tx) error {
		_, err := tx.ClaimJob(store.JobRun{Key: "digest/2012-02-07T07:00", Due: digestAt, RanAt: digestAt, Outcome: "ran"})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	s := newServer(t, Options{Store: st, Send: true, Watch: true, SMTPAddr: box.SMTPAddr(), SMTPTLS: "none",
		SMTPCheckEvery: time.Millisecond, CheckTimeout: 300 * time.Millisecond})

	code, h := health(t, s)
	if code != http.StatusServiceUnavailable || h.Status != "failing" || h.IMAP.OK {
		t.Errorf("before the watcher connected: %d %+v, want 503 with IMAP failing", code, h)
	}
	if !h.SMTP.OK || !strings.Contains(h.SMTP.Detail, "greeted") || !h.Store.OK {
		t.Errorf("SMTP or store not healthy: %+v", h)
	}
	if h.LastDigest == nil || !h.LastDigest.Equal(digestAt) {
		t.Errorf("last digest %v, want %v", h.LastDigest, digestAt)
	}

	host, port := hostPort(t, box.IMAPAddr())
	wo := inbox.Options{Host: host, Port: port, TLS: "none", User: "dialogmoeder@kombit.test", Password: "pw",
		BackoffBase: 50 * time.Millisecond, BackoffMax: 100 * time.Millisecond}
	s.TweakWatcher(&wo)
	w := inbox.New(st, func(context.Context, int64) error { return nil }, wo)
	s.SetWatcher(w)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); w.Run(ctx) }()
	t.Cleanup(func() { cancel(); wg.Wait() })
	waitFor(t, 5*time.Second, "healthy once the watcher is connected", func() bool {
		code, h = health(t, s)
		return code == http.StatusOK
	})
	if !strings.HasPrefix(h.IMAP.Detail, "connected since") {
		t.Errorf("IMAP detail %q", h.IMAP.Detail)
	}

	// The servers go away: IMAP and SMTP fail.
	imapAddr := box.IMAPAddr()
	box.Close()
	waitFor(t, 5*time.Second, "failing once the servers are gone", func() bool {
		code, h = health(t, s)
		return code == http.StatusServiceUnavailable && !h.IMAP.OK && !h.SMTP.OK
	})
	if !strings.Contains(h.SMTP.Detail, "connection refused") {
		t.Errorf("SMTP detail %q, want the refused connection", h.SMTP.Detail)
	}
	// IMAP comes back on the same port; the reconnection is counted.
	box2 := startSandbox(t, imapAddr)
	s.o.SMTPAddr = box2.SMTPAddr()
	waitFor(t, 5*time.Second, "healthy again after the reconnection", func() bool {
		code, _ = health(t, s)
		return code == http.StatusOK
	})
	if got := metricValue(t, scrape(t, s), "rsvpd_imap_reconnects_total", nil); got != 1 {
		t.Errorf("IMAP reconnects = %v, want 1", got)
	}

	// Another process holds the store's write lock: the store check fails within its timeout
	// and recovers when the lock is released, leaving nothing in the event log.
	other, err := store.Open(context.Background(), st.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	locked, release := make(chan struct{}), make(chan struct{})
	go other.Tx(context.Background(), func(tx *store.Tx) error {
		close(locked)
		<-release
		return nil
	})
	<-locked
	start := time.Now()
	code, h = health(t, s)
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("the health check took %s with the store locked", took)
	}
	if code != http.StatusServiceUnavailable || h.Store.OK || !strings.Contains(h.Store.Detail, "no write lock") {
		t.Errorf("with the store locked: %d %+v", code, h.Store)
	}
	close(release)
	waitFor(t, 5*time.Second, "the store writable again", func() bool {
		_, h = health(t, s)
		return h.Store.OK
	})
	var evs []store.Event
	err = st.View(context.Background(), func(tx *store.Tx) (err error) {
		evs, err = tx.Events(store.EventFilter{Kind: "health_check"})
		return err
	})
	if err != nil || len(evs) != 0 {
		t.Errorf("the health check left %d events (%v)", len(evs), err)
	}
}

func TestHealthOfADaemonThatNeitherSendsNorWatches(t *testing.T) {
	s := newServer(t, Options{Store: testenv.Store(t)})
	code, h := health(t, s)
	if code != 200 || h.Status != "ok" || !strings.Contains(h.IMAP.Detail, "not watching") ||
		!strings.Contains(h.SMTP.Detail, "not sending") || h.LastDigest != nil {
		t.Errorf("%d %+v", code, h)
	}
}

func scrape(t *testing.T, s *Server) map[string]*dto.MetricFamily {
	t.Helper()
	code, body := get(t, s.Handler(), "/metrics", "")
	if code != 200 {
		t.Fatalf("metrics: status %d\n%s", code, body)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := p.TextToMetricFamilies(strings.NewReader(body))
	if err != nil {
		t.Fatalf("metrics do not parse: %v\n%s", err, body)
	}
	return mfs
}

// metricValue is the value of the series with exactly these labels; -1 when there is none.
func metricValue(t *testing.T, mfs map[string]*dto.MetricFamily, name string, labels map[string]string) float64 {
	t.Helper()
	mf, ok := mfs[name]
	if !ok {
		return -1
	}
	for _, m := range mf.Metric {
		if len(m.Label) != len(labels) {
			continue
		}
		match := true
		for _, l := range m.Label {
			if labels[l.GetName()] != l.GetValue() {
				match = false
			}
		}
		if !match {
			continue
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue()
		case m.Gauge != nil:
			return m.Gauge.GetValue()
		}
	}
	return -1
}

// plainRenderer writes a small message for each row.
type plainRenderer struct{}

func (plainRenderer) Render(_ context.Context, row store.Outgoing) (*mail.Msg, error) {
	m := mail.NewMsg()
	if err := m.From("dialogmoeder@kombit.test"); err != nil {
		return nil, err
	}
	if err := m.To(row.Recipient); err != nil {
		return nil, err
	}
	m.Subject("Dialogmøde")
	m.SetBodyString(mail.TypeTextPlain, "Invitation "+row.Key)
	return m, nil
}

// The metrics count what a real sender did against an SMTP server that defers one message
// and refuses another, and read the outbox and the review queue from the store.
func TestMetricsCountWhatHappened(t *testing.T) {
	box := startSandbox(t, "")
	box.AddFault(sandbox.Fault{Recipient: "b@k0002.test", Code: 451, Times: 1})
	box.AddFault(sandbox.Fault{Recipient: "c@k0003.test", Code: 550})
	st := testenv.Store(t)
	now := time.Now().Truncate(time.Millisecond) // the store keeps milliseconds
	queued := now.Add(-90 * time.Second)
	err := st.Tx(context.Background(), func(tx *store.Tx) error {
		for i, to := range []string{"a@k0001.test", "b@k0002.test", "c@k0003.test", "d@k0004.test"} {
			key := fmt.Sprintf("invitation/k%04d", i+1)
			if _, err := tx.Enqueue(store.Outgoing{Key: key, Kind: "invitation", Invitee: key[11:], Recipient: to,
				MessageID: "<" + key + "@kombit.test>", CreatedAt: queued}); err != nil {
				return err
			}
		}
		for range 3 {
			if _, err := tx.AddReview(store.Review{Why: campaign.Reason{Code: campaign.ReasonQuestion}, CreatedAt: now}); err != nil {
				return err
			}
		}
		_, err := tx.AddReview(store.Review{Why: campaign.Reason{Code: campaign.ReasonQuestion}, CreatedAt: now})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Tx(context.Background(), func(tx *store.Tx) error { return tx.ResolveReview(4, "ignored", now) }); err != nil {
		t.Fatal(err)
	}
	s := newServer(t, Options{Store: st, Now: func() time.Time { return now }})

	mfs := scrape(t, s)
	for _, c := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"rsvpd_outbox_messages", map[string]string{"status": "pending"}, 4},
		{"rsvpd_outbox_oldest_pending_age_seconds", nil, 90},
		{"rsvpd_review_queue_size", nil, 3},
	} {
		if got := metricValue(t, mfs, c.name, c.labels); got != c.want {
			t.Errorf("before sending: %s%v = %v, want %v", c.name, c.labels, got, c.want)
		}
	}

	host, port := hostPort(t, box.SMTPAddr())
	so := outbox.Options{Host: host, Port: port, TLS: "none", BackoffBase: 20 * time.Millisecond,
		BackoffMax: 50 * time.Millisecond, RetryFor: time.Hour}
	s.TweakSender(&so)
	sender := outbox.New(st, plainRenderer{}, so)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- sender.Run(ctx) }()
	waitFor(t, 10*time.Second, "every message sent or failed", func() bool {
		o, err := st.OutboxStats(context.Background())
		return err == nil && o.Sent == 3 && o.Failed == 1
	})
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	s.Read("human", "attend")
	s.Read("human", "attend")
	s.Read("bounce", "")
	ran := time.Date(2012, 2, 8, 6, 0, 0, 0, time.UTC)
	s.Jobs(schedules.Report{Now: ran, Ran: []schedules.Job{{Key: "digest/2012-02-08T07:00", Kind: schedules.KindDigest},
		{Key: "invitation/k0001", Kind: schedules.KindInvitation}},
		Skipped: []schedules.Skip{{Job: schedules.Job{Kind: schedules.KindReminder}}}})

	mfs = scrape(t, s)
	for _, c := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"rsvpd_messages_sent_total", map[string]string{"kind": "invitation"}, 3},
		{"rsvpd_messages_failed_total", map[string]string{"kind": "invitation"}, 1},
		{"rsvpd_messages_retried_total", nil, 1},
		{"rsvpd_outbox_messages", map[string]string{"status": "pending"}, 0},
		{"rsvpd_outbox_messages", map[string]string{"status": "sent"}, 3},
		{"rsvpd_outbox_oldest_pending_age_seconds", nil, 0},
		{"rsvpd_replies_total", map[string]string{"class": "human", "intent": "attend"}, 2},
		{"rsvpd_replies_total", map[string]string{"class": "bounce", "intent": ""}, 1},
		{"rsvpd_job_runs_total", map[string]string{"kind": "digest", "outcome": "ran"}, 1},
		{"rsvpd_job_runs_total", map[string]string{"kind": "reminder", "outcome": "skipped"}, 1},
		{"rsvpd_imap_connected", nil, 0},
	} {
		if got := metricValue(t, mfs, c.name, c.labels); got != c.want {
			t.Errorf("%s%v = %v, want %v", c.name, c.labels, got, c.want)
		}
	}
	if _, ok := mfs["go_goroutines"]; !ok {
		t.Errorf("the Go runtime metrics are missing")
	}
	if _, h := health(t, s); h.LastDigest == nil || !h.LastDigest.Equal(ran) {
		t.Errorf("last digest %v, want the one just run (%v)", h.LastDigest, ran)
	}
}

// countRetries sees each sender report once: a report whose counts add up to one starts a
// new batch.
func TestRetriesCountedAcrossBatches(t *testing.T) {
	s := newServer(t, Options{Store: testenv.Store(t)})
	for _, p := range []outbox.Progress{
		{Deferred: 1}, {Deferred: 1, Sent: 1}, {Deferred: 2, Sent: 1}, // batch 1: 2 retries
		{Deferred: 1},                                             // batch 2 starts with a retry
		{Sent: 1}, {Sent: 1, Deferred: 1}, {Sent: 2, Deferred: 1}, // batch 3: 1 retry
	} {
		s.countRetries(p)
	}
	if got := metricValue(t, scrape(t, s), "rsvpd_messages_retried_total", nil); got != 4 {
		t.Errorf("retried = %v, want 4", got)
	}
}

func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting until %s", timeout, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// While a sign-in fails /healthz answers 503 with the reason in a line, the failing check
// says since when and the metric is 1; once the sign-in works again all is well.
func TestHealthSaysWhySignInFails(t *testing.T) {
	box := startSandbox(t, "")
	s := newServer(t, Options{Store: testenv.Store(t), Send: true, Watch: true, SMTPAddr: box.SMTPAddr()})
	var so outbox.Options
	var wo inbox.Options
	s.TweakSender(&so)
	s.TweakWatcher(&wo)
	wo.OnConnect(inbox.Connection{})
	revoked := &auth.TokenError{Server: "IMAP outlook.office365.com:993", Step: "refresh-token grant at https://login.test/token",
		Code: "invalid_grant", Operator: true, Err: fmt.Errorf("invalid_grant: AADSTS70008")}
	wo.OnSignIn(revoked)
	wo.OnSignIn(revoked)
	code, h := health(t, s)
	want := "IMAP sign-in: the refresh token is revoked or expired: sign in again with rsvpd login --config FILE"
	if code != http.StatusServiceUnavailable || h.Status != "failing" || h.Reason != want {
		t.Errorf("%d %q %q, want 503 and %q", code, h.Status, h.Reason, want)
	}
	if h.IMAP.OK || !strings.HasPrefix(h.IMAP.Detail, "sign-in failing since ") || !strings.Contains(h.IMAP.Detail, "invalid_grant") {
		t.Errorf("IMAP check %+v", h.IMAP)
	}
	if !h.SMTP.OK {
		t.Errorf("SMTP check %+v while only IMAP fails", h.SMTP)
	}
	refused := &auth.RefusedError{Server: "SMTP smtp.office365.com:587", Err: fmt.Errorf("535 5.7.3 Authentication unsuccessful")}
	so.OnSignIn(refused)
	if _, h := health(t, s); h.SMTP.OK || h.Reason != want+"; SMTP sign-in refused by the server: 535 5.7.3 Authentication unsuccessful" {
		t.Errorf("with SMTP refused too: %q, SMTP %+v", h.Reason, h.SMTP)
	}
	if v := metricValue(t, scrape(t, s), "rsvpd_signin_failing", map[string]string{"server": "SMTP"}); v != 1 {
		t.Errorf("rsvpd_signin_failing{server=SMTP} = %v, want 1", v)
	}
	wo.OnSignIn(nil)
	so.OnSignIn(nil)
	if code, h := health(t, s); code != 200 || h.Reason != "" {
		t.Errorf("after the sign-ins work again: %d %+v", code, h)
	}
}
