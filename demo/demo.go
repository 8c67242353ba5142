package demo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/rsvpd/rsvpd/campaign"
	"github.com/rsvpd/rsvpd/clock"
	"github.com/rsvpd/rsvpd/config"
	"github.com/rsvpd/rsvpd/daemon"
	"github.com/rsvpd/rsvpd/mailer/inbox"
	"github.com/rsvpd/rsvpd/mailer/outbox"
	"github.com/rsvpd/rsvpd/sandbox"
	"github.com/rsvpd/rsvpd/schedules"
	"github.com/rsvpd/rsvpd/status"
	"github.com/rsvpd/rsvpd/store"
)

// DefaultPassword is the password of every sandbox mailbox unless Options.Password is set.
const DefaultPassword = "demo"

// Options configure a demo run. The zero value runs the embedded example as fast as possible
// in a new temporary folder, printing nothing.
type Options struct {
	// ConfigFile is the campaign's configuration; "" runs the embedded example (2012).
	ConfigFile string
	// Dir receives the store, a configuration for `rsvpd status`, the log and the mail; it
	// must not hold an earlier demo's store. "" makes a new temporary folder.
	Dir string
	// Seed draws who answers what and when; the same seed gives the same campaign.
	Seed uint64
	// Speed is how fast virtual time runs; 0 is as fast as the work allows.
	Speed Speed
	// KeepRunning keeps the mail servers and the daemon up after the campaign until ctx
	// ends, so a mail client can look at every mailbox.
	KeepRunning bool
	// SMTPAddr and IMAPAddr are where the sandbox listens; "" is a free port on 127.0.0.1.
	SMTPAddr, IMAPAddr string
	// Password of every mailbox; "" is DefaultPassword.
	Password string
	// Out receives the live lines and the summary; nil prints nothing.
	Out io.Writer
	// Log receives the daemon's and the servers' logs; nil writes them to rsvpd.log in Dir.
	Log *slog.Logger
	// Serving is called once the campaign is over and KeepRunning keeps the servers up.
	Serving func(Servers)
	// HTTPAddr is where the staff desk and the one-click answers are served with
	// KeepRunning; "" is a free port on 127.0.0.1. Without KeepRunning there is no desk.
	HTTPAddr string
	// Until ends the campaign early (and, with KeepRunning, keeps everything up at that
	// moment of the campaign): before the deadline the invitations' one-click links still
	// work. Zero runs the whole campaign.
	Until time.Time
}

// Servers says how to reach the sandbox's mail servers.
type Servers struct {
	SMTPAddr, IMAPAddr string
	Password           string
	// Mailboxes are the IMAP users: the campaign inbox, the staff, every invitee.
	Mailboxes []string
	// Desk is the staff desk's address, and DeskSignIn a link that signs the first staff
	// address in from this machine (with KeepRunning; "" otherwise).
	Desk, DeskSignIn string
}

// Result is what a demo left behind.
type Result struct {
	Dir        string
	StorePath  string // the SQLite store
	ConfigPath string // a configuration naming the store, for `rsvpd status --config`
	MailDir    string // one folder per mailbox, one .eml file per message
	LogPath    string // "" when Options.Log was given
	Start, End time.Time
	// Report is the campaign's state at the end, as `rsvpd status` prints it.
	Report status.Report
	// Digest is the text part of the last digest the staff received.
	Digest string
	// Delivered counts the messages the SMTP server delivered; Files the .eml files written.
	Delivered, Files int
	// Answers counts the simulated messages sent to the campaign; Late those the daemon had
	// not read within the patience of the clock hold (0 when all went well).
	Answers, Late int
	// Problems the simulated directors met: a message they could not find or read, an
	// answer they could not send, a letter without the invitee's tokened Reply-To.
	Problems []string
	Servers  Servers
}

// Run runs the demo: the sandbox mail servers, the real daemon on a virtual clock from an
// hour before the invitations to an hour after the last digest, and the simulated directors.
func Run(ctx context.Context, o Options) (Result, error) {
	d, err := prepare(o)
	if err != nil {
		return Result{}, err
	}
	defer d.close()
	return d.run(ctx)
}

