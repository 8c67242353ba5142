package ops

import (
	"context"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/rsvpd/rsvpd/mailer/inbox"
	"github.com/rsvpd/rsvpd/mailer/outbox"
	"github.com/rsvpd/rsvpd/schedules"
	"github.com/rsvpd/rsvpd/store"
)

// metrics are the counters the daemon's hooks move; the gauges are read at each scrape.
type metrics struct {
	sent, failed   *prometheus.CounterVec // by kind of letter
	retried        prometheus.Counter
	replies        *prometheus.CounterVec // by class and intent
	imapReconnects prometheus.Counter
	jobs           *prometheus.CounterVec // by kind and outcome
	signInFailing  *prometheus.GaugeVec   // by server
}

func newMetrics(s *Server) metrics {
	m := metrics{
		sent: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "rsvpd_messages_sent_total",
			Help: "Messages the SMTP server accepted, by kind of letter."}, []string{"kind"}),
		failed: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "rsvpd_messages_failed_total",
			Help: "Messages failed for good (refused, not renderable, or retried too long), by kind of letter."}, []string{"kind"}),
		retried: prometheus.NewCounter(prometheus.CounterOpts{Name: "rsvpd_messages_retried_total",
			Help: "Temporary sending failures, each to be retried later."}),
		replies: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "rsvpd_replies_total",
			Help: "Messages read from the inbox and recorded, by class and intent (intent empty when the reading has none)."},
			[]string{"class", "intent"}),
		imapReconnects: prometheus.NewCounter(prometheus.CounterOpts{Name: "rsvpd_imap_reconnects_total",
			Help: "IMAP sessions made again after one was lost."}),
		jobs: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "rsvpd_job_runs_total",
			Help: "Scheduled jobs by kind and outcome (ran, skipped, failed)."}, []string{"kind", "outcome"}),
		signInFailing: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "rsvpd_signin_failing",
			Help: "1 while the sign-in to the server (SMTP or IMAP) fails, else 0."}, []string{"server"}),
	}
	s.reg.MustRegister(m.sent, m.failed, m.retried, m.replies, m.imapReconnects, m.jobs, m.signInFailing,
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "rsvpd_imap_connected",
			Help: "1 while the IMAP session is up, else 0."}, func() float64 {
			if up, _ := s.imapState(); up {
				return 1
			}
			return 0
		}),
		newStoreCollector(s),
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	return m
}

// Registry is the Server's own Prometheus registry (never the global default one).
func (s *Server) Registry() *prometheus.Registry { return s.reg }

// TweakSender wraps the sender's hooks so that every outcome is counted: sent and failed by
// kind from OnSent and OnFailed, retries from the progress reports; and follows its sign-in. Use it as (or inside)
// daemon.RunOptions.SenderTweak.
func (s *Server) TweakSender(o *outbox.Options) {
	o.OnSignIn = alsoCall(o.OnSignIn, s.signInHook("SMTP"))
	onSent, onFailed, progress := o.OnSent, o.OnFailed, o.Progress
	o.OnSent = func(tx *store.Tx, row store.Outgoing) error {
		s.m.sent.WithLabelValues(row.Kind).Inc()
		s.mu.Lock()
		s.lastSent = s.o.Now()
		s.mu.Unlock()
		if onSent != nil {
			return onSent(tx, row)
		}
		return nil
	}
	o.OnFailed = func(tx *store.Tx, row store.Outgoing, reason string) error {
		s.m.failed.WithLabelValues(row.Kind).Inc()
		if onFailed != nil {
			return onFailed(tx, row, reason)
		}
		return nil
	}
	o.Progress = func(p outbox.Progress) {
		s.countRetries(p)
		if progress != nil {
			progress(p)
		}
	}
}

// countRetries turns the progress of sending batches into a count of temporary failures. The
// sender reports after every message, so a report whose counts add up to one opens a new
// batch; within a batch the deferred count only grows.
func (s *Server) countRetries(p outbox.Progress) {
	s.mu.Lock()
	prev := s.progress
	s.progress = p
	s.mu.Unlock()
	d := p.Deferred - prev.Deferred
	if p.Sent+p.Failed+p.Deferred <= 1 || d < 0 {
		d = p.Deferred
	}
	if d > 0 {
		s.m.retried.Add(float64(d))
	}
}

