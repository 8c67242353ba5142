package e2e

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"text/template"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/rsvpd/rsvpd"
	"github.com/rsvpd/rsvpd/config"
	"github.com/rsvpd/rsvpd/mailtest"
)

// exampleOn loads the example campaign with its mail settings pointed at the servers and its
// store in dir.
func exampleOn(t testing.TB, srv *mailtest.Servers, dir string) *config.Config {
	t.Helper()
	cfg, err := config.LoadFS(rsvpd.ExampleFS(), rsvpd.ExampleConfig, dir)
	if err != nil {
		t.Fatal(err)
	}
	pointAt(t, cfg, srv)
	cfg.Store.Path = filepath.Join(dir, "rsvpd.db")
	return cfg
}

func pointAt(t testing.TB, cfg *config.Config, srv *mailtest.Servers) {
	t.Helper()
	for _, s := range []*config.Server{&cfg.Mail.SMTP, &cfg.Mail.IMAP} {
		addr := srv.SMTPAddr
		if s == &cfg.Mail.IMAP {
			addr = srv.IMAPAddr
		}
		host, port, err := net.SplitHostPort(addr)
		if err != nil {
			t.Fatal(err)
		}
		s.Host, s.TLS = host, "none"
		if s == &cfg.Mail.SMTP {
			s.User = "" // the test Postfix takes unauthenticated submission from loopback
		}
		s.Port, _ = strconv.Atoi(port)
	}
}

// generated describes a generated campaign whose timeline is relative to now, for runs on the
// real clock.
type generated struct {
	Invitees    int
	Invitations time.Time // when the invitation job is due
	Meetings    time.Time // the first meeting; the others follow a day apart
	Deadline    time.Time
	SMTP, IMAP  string
	StorePath   string
	Concurrency int
	// HTTP is the listener of health, metrics and the desk ("" off); PublicURL the desk's
	// public address, which turns on one-click answers.
	HTTP, PublicURL string
}

const generatedConfig = `campaign:
  title: Dialogmøde om det nye fælles bibliotekssystem
  deadline: {{.Deadline.Format "2006-01-02"}}
organiser:
  name: KOMBIT
  legal_name: KOMBIT A/S
  address: Halfdansgade 8, 2300 København S
  cvr: "19435075"
  email: dialogmoeder@kombit.test
  staff: [staff@kombit.test]
meetings:
{{- range $i, $city := .Cities}}
  - id: {{lower $city}}
    city: {{$city}}
    venue: {{$city}} Bibliotekerne
    street: Hovedgaden {{$i}}
    postcode: "{{add 7000 $i}}"
    start: {{(day $.Meetings $i).Format "2006-01-02"}} 10:00
    end: {{(day $.Meetings $i).Format "2006-01-02"}} 12:00
{{- end}}
agenda: [Baggrund, Den nye løsning, Tilslutningsaftale]
companions: {included: 1, role: skolebibliotekskonsulent}
invitees: {file: invitees.csv}
price: {rate: "7", population: population, population_date: 2012-01-01}
agreement: {vat: excluded, until: 2014-12-31, first_invoice: 2012-04, invoicing: KOMBIT A/S fakturerer derefter i januar.}
schedule:
  invitations: {{.Invitations.Format "2006-01-02 15:04"}}
  agreement: {{(day .Meetings -1).Format "2006-01-02"}} 09:00
  digest: "0 7 * * *"
  review_batch: 1s
mail:
  smtp: {host: {{host .SMTP}}, port: {{port .SMTP}}, tls: none}
  imap: {host: {{host .IMAP}}, port: {{port .IMAP}}, tls: none, user: dialogmoeder@kombit.test, password_env: RSVPD_IMAP_PASSWORD}
  concurrency: {{.Concurrency}}
  poll: 2s
  max_auto_per_day: 20
store: {path: {{.StorePath}}}
secret: {env: RSVPD_SECRET}
http: {address: "{{.HTTP}}"}
{{- if .PublicURL}}
web: {public_url: "{{.PublicURL}}"}
{{- end}}
log: {level: warn}
`

// Cities are the generated campaign's meetings.
func (g generated) Cities() []string { return []string{"Aalborg", "Roskilde", "Vejle"} }

// write writes the config and its invitee list into dir and returns the config's path.
func (g generated) write(t testing.TB, dir string) string {
	t.Helper()
	if g.Concurrency == 0 {
		g.Concurrency = 2
	}
	funcs := template.FuncMap{
		"lower": strings.ToLower,
		"add":   func(a, b int) int { return a + b },
		"day":   func(t time.Time, n int) time.Time { return t.AddDate(0, 0, n) },
		"host":  func(a string) string { h, _, _ := net.SplitHostPort(a); return h },
		"port":  func(a string) string { _, p, _ := net.SplitHostPort(a); return p },
	}
	var b bytes.Buffer
	if err := template.Must(template.New("cfg").Funcs(funcs).Parse(generatedConfig)).Execute(&b, g); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	var csv strings.Builder
	csv.WriteString("code,name,formal_name,email,population\n")
	for i := 1; i <= g.Invitees; i++ {
		fmt.Fprintf(&csv, "%s,Kommune %d,Kommune nr. %d,%s,%d\n", code(i), i, i, directorOf(i), 10000+i)
	}
	if err := os.WriteFile(filepath.Join(dir, "invitees.csv"), []byte(csv.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := config.Load(path); err != nil {
		t.Fatalf("the generated config does not load: %v", err)
	}
	return path
}

func code(i int) string       { return fmt.Sprintf("k%04d", i) }
func directorOf(i int) string { return fmt.Sprintf("bibliotekschef@%s.kommune.test", code(i)) }

// countMessages logs into each mailbox and counts the messages in INBOX, in parallel.
func countMessages(t testing.TB, srv *mailtest.Servers, users []string) map[string]int {
	t.Helper()
	counts := make(map[string]int, len(users))
	var mu sync.Mutex
	var wg sync.WaitGroup
	work := make(chan string)
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for u := range work {
				n, err := inboxSize(srv, u)
				if err != nil {
					t.Errorf("count %s: %v", u, err)
				}
				mu.Lock()
				counts[u] = n
				mu.Unlock()
			}
		}()
	}
	for _, u := range users {
		work <- u
	}
	close(work)
	wg.Wait()
	return counts
}

func inboxSize(srv *mailtest.Servers, user string) (int, error) {
	c, err := imapclient.DialInsecure(srv.IMAPAddr, nil)
	if err != nil {
		return 0, err
	}
	defer c.Close()
	if err := c.Login(user, srv.Password).Wait(); err != nil {
		return 0, err
	}
	data, err := c.Status("INBOX", &imap.StatusOptions{NumMessages: true}).Wait()
	if err != nil {
		return 0, err
	}
	return int(*data.NumMessages), nil
}

// waitFor polls cond every 50 ms until it holds or the timeout passes.
func waitFor(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// ctxTimeout is a context for one test step.
func ctxTimeout(t testing.TB, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// directorsReached waits until each of the first n generated directors has at least one
// message, and returns how many messages they hold in all beyond one each (the duplicates).
func directorsReached(t *testing.T, srv *mailtest.Servers, n int, what string) (total, dups int) {
	t.Helper()
	users := make([]string, n)
	for i := range users {
		users[i] = directorOf(i + 1)
	}
	var counts map[string]int
	waitFor(t, 2*time.Minute, what, func() bool {
		counts = countMessages(t, srv, users)
		for _, k := range counts {
			if k == 0 {
				return false
			}
		}
		return true
	})
	for _, k := range counts {
		total += k
		dups += k - 1
	}
	return total, dups
}
