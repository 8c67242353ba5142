package desk

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net"
	"net/http"
	"net/mail"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/rsvpd/rsvpd/campaign"
	"github.com/rsvpd/rsvpd/daemon"
	"github.com/rsvpd/rsvpd/mailer"
	"github.com/rsvpd/rsvpd/store"
)

// visit is a signed-in staff member's request.
type visit struct {
	Staff   string
	session string
	CSRF    string
}

type staffHandler func(w http.ResponseWriter, r *http.Request, v *visit)

func (s *Server) cookieName(base string) string {
	if s.o.Secure {
		return "__Host-" + base // the browser keeps it only from a secure origin, for this host
	}
	return base
}

// staff wraps a desk page: without a live session it goes to sign-in; a POST must carry the
// session's form token.
func (s *Server) staff(h staffHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		v, ok := s.session(r)
		if !ok {
			if r.Method == http.MethodGet && r.Header.Get("Sec-Fetch-Site") == "cross-site" {
				// A link followed from webmail does not send a SameSite=Strict cookie: load
				// the page once more from our own origin, which does.
				s.bounce(w, r)
				return
			}
			next := ""
			if r.Method == http.MethodGet {
				next = r.URL.RequestURI()
			}
			http.Redirect(w, r, "/signin?next="+urlQueryEscape(next), http.StatusSeeOther)
			return
		}
		if r.Method == http.MethodPost && !s.signer.CheckFormToken(v.session, r.PostFormValue("csrf")) {
			s.fail(w, r, http.StatusForbidden, "err_csrf")
			return
		}
		h(w, r, v)
	}
}

// session reads the session cookie and looks it up.
func (s *Server) session(r *http.Request) (*visit, bool) {
	ck, err := r.Cookie(s.cookieName("rsvpd-desk"))
	if err != nil || len(ck.Value) < 20 {
		return nil, false
	}
	staff, err := s.st.Session(r.Context(), sha(ck.Value), s.o.Now())
	if err != nil || !s.isStaff(staff) {
		return nil, false
	}
	return &visit{Staff: staff, session: ck.Value, CSRF: s.signer.FormToken(ck.Value)}, true
}

func (s *Server) isStaff(addr string) bool {
	return slices.Contains(s.c.Organiser.Staff, strings.ToLower(addr))
}

// preSession is the form token of a visitor who has not signed in: double-submitted with a
// cookie of its own, so that the sign-in forms cannot be posted from another site either.
func (s *Server) preSession(w http.ResponseWriter, r *http.Request) string {
	name := s.cookieName("rsvpd-pre")
	if ck, err := r.Cookie(name); err == nil && len(ck.Value) >= 20 {
		return s.signer.FormToken("pre:" + ck.Value)
	}
	v := randomID()
	http.SetCookie(w, &http.Cookie{Name: name, Value: v, Path: "/", HttpOnly: true, Secure: s.o.Secure,
		SameSite: http.SameSiteStrictMode})
	return s.signer.FormToken("pre:" + v)
}

func (s *Server) checkPreSession(r *http.Request) bool {
	ck, err := r.Cookie(s.cookieName("rsvpd-pre"))
	return err == nil && s.signer.CheckFormToken("pre:"+ck.Value, r.PostFormValue("csrf"))
}

func (s *Server) signInForm(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.session(r); ok {
		http.Redirect(w, r, localPath(r.URL.Query().Get("next")), http.StatusSeeOther)
		return
	}
	s.render(w, r, http.StatusOK, "signin", nil, 0, map[string]any{"CSRF": s.preSession(w, r), "Next": localPath(r.URL.Query().Get("next"))})
}