// run is one demo in progress.
type run struct {
	o      Options
	cfg    *config.Config
	c      *campaign.Campaign
	res    Result
	log    *slog.Logger
	logF   *os.File
	v      *clock.Virtual
	sb     *sandbox.Server
	engine *daemon.Engine
	desk   *deskServer
	dirs   *directors
	inbox  *inboxWatch
	tally  *tally
}

func prepare(o Options) (*run, error) {
	if o.Out == nil {
		o.Out = io.Discard
	}
	if o.Password == "" {
		o.Password = DefaultPassword
	}
	r := &run{o: o}
	if err := r.makeDir(); err != nil {
		return nil, err
	}
	cfg, src, err := loadConfig(o.ConfigFile, r.res.Dir)
	if err != nil {
		return nil, err
	}
	r.cfg, r.c = cfg, cfg.Campaign
	cfg.Store.Path = r.res.StorePath
	// The demo signs with a secret of its own, beside its store: never the campaign's.
	cfg.Secret = config.Secret{File: filepath.Join(r.res.Dir, "secret")}
	if r.res.ConfigPath, err = writeConfig(src, r.res.Dir, r.res.StorePath); err != nil {
		return nil, err
	}
	r.log = o.Log
	if r.log == nil {
		r.res.LogPath = filepath.Join(r.res.Dir, "rsvpd.log")
		if r.logF, err = os.Create(r.res.LogPath); err != nil {
			return nil, fmt.Errorf("demo: create log: %w", err)
		}
		r.log = slog.New(slog.NewTextHandler(r.logF, &slog.HandlerOptions{Level: slog.LevelInfo}))
	}
	return r, nil
}

// makeDir makes the demo's folder, or checks that the one named holds no earlier demo.
func (r *run) makeDir() error {
	dir := r.o.Dir
	if dir == "" {
		var err error
		if dir, err = os.MkdirTemp("", "rsvpd-demo-"); err != nil {
			return fmt.Errorf("demo: make a folder: %w", err)
		}
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("demo: make folder %s: %w", dir, err)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return fmt.Errorf("demo: folder %s: %w", dir, err)
	}
	r.res.Dir = abs
	r.res.StorePath = filepath.Join(abs, "rsvpd.db")
	r.res.MailDir = filepath.Join(abs, "mail")
	for _, p := range []string{r.res.StorePath, r.res.MailDir} {
		if _, err := os.Stat(p); err == nil {
			return fmt.Errorf("demo: %s already holds %s from an earlier demo: name an empty folder", abs, filepath.Base(p))
		}
	}
	return nil
}

func (r *run) close() {
	if r.desk != nil {
		r.desk.close()
	}
	if r.sb != nil {
		r.sb.Close()
	}
	if r.engine != nil {
		r.engine.Close()
	}
	if r.logF != nil {
		r.logF.Close()
	}
}