// TweakWatcher wraps the watcher's OnConnect and OnSignIn to follow the IMAP session. Use it as (or inside)
// daemon.RunOptions.WatcherTweak.
func (s *Server) TweakWatcher(o *inbox.Options) {
	o.OnSignIn = alsoCall(o.OnSignIn, s.signInHook("IMAP"))
	onConnect := o.OnConnect
	o.OnConnect = func(c inbox.Connection) {
		s.mu.Lock()
		s.imapConnected, s.imapSince = true, s.o.Now()
		if s.watcher != nil {
			s.imapFailuresAt = s.watcher.Stats().ConnectFailures
		}
		s.mu.Unlock()
		if c.Reconnect {
			s.m.imapReconnects.Inc()
		}
		if onConnect != nil {
			onConnect(c)
		}
	}
}

// alsoCall calls then after first (when set).
func alsoCall(first, then func(error)) func(error) {
	if first == nil {
		return then
	}
	return func(err error) { first(err); then(err) }
}

// SetWatcher gives the Server the watcher, whose counters tell when a session was lost.
// Use it as daemon.RunOptions.OnWatcher.
func (s *Server) SetWatcher(w *inbox.Watcher) {
	s.mu.Lock()
	s.watcher = w
	s.mu.Unlock()
}

// Read counts a reply read from the inbox. Use it as the engine's OnRead.
func (s *Server) Read(class, intent string) { s.m.replies.WithLabelValues(class, intent).Inc() }

// Jobs counts the jobs of a scheduler step and notes when a digest went out. Use it as (or
// inside) daemon.RunOptions.OnJobs.
func (s *Server) Jobs(r schedules.Report) {
	for _, j := range r.Ran {
		s.m.jobs.WithLabelValues(string(j.Kind), "ran").Inc()
		if j.Kind == schedules.KindDigest {
			s.mu.Lock()
			s.lastDigest = r.Now
			s.mu.Unlock()
		}
	}
	for _, sk := range r.Skipped {
		s.m.jobs.WithLabelValues(string(sk.Job.Kind), "skipped").Inc()
	}
	for _, f := range r.Failed {
		s.m.jobs.WithLabelValues(string(f.Job.Kind), "failed").Inc()
	}
}

// storeCollector reads the outbox and the review queue from the store at each scrape.
type storeCollector struct {
	s                       *Server
	outbox, oldest, reviews *prometheus.Desc
}

func newStoreCollector(s *Server) *storeCollector {
	return &storeCollector{s: s,
		outbox: prometheus.NewDesc("rsvpd_outbox_messages",
			"Rows of the outbox by status (pending, sent, failed).", []string{"status"}, nil),
		oldest: prometheus.NewDesc("rsvpd_outbox_oldest_pending_age_seconds",
			"Age of the oldest message not yet sent (0 when none waits).", nil, nil),
		reviews: prometheus.NewDesc("rsvpd_review_queue_size",
			"Open review items: messages and answers a person must decide on.", nil, nil),
	}
}

func (c *storeCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.outbox
	ch <- c.oldest
	ch <- c.reviews
}

func (c *storeCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.s
	ctx, cancel := context.WithTimeout(context.Background(), 10*s.o.CheckTimeout)
	defer cancel()
	st, err := s.o.Store.OutboxStats(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(c.outbox, err)
	} else {
		ch <- prometheus.MustNewConstMetric(c.outbox, prometheus.GaugeValue, float64(st.Pending), "pending")
		ch <- prometheus.MustNewConstMetric(c.outbox, prometheus.GaugeValue, float64(st.Sent), "sent")
		ch <- prometheus.MustNewConstMetric(c.outbox, prometheus.GaugeValue, float64(st.Failed), "failed")
		age := 0.0
		if st.Pending > 0 && !st.OldestPending.IsZero() {
			age = max(0, s.o.Now().Sub(st.OldestPending).Seconds())
		}
		ch <- prometheus.MustNewConstMetric(c.oldest, prometheus.GaugeValue, age)
	}
	var open int
	err = s.o.Store.View(ctx, func(tx *store.Tx) (err error) {
		open, err = tx.OpenReviewCount()
		return err
	})
	if err != nil {
		ch <- prometheus.NewInvalidMetric(c.reviews, err)
		return
	}
	ch <- prometheus.MustNewConstMetric(c.reviews, prometheus.GaugeValue, float64(open))
}