// signInRequest mails a sign-in link to a staff address. The answer is the same whether the
// address is staff or not, so the page tells nobody who the staff are.
func (s *Server) signInRequest(w http.ResponseWriter, r *http.Request) {
	if !s.checkPreSession(r) {
		s.fail(w, r, http.StatusForbidden, "err_csrf")
		return
	}
	if !s.limits.allow("signin-ip:"+s.clientIP(r), 10, 15*time.Minute, s.o.Now()) {
		s.fail(w, r, http.StatusTooManyRequests, "err_too_many")
		return
	}
	addr, err := mail.ParseAddress(strings.TrimSpace(r.PostFormValue("email")))
	if err == nil && s.isStaff(addr.Address) && s.o.Mailer != nil {
		err := s.sendSignIn(r.Context(), strings.ToLower(addr.Address), localPath(r.PostFormValue("next")))
		switch {
		case errors.Is(err, errTooMany):
			// Answered like any other request, so the page does not tell a staff address
			// from another; the address's owner has links already.
			s.log.Warn("desk: sign-in links asked for too often", "staff", addr.Address)
		case err != nil:
			s.log.Error("desk: send sign-in link", "err", err)
			s.fail(w, r, http.StatusInternalServerError, "err_internal")
			return
		}
	}
	s.render(w, r, http.StatusOK, "signin_sent", nil, 0, nil)
}

var errTooMany = errors.New("too many sign-in links asked for")

// sendSignIn records a new link for the address (at most 3 in 15 minutes) and mails it.
func (s *Server) sendSignIn(ctx context.Context, staff, next string) error {
	now := s.o.Now()
	nonce := randomID()
	expires := now.Add(SignInTTL)
	err := s.st.Tx(ctx, func(tx *store.Tx) error {
		n, err := tx.SignInsSince(staff, now.Add(-SignInTTL))
		if err != nil {
			return err
		}
		if n >= 3 {
			return errTooMany
		}
		return tx.AddSignIn(nonce, staff, now, expires)
	})
	if err != nil {
		return err
	}
	return s.o.Mailer.SendSignIn(ctx, staff, nonce, expires, next)
}

// LoopbackSignIn returns a sign-in link for a staff address that may be used again until
// valid passes, and only from this machine: the demo prints it, so whoever runs the demo
// opens the desk signed in.
func (s *Server) LoopbackSignIn(staff string, valid time.Duration) string {
	nonce := "loopback-" + randomID()
	s.mu.Lock()
	s.reusable[nonce] = true
	s.mu.Unlock()
	return s.link(daemon.SignInPath + s.signer.SignInLink(staff, nonce, s.o.Now().Add(valid)))
}

func (s *Server) isReusable(nonce string, r *http.Request) bool {
	s.mu.Lock()
	ok := s.reusable[nonce]
	s.mu.Unlock()
	host, _, _ := net.SplitHostPort(r.RemoteAddr)
	return ok && mailer.IsLoopback(host)
}

