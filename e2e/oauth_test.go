package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jhillyerd/enmime/v2"

	"github.com/rsvpd/rsvpd/campaign"
	"github.com/rsvpd/rsvpd/config"
	"github.com/rsvpd/rsvpd/mailer/auth"
	"github.com/rsvpd/rsvpd/mailtest"
	"github.com/rsvpd/rsvpd/store"
	"github.com/rsvpd/rsvpd/testenv"
)

const organiser = "dialogmoeder@kombit.test"

// oauthCampaign writes a generated campaign of n invitees that signs in to Dovecot (IMAP, and
// its submission service for SMTP) with the generic provider's refresh-token grant, the
// refresh token in tokenFile as rsvpd login writes it, and serves /healthz on loopback.
func oauthCampaign(t *testing.T, srv *mailtest.Servers, dir string, n int, rate float64) (cfgPath, tokenFile, healthURL string) {
	t.Helper()
	now := time.Now()
	g := generated{Invitees: n, Invitations: now.Add(-time.Minute), Meetings: now.AddDate(0, 0, 30),
		Deadline: now.AddDate(0, 0, 40), SMTP: srv.SubmissionAddr, IMAP: srv.IMAPAddr,
		StorePath: filepath.Join(dir, "rsvpd.db")}
	cfgPath = g.write(t, dir)
	tokenFile = filepath.Join(dir, "oauth-token.json")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	httpAddr := ln.Addr().String()
	ln.Close()
	signIn := fmt.Sprintf("auth: {method: oauth2, provider: generic, token_url: %q, client_id: rsvpd, scopes: [mail], "+
		"grant: refresh_token, token_file: %s, user: %s}", srv.OAuth.TokenURL(), tokenFile, organiser)
	b, err := os.ReadFile(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for _, r := range []struct{ re, to string }{
		{`(?m)^  smtp: \{(.*)\}$`, "  smtp: {$1, " + signIn + "}"},
		{`(?m)^  imap: \{(.*), password_env: RSVPD_IMAP_PASSWORD\}$`, "  imap: {$1, " + signIn + "}"},
		{`(?m)^http: .*$`, fmt.Sprintf("http: {address: %q}", httpAddr)},
		{`(?m)^log: .*$`, "log: {level: info}"},
	} {
		re := regexp.MustCompile(r.re)
		if !re.MatchString(s) {
			t.Fatalf("the generated config has no line matching %s", r.re)
		}
		s = re.ReplaceAllString(s, r.to)
	}
	if rate > 0 {
		s = strings.Replace(s, "\nmail:\n", fmt.Sprintf("\nmail:\n  rate: %g\n", rate), 1)
	}
	if err := os.WriteFile(cfgPath, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	if !cfg.Mail.SMTP.Auth.OAuth2() || !cfg.Mail.IMAP.Auth.OAuth2() || cfg.Mail.SMTP.Auth.TokenFile != tokenFile {
		t.Fatalf("the config does not sign in with OAuth2 on both servers: %+v", cfg.Mail)
	}
	return cfgPath, tokenFile, "http://" + httpAddr + "/healthz"
}

// healthOf asks /healthz; code 0 when it does not answer.
func healthOf(url string) (code int, status, reason string) {
	resp, err := http.Get(url)
	if err != nil {
		return 0, "", err.Error()
	}
	defer resp.Body.Close()
	var h struct{ Status, Reason string }
	json.NewDecoder(resp.Body).Decode(&h)
	return resp.StatusCode, h.Status, h.Reason
}

// TestOAuthRunWithExpiringAndRevokedTokens is issue 15's acceptance on real servers: `rsvpd
// run` signs in to Dovecot's IMAP and submission service with tokens that expire every 5 s,
// sends 98 invitations (rate-limited, so that the outage falls among them) and reads a batch of
// replies. Then the refresh token is revoked: the log names the servers and the step, /healthz
// answers 503 with the reason, the invitations left and a second batch of replies wait; after a
// new token file (as rsvpd login writes it) everything that waited is handled once. Counted
// from the mailboxes, the event log and Postfix's log: nothing lost, nothing sent twice.
func TestOAuthRunWithExpiringAndRevokedTokens(t *testing.T) {
	const n, firstReplies, secondReplies = 98, 30, 30
	srv := mailtest.StartOAuth(t, mailtest.OAuthOptions{Lifetime: 5 * time.Second})
	srv.OAuth.AddClient("rsvpd", "", "")
	dir := t.TempDir()
	cfgPath, tokenFile, healthURL := oauthCampaign(t, srv, dir, n, 3)
	if err := auth.NewTokenFile(tokenFile).Save(srv.OAuth.IssueRefreshToken("rsvpd", organiser, "mail")); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	c := cfg.Campaign
	signer := campaign.NewSigner([]byte("e2e crash secret"), "kombit.test")
	storePath := filepath.Join(dir, "rsvpd.db")
	began := time.Now()
	p := startWatched(t, cfgPath)

	// Phase 1: the first invitations go out; the first directors answer and are confirmed.
	waitFor(t, time.Minute, "the first 30 invitations sent", func() bool { return testenv.OutboxOf(t, storePath).Sent >= firstReplies })
	replyAll(t, srv, c, signer, 0, firstReplies)
	waitFor(t, time.Minute, "the first replies applied", func() bool {
		applied, _, _ := ledgerCounts(t, storePath)
		return applied == firstReplies
	})
	before := testenv.OutboxOf(t, storePath)
	t.Logf("%v: %d sent, %d pending, %d replies applied; revoking the refresh token",
		time.Since(began).Round(time.Second), before.Sent, before.Pending, firstReplies)

	// Phase 2: the refresh token is revoked. The access tokens in hand live at most 5 s more.
	srv.OAuth.RevokeRefreshTokens(organiser)
	revoked := time.Now()
	waitFor(t, 30*time.Second, "/healthz failing for both sign-ins", func() bool {
		code, _, reason := healthOf(healthURL)
		return code == http.StatusServiceUnavailable && strings.Contains(reason, "IMAP sign-in: the refresh token is revoked") &&
			strings.Contains(reason, "SMTP sign-in: the refresh token is revoked")
	})
	code, status, reason := healthOf(healthURL)
	t.Logf("%v after the revocation: /healthz %d %s: %s", time.Since(revoked).Round(100*time.Millisecond), code, status, reason)
	replyAll(t, srv, c, signer, firstReplies, firstReplies+secondReplies)
	srv.WaitMessages(t, organiser, "INBOX", secondReplies, time.Minute) // delivered, and left there
	// A connection signed in before the token in hand expired may carry on until it does.
	time.Sleep(time.Until(revoked.Add(8 * time.Second)))
	stalled := testenv.OutboxOf(t, storePath)
	time.Sleep(5 * time.Second)
	during := testenv.OutboxOf(t, storePath)
	applied, _, _ := ledgerCounts(t, storePath)
	if during.Sent != stalled.Sent || during.Failed != 0 || applied != firstReplies {
		t.Errorf("without a sign-in: sent %d then %d, %d failed, %d replies applied; want nothing moving, none failed, %d applied",
			stalled.Sent, during.Sent, during.Failed, applied, firstReplies)
	}
	if inbox := len(srv.WaitMessages(t, organiser, "INBOX", 0, 5*time.Second)); inbox != secondReplies {
		t.Errorf("%d replies in the inbox during the outage, want the %d sent", inbox, secondReplies)
	}
	checkOutageLog(t, p.logText(t), srv)
	t.Logf("during the outage: %d invitations and confirmations waiting in the outbox, %d replies in the inbox",
		during.Pending, secondReplies)

	// Phase 3: a new sign-in, as rsvpd login writes it. Everything that waited goes, once.
	if err := auth.NewTokenFile(tokenFile).Save(srv.OAuth.IssueRefreshToken("rsvpd", organiser, "mail")); err != nil {
		t.Fatal(err)
	}
	signedIn := time.Now()
	waitFor(t, time.Minute, "/healthz ok again", func() bool { code, _, _ := healthOf(healthURL); return code == http.StatusOK })
	t.Logf("/healthz ok %v after the new token file", time.Since(signedIn).Round(100*time.Millisecond))
	waitFor(t, 2*time.Minute, "every reply applied and every message sent", func() bool {
		applied, _, pending := ledgerCounts(t, storePath)
		return applied == firstReplies+secondReplies && pending == 0
	})
	t.Logf("everything that waited was handled %v after the new token file", time.Since(signedIn).Round(100*time.Millisecond))
	p.stop(t)
	for _, msg := range []string{"outbox: SMTP sign-in works again; sending what waited", "IMAP sign-in works again; reading what waited"} {
		if !strings.Contains(p.logText(t), msg) {
			t.Errorf("the log does not say %q", msg)
		}
	}

	checkOutageLetter(t, srv, storePath)
	checkOnce(t, srv, storePath, n, firstReplies+secondReplies)
	st := srv.OAuth.Stats()
	t.Logf("token server: %d access tokens issued (%d by refresh), %d requests refused, %d introspections (%d inactive)",
		st.Issued, st.Refreshed, st.Refused, st.Introspections, st.Inactive)
	if st.Refused > 20 {
		t.Errorf("the token endpoint was asked %d times with a revoked refresh token: it should be asked again only when the token file changes", st.Refused)
	}
}

// checkOutageLog: each loop said once that its sign-in fails, naming the server and the
// step, and that it works again.
func checkOutageLog(t *testing.T, log string, srv *mailtest.Servers) {
	t.Helper()
	for _, want := range []struct{ msg, server string }{
		{"outbox: SMTP sign-in failed; messages wait in the outbox until it works again", "SMTP " + srv.SubmissionAddr},
		{"IMAP sign-in failed; replies wait in the mailbox until it works again", "IMAP " + srv.IMAPAddr},
	} {
		// One line for the outage; a server's refusal of a token at the end of its life
		// (a slow machine) would be an outage of its own, and is not this one.
		step := want.server + ": sign-in: refresh-token grant at " + srv.OAuth.TokenURL() + ": invalid_grant"
		var lines []string
		for _, l := range strings.Split(log, "\n") {
			if strings.Contains(l, want.msg) && strings.Contains(l, step) {
				lines = append(lines, l)
			}
		}
		if len(lines) != 1 || !strings.Contains(lines[0], "rsvpd login") {
			t.Errorf("log lines %q: want one naming %q and what to do", lines, step)
		} else {
			t.Logf("the log: %s", lines[0])
		}
	}
}

// checkOutageLetter: the staff got one letter about the outage, sent once sending worked again.
func checkOutageLetter(t *testing.T, srv *mailtest.Servers, storePath string) {
	t.Helper()
	st, err := store.Open(t.Context(), storePath)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var letters int
	for _, row := range outboxRows(t, st) {
		if row.Kind == "staff_signin" {
			letters++
			if row.Status != "sent" {
				t.Errorf("the staff's letter about the outage is %s", row.Status)
			}
		}
	}
	if letters != 1 {
		t.Errorf("%d letters to the staff about the outage, want 1", letters)
	}
	found := 0
	for _, raw := range srv.WaitMessages(t, "staff@kombit.test", "INBOX", 1, 30*time.Second) {
		env, err := enmime.ReadEnvelope(bytes.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		if subject := env.GetHeader("Subject"); strings.Contains(subject, "postkassen") {
			found++
			t.Logf("the staff's letter: %s\n%s", subject, env.Text)
		}
	}
	if found != 1 {
		t.Errorf("the staff's mailbox holds %d letters about the outage, want 1", found)
	}
}

// checkOnce counts what the directors received and what Postfix took: one invitation each,
// one confirmation per reply, no message handed over twice, and each reply applied once.
func checkOnce(t *testing.T, srv *mailtest.Servers, storePath string, n, replies int) {
	t.Helper()
	_, perMessage, _ := ledgerCounts(t, storePath)
	for id, k := range perMessage {
		if k != 1 {
			t.Errorf("reply %d applied %d times", id, k)
		}
	}
	if len(perMessage) != replies {
		t.Errorf("%d replies applied, want %d", len(perMessage), replies)
	}
	users := make([]string, n)
	for i := range users {
		users[i] = directorOf(i + 1)
	}
	want := func(i int) int {
		if i < replies {
			return 2 // the invitation and the confirmation
		}
		return 1
	}
	var counts map[string]int
	waitFor(t, time.Minute, "every invitation and confirmation delivered", func() bool {
		counts = countMessages(t, srv, users)
		for i, u := range users {
			if counts[u] < want(i) {
				return false
			}
		}
		return true
	})
	total, dups := 0, 0
	for i, u := range users {
		total += counts[u]
		dups += counts[u] - want(i)
	}
	st, err := store.Open(t.Context(), storePath)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	rows := outboxRows(t, st)
	twice := handedTwice(t, srv, rows, total, dups)
	t.Logf("%d invitations and %d confirmations in the directors' mailboxes; %d duplicates; %d handed to Postfix twice",
		n, replies, dups, twice)
	if twice != 0 || dups != 0 {
		t.Errorf("%d messages handed over twice, %d duplicates in the mailboxes; want none", twice, dups)
	}
	for _, r := range rows {
		if r.Status != "sent" {
			t.Errorf("%s is %s (%s)", r.Key, r.Status, r.LastError)
		}
	}
}