func (r *run) run(ctx context.Context) (Result, error) {
	c := r.c
	r.res.Start = c.Schedule.Invitations.Add(-time.Hour)
	r.res.End = campaignEnd(c)
	if u := r.o.Until; !u.IsZero() && u.After(r.res.Start) && u.Before(r.res.End) {
		r.res.End = u
	}
	r.v = clock.NewVirtual(r.res.Start)
	if err := r.startServers(); err != nil {
		return r.res, err
	}
	var err error
	if r.engine, err = daemon.Open(ctx, r.cfg, r.v, r.log); err != nil {
		return r.res, fmt.Errorf("demo: %w", err)
	}
	signer, err := r.cfg.Signer()
	if err != nil {
		return r.res, fmt.Errorf("demo: %w", err)
	}
	if err := r.startDesk(signer); err != nil {
		return r.res, err
	}
	r.inbox = newInboxWatch(r.engine.Store(), r.cfg.Mail.Inbox, r.log)
	r.dirs = newDirectors(c, r.o.Seed, r.v, r.sb, signer, r.inbox, r.log)
	// The demo's staff check each returned agreement: the event log names the first of them.
	r.dirs.confirmAgreement = func(ctx context.Context, code string) error {
		return r.engine.ConfirmAgreement(ctx, code, c.Organiser.Staff[0])
	}
	r.tally = newTally(c.Location)

	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	// The campaign stops when the daemon does: a loop that failed ends the demo with its error
	// rather than a campaign run on without it.
	campaignCtx, daemonStopped := context.WithCancel(ctx)
	defer daemonStopped()
	done := make(chan error, 1)
	ready := make(chan struct{})
	go func() {
		defer daemonStopped()
		done <- r.engine.Run(runCtx, daemon.RunOptions{
			Clock: r.v, Send: true, Watch: true, IMAPPassword: r.o.Password,
			Ready:        func() { close(ready) },
			SenderTweak:  r.tweakSender,
			WatcherTweak: tweakWatcher,
		})
	}()
	select {
	case <-ready:
	case err := <-done:
		return r.res, fmt.Errorf("demo: the daemon did not start: %w", err)
	}
	var helpers sync.WaitGroup
	helpers.Add(1)
	go func() { defer helpers.Done(); r.inbox.run(runCtx) }()
	dirsDone := r.v.Go(runCtx, r.dirs.run)

	err = r.campaign(campaignCtx)
	if err == nil {
		err = r.finish(ctx)
	}
	if err == nil && r.o.KeepRunning {
		r.serve(campaignCtx)
	}
	early := ctx.Err() == nil && campaignCtx.Err() != nil // the daemon stopped on its own
	stop()
	runErr := <-done
	<-dirsDone
	helpers.Wait()
	switch {
	case runErr != nil:
		return r.res, fmt.Errorf("demo: the daemon stopped: %w", runErr)
	case early:
		return r.res, errors.New("demo: the daemon stopped before the campaign was over")
	}
	return r.res, err
}

// campaignEnd is an hour after the final report, which goes out once the deadline has run
// out, or a week after the deadline when no planner can be made.
func campaignEnd(c *campaign.Campaign) time.Time {
	p, err := schedules.NewPlanner(c)
	if err != nil {
		return c.DeadlineEnd().AddDate(0, 0, 7)
	}
	return p.FinalReport().Due.Add(time.Hour)
}

// startServers starts the sandbox with a mailbox for the campaign, the staff and every
// invitee, and points the daemon's mail settings at it.
func (r *run) startServers() error {
	sb, err := sandbox.New(&sandbox.Options{Logger: r.log, Password: r.o.Password,
		SMTPAddr: r.o.SMTPAddr, IMAPAddr: r.o.IMAPAddr, Hostname: "sandbox.rsvpd.test", Now: r.v.Now})
	if err != nil {
		return fmt.Errorf("demo: start the mail servers: %w", err)
	}
	r.sb = sb
	c := r.c
	boxes := append([]string{c.Organiser.Email}, c.Organiser.Staff...)
	for _, inv := range c.Invitees {
		boxes = append(boxes, inv.Email)
	}
	for _, b := range boxes {
		if err := sb.AddUser(b, r.o.Password); err != nil {
			return fmt.Errorf("demo: %w", err)
		}
	}
	r.res.Servers = Servers{SMTPAddr: sb.SMTPAddr(), IMAPAddr: sb.IMAPAddr(), Password: r.o.Password, Mailboxes: boxes}
	m := &r.cfg.Mail
	smtpHost, smtpPort := splitAddr(sb.SMTPAddr())
	imapHost, imapPort := splitAddr(sb.IMAPAddr())
	m.SMTP = config.Server{Host: smtpHost, Port: smtpPort, TLS: "none"}
	m.IMAP = config.Server{Host: imapHost, Port: imapPort, TLS: "none", User: c.Organiser.Email}
	return nil
}

func splitAddr(addr string) (string, int) {
	host, port, _ := net.SplitHostPort(addr)
	n, _ := strconv.Atoi(port)
	return host, n
}

// tweakSender tells the directors and the tally about every delivered message, in the
// transaction that marks it sent: the message is in its mailbox and still holds the clock.
func (r *run) tweakSender(so *outbox.Options) {
	onSent := so.OnSent
	so.OnSent = func(tx *store.Tx, row store.Outgoing) error {
		var err error
		if onSent != nil {
			err = onSent(tx, row)
		}
		// Even when the daemon's bookkeeping failed, the server has the message.
		r.tally.sent(r.v.Now(), row.Kind)
		r.dirs.delivered(row)
		return err
	}
}