// signInLink is where a mailed link leads: a page with one button, so that a mail scanner
// following the link signs nobody in and spends nothing. A loopback link signs in at once.
func (s *Server) signInLink(w http.ResponseWriter, r *http.Request) {
	tok := r.PathValue("token")
	staff, nonce, err := s.signer.VerifySignInLink(tok, s.o.Now())
	if err != nil || !s.isStaff(staff) {
		s.render(w, r, http.StatusGone, "signin", nil, 0, map[string]any{"CSRF": s.preSession(w, r), "Invalid": true})
		return
	}
	next := localPath(r.URL.Query().Get("next"))
	if s.isReusable(nonce, r) {
		if err := s.openSession(w, r, staff); err != nil {
			s.fail(w, r, http.StatusInternalServerError, "err_internal")
			return
		}
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	s.render(w, r, http.StatusOK, "signin_link", nil, 0, map[string]any{"CSRF": s.preSession(w, r),
		"Staff": staff, "Token": tok, "Next": next})
}

// signInUse spends the link and opens a session.
func (s *Server) signInUse(w http.ResponseWriter, r *http.Request) {
	if !s.checkPreSession(r) {
		s.fail(w, r, http.StatusForbidden, "err_csrf")
		return
	}
	now := s.o.Now()
	staff, nonce, err := s.signer.VerifySignInLink(r.PostFormValue("token"), now)
	if err == nil && !s.isReusable(nonce, r) {
		err = s.st.Tx(r.Context(), func(tx *store.Tx) error {
			got, err := tx.UseSignIn(nonce, now)
			if err == nil && got != staff {
				err = campaign.ErrLinkForged
			}
			return err
		})
	}
	if err != nil || !s.isStaff(staff) {
		s.render(w, r, http.StatusGone, "signin", nil, 0, map[string]any{"CSRF": s.preSession(w, r), "Invalid": true})
		return
	}
	if err := s.openSession(w, r, staff); err != nil {
		s.log.Error("desk: open session", "err", err)
		s.fail(w, r, http.StatusInternalServerError, "err_internal")
		return
	}
	http.Redirect(w, r, localPath(r.PostFormValue("next")), http.StatusSeeOther)
}

func (s *Server) openSession(w http.ResponseWriter, r *http.Request, staff string) error {
	id := randomID()
	now := s.o.Now()
	err := s.st.Tx(r.Context(), func(tx *store.Tx) error {
		if err := tx.AddSession(sha(id), staff, now, now.Add(SessionTTL)); err != nil {
			return err
		}
		return tx.Log(store.Event{At: s.e.Now(), Kind: "desk_signin", Cause: "desk", Detail: map[string]any{"by": staff}})
	})
	if err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{Name: s.cookieName("rsvpd-desk"), Value: id, Path: "/", HttpOnly: true,
		Secure: s.o.Secure, SameSite: http.SameSiteStrictMode, MaxAge: int(SessionTTL.Seconds())})
	s.log.Info("desk: signed in", "staff", staff)
	return nil
}

func (s *Server) signOut(w http.ResponseWriter, r *http.Request, v *visit) {
	err := s.st.Tx(r.Context(), func(tx *store.Tx) error { return tx.EndSession(sha(v.session), s.o.Now()) })
	if err != nil {
		s.log.Error("desk: sign out", "err", err)
	}
	http.SetCookie(w, &http.Cookie{Name: s.cookieName("rsvpd-desk"), Value: "", Path: "/", HttpOnly: true,
		Secure: s.o.Secure, SameSite: http.SameSiteStrictMode, MaxAge: -1})
	http.Redirect(w, r, "/signin", http.StatusSeeOther)
}

// bounce reloads the same URL from our own origin.
func (s *Server) bounce(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "bounce", nil, 0, map[string]any{"URL": r.URL.RequestURI()})
}

// clientIP is the address a request came from: the last hop a trusted proxy names, or the
// connection's.
func (s *Server) clientIP(r *http.Request) string {
	if s.o.TrustProxy {
		if xff := r.Header.Get("X-Forwarded-For"); xff != "" {
			parts := strings.Split(xff, ",")
			return strings.TrimSpace(parts[len(parts)-1])
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func randomID() string {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		panic("desk: no randomness: " + err.Error()) // crypto/rand does not fail on Linux
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

func sha(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// localPath keeps a "next" page on this site: a path, never a URL elsewhere.
func localPath(p string) string {
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.HasPrefix(p, "/\\") || strings.ContainsAny(p, "\r\n") {
		return "/"
	}
	return p
}

// limiter counts events per key in a sliding window, in memory.
type limiter struct {
	mu   sync.Mutex
	seen map[string][]time.Time
}

func newLimiter() *limiter { return &limiter{seen: map[string][]time.Time{}} }

// allow records an event for key and reports whether it stays within n per window.
func (l *limiter) allow(key string, n int, window time.Duration, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.seen) > 10000 { // a flood of keys: forget the oldest state rather than grow
		l.seen = map[string][]time.Time{}
	}
	kept := l.seen[key][:0]
	for _, t := range l.seen[key] {
		if now.Sub(t) < window {
			kept = append(kept, t)
		}
	}
	if len(kept) >= n {
		l.seen[key] = kept
		return false
	}
	l.seen[key] = append(kept, now)
	return true
}
