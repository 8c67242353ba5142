// Package desk is the staff's desk in a browser and the invitees' one-click answers: pages
// rendered on the server from html/template, a small stylesheet, no JavaScript. The staff
// sign in with a link sent by mail to an address the configuration names as staff; every
// change they make goes through the daemon's Engine (the same Resolve and ConfirmAgreement
// as the command line) and into the event log with their address. Invitees open a signed
// link from their invitation: GET shows the answer and changes nothing, POST applies it
// through campaign.Apply, exactly as the same answer by mail.
//
// Everything shown that came in by mail is escaped by html/template; a message is shown as
// its text (HTML turned into text), never as HTML, and its raw form only as a download.
package desk

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/rsvpd/rsvpd/campaign"
	"github.com/rsvpd/rsvpd/daemon"
	"github.com/rsvpd/rsvpd/store"
)

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed static
var staticFiles embed.FS

// Mailer sends a staff member the sign-in letter for a recorded nonce (the daemon queues it
// in the outbox and signs the link when it composes the letter).
type Mailer interface {
	SendSignIn(ctx context.Context, staff, nonce string, until time.Time, next string) error
}

// Options configure the desk.
type Options struct {
	Engine *daemon.Engine
	Signer *campaign.Signer
	// BaseURL is where the desk is reached (web.public_url, or http://ADDRESS on loopback):
	// the links in sign-in letters and one-click answers start with it.
	BaseURL string
	// Secure marks cookies Secure: the desk is served over TLS, or behind a TLS proxy.
	Secure bool
	// TrustProxy takes the client's address from X-Forwarded-For (for the rate limits):
	// set when a reverse proxy of our own is the only way in.
	TrustProxy bool
	// OneClick serves the invitees' one-click pages (web.public_url is set).
	OneClick bool
	// Mailer sends sign-in links; nil refuses sign-in requests.
	Mailer Mailer
	// Now is the real clock for links and sessions (default time.Now); the campaign's clock
	// (the deadline, days left) is the engine's.
	Now func() time.Time
	Log *slog.Logger
}

// Server serves the desk and the one-click pages.
type Server struct {
	o      Options
	e      *daemon.Engine
	c      *campaign.Campaign
	st     *store.Store
	signer *campaign.Signer
	lang   string
	pages  map[string]*template.Template
	log    *slog.Logger
	limits *limiter
	base   *url.URL

	// slots bounds the pages rendered at once, so that a crowd on the desk queues here
	// instead of taking the processors from the daemon's replies.
	slots chan struct{}

	mu       sync.Mutex
	reusable map[string]bool // nonces of loopback sign-in links that may be used again (the demo's)

	searchOnce sync.Once
	search     []string // the invitees' folded texts (search.go)
}

// SignInTTL is how long a mailed sign-in link works; SessionTTL how long a session lasts.
const (
	SignInTTL  = 15 * time.Minute
	SessionTTL = 12 * time.Hour
)

// New builds the desk.
func New(o Options) (*Server, error) {
	if o.Engine == nil || o.Signer == nil {
		return nil, errors.New("desk: an engine and a signer are required")
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	base, err := url.Parse(strings.TrimRight(o.BaseURL, "/"))
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, fmt.Errorf("desk: base URL %q: want http(s)://host[:port]", o.BaseURL)
	}
	c := o.Engine.Campaign()
	s := &Server{o: o, e: o.Engine, c: c, st: o.Engine.Store(), signer: o.Signer, lang: c.Language,
		log: o.Log.With("component", "desk"), limits: newLimiter(), base: base, reusable: map[string]bool{},
		slots: make(chan struct{}, max(1, runtime.NumCPU()/2))}
	if s.pages, err = parsePages(c); err != nil {
		return nil, err
	}
	return s, nil
}