// tweakWatcher reconnects quickly: the sandbox is on loopback and a reconnect costs nothing.
func tweakWatcher(wo *inbox.Options) {
	wo.BackoffBase, wo.BackoffMax = 20*time.Millisecond, time.Second
}

// campaign drives the virtual clock day by day (hour by hour at a set speed) to the end,
// printing a line for each day.
func (r *run) campaign(ctx context.Context) error {
	loc := r.c.Location
	w := r.o.Out
	fmt.Fprintf(w, "rsvpd demo: %q, %d invitees, %d meetings, seed %d\n", r.c.Name, len(r.c.Invitees), len(r.c.Meetings), r.o.Seed)
	fmt.Fprintf(w, "Mail servers on loopback: SMTP %s, IMAP %s (any mailbox, password %q)\n",
		r.res.Servers.SMTPAddr, r.res.Servers.IMAPAddr, r.o.Password)
	fmt.Fprintf(w, "Virtual time from %s to %s (%s), %s.\n\n", r.res.Start.In(loc).Format("2006-01-02 15:04"),
		r.res.End.In(loc).Format("2006-01-02 15:04"), loc, r.o.Speed)
	lines := newDayLines(w, r.c)
	lines.header()
	day := startOfDay(r.res.Start.In(loc))
	pace := newPacer(r.o.Speed, r.res.Start)
	for day.Before(r.res.End) {
		next := day.AddDate(0, 0, 1)
		until := next
		if until.After(r.res.End) {
			until = r.res.End
		}
		if err := pace.runUntil(ctx, r.v, until); err != nil {
			return err
		}
		if err := r.dayLine(ctx, lines, day, until); err != nil {
			return err
		}
		day = next
	}
	fmt.Fprintln(w)
	return nil
}

// dayLine prints what happened on one day, read from the store and the tally.
func (r *run) dayLine(ctx context.Context, lines *dayLines, day, until time.Time) error {
	st := r.engine.Store()
	in, err := st.InboundSince(ctx, day)
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	read := 0
	for _, m := range in {
		if m.ReceivedAt.Before(until) {
			read++
		}
	}
	rep, err := report(ctx, st, r.c)
	if err != nil {
		return err
	}
	lines.line(day, r.tally.day(day), read, rep)
	return nil
}

// report reads the invitees' states and summarises them with the code of `rsvpd status`.
func report(ctx context.Context, st *store.Store, c *campaign.Campaign) (status.Report, error) {
	var states []campaign.State
	err := st.Tx(ctx, func(tx *store.Tx) error {
		var err error
		states, err = tx.States()
		return err
	})
	if err != nil {
		return status.Report{}, fmt.Errorf("demo: read the state: %w", err)
	}
	return status.Build(c, states), nil
}

// serve keeps everything up until ctx ends, after saying how to look at the mail and where
// the staff desk is.
func (r *run) serve(ctx context.Context) {
	writeServers(r.o.Out, r.res.Servers, r.c)
	if r.desk != nil && len(r.c.Organiser.Staff) > 0 {
		r.res.Servers.DeskSignIn = r.desk.d.LoopbackSignIn(r.c.Organiser.Staff[0], 24*time.Hour)
		fmt.Fprintf(r.o.Out, "Staff desk: %s\n", r.res.Servers.DeskSignIn)
		if !r.res.End.Before(r.c.DeadlineEnd()) {
			fmt.Fprintf(r.o.Out, "  (the demo's clock is past the deadline, so the invitations' one-click links now say so;\n"+
				"  --until %s keeps everything up before it)\n", r.c.FirstMeeting().Start.In(r.c.Location).AddDate(0, 0, -7).Format("2006-01-02"))
		}
	}
	if r.o.Serving != nil {
		r.o.Serving(r.res.Servers)
	}
	<-ctx.Done()
	fmt.Fprintln(r.o.Out, "Stopped.")
}

// ErrInterrupted is returned when ctx ends before the campaign is over.
var ErrInterrupted = errors.New("demo: interrupted before the campaign was over")