// Handler serves every desk and public path. Paths it does not know are 404.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	static, _ := fs.Sub(staticFiles, "static")
	mux.Handle("GET /static/", http.StripPrefix("/static/", cacheFor(time.Hour, http.FileServerFS(static))))

	mux.HandleFunc("GET /signin", s.signInForm)
	mux.HandleFunc("POST /signin", s.signInRequest)
	mux.HandleFunc("GET "+daemon.SignInPath+"{token}", s.signInLink)
	mux.HandleFunc("POST /signin/link", s.signInUse)
	mux.HandleFunc("POST /signout", s.staff(s.signOut))

	mux.HandleFunc("GET /{$}", s.staff(s.overview))
	mux.HandleFunc("GET /invitees", s.staff(s.invitees))
	mux.HandleFunc("GET /invitees/{code}", s.staff(s.invitee))
	mux.HandleFunc("POST /invitees/{code}/address", s.staff(s.inviteeAddress))
	mux.HandleFunc("GET /messages/{id}/raw", s.staff(s.messageRaw))
	mux.HandleFunc("GET /messages/{id}/parts/{n}", s.staff(s.messagePart))
	mux.HandleFunc("GET /reviews", s.staff(s.reviews))
	mux.HandleFunc("POST /reviews/{id}", s.staff(s.resolve))
	mux.HandleFunc("POST /reviews/{id}/answer", s.staff(s.answer))
	mux.HandleFunc("POST /reviews/{id}/address", s.staff(s.reviewAddress))
	mux.HandleFunc("POST /agreements/{code}/confirm", s.staff(s.confirmAgreement))
	mux.HandleFunc("GET /lists", s.staff(s.lists))
	mux.HandleFunc("GET /lists/{meeting}", s.staff(s.list))
	mux.HandleFunc("GET /lists/{meeting}/csv", s.staff(s.listCSV))
	mux.HandleFunc("GET /digests", s.staff(s.digests))
	mux.HandleFunc("GET /digests/{id}", s.staff(s.digest))
	mux.HandleFunc("GET /digests/{id}/files/{n}", s.staff(s.digestFile))
	mux.HandleFunc("GET /config", s.staff(s.config))

	if s.o.OneClick {
		mux.HandleFunc("GET "+daemon.AnswerPath+"{token}", s.answerPage)
		mux.HandleFunc("POST "+daemon.AnswerPath+"{token}", s.answerPost)
	}
	return secureHeaders(s.queue(mux))
}

// queue lets a bounded number of requests (other than the stylesheet) run at once.
func (s *Server) queue(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/static/") {
			next.ServeHTTP(w, r)
			return
		}
		select {
		case s.slots <- struct{}{}:
		case <-r.Context().Done():
			return
		}
		defer func() { <-s.slots }()
		next.ServeHTTP(w, r)
	})
}

// secureHeaders sets what every response carries: a policy that forbids any script and any
// embedding elsewhere, no sniffing, no referrer (the paths carry tokens), no caching of pages.
func secureHeaders(next http.Handler) http.Handler {
	const csp = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; " +
		"frame-src 'self'; object-src 'self'; frame-ancestors 'self'; base-uri 'none'"
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "SAMEORIGIN")
		if !strings.HasPrefix(r.URL.Path, "/static/") {
			h.Set("Cache-Control", "no-store")
		}
		next.ServeHTTP(w, r)
	})
}

func cacheFor(d time.Duration, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", fmt.Sprintf("public, max-age=%d", int(d.Seconds())))
		next.ServeHTTP(w, r)
	})
}

// link makes an absolute URL on the desk's base.
func (s *Server) link(path string) string {
	u := *s.base
	u.Path = strings.TrimRight(u.Path, "/") + path
	return u.String()
}

// AnswerLinks are the one-click links of an invitee's invitation by choice: a meeting id, or
// campaign.ChoiceDecline. Nil when one-click answers are off.
func (s *Server) AnswerLinks(code string) map[string]string {
	if !s.o.OneClick {
		return nil
	}
	out := map[string]string{}
	for _, l := range daemon.AnswerLinks(s.signer, s.c, s.base.String(), code) {
		if l.Decline {
			out[campaign.ChoiceDecline] = l.URL
		} else {
			out[l.Meeting.ID] = l.URL
		}
	}
	return out
}
