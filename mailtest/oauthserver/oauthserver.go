// Package oauthserver is an OAuth2 authorization server for tests, on loopback only: it issues
// access tokens by the client-credentials, refresh-token and device-code grants, answers
// RFC 7662 introspection (which Dovecot's oauth2 passdb asks to validate a token), and lets a
// test make tokens expire after a few seconds, revoke refresh and access tokens, and change a
// client's secret. Tokens are random strings the server remembers; nothing is signed.
//
// For the shell, `go run ./mailtest/oauthserver/serve` starts one and prints its URLs.
package oauthserver

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Server is a running token server.
type Server struct {
	URL string // http://127.0.0.1:PORT

	ln   net.Listener
	http *http.Server

	mu       sync.Mutex
	lifetime time.Duration
	rotate   bool
	clients  map[string]*client
	access   map[string]*grantInfo // access token -> what it grants
	refresh  map[string]*grantInfo // refresh token -> what it grants
	devices  map[string]*device    // device code -> state
	stats    Stats
}

// Stats counts what the server did, for tests that check a client's behaviour.
type Stats struct {
	Issued         int // access tokens issued
	Refreshed      int // of them by the refresh-token grant
	Refused        int // token requests refused
	Introspections int // introspection requests
	Inactive       int // introspections that answered inactive
}

type client struct {
	secret string
	user   string // the mailbox the client-credentials grant signs in to
}

type grantInfo struct {
	user, client string
	scope        string
	expiry       time.Time // zero for refresh tokens
	revoked      bool
}

type device struct {
	client, userCode, scope string
	user                    string // set when approved
	denied                  bool
	expiry                  time.Time
}

// Options configure a server.
type Options struct {
	// Lifetime of access tokens; default one hour.
	Lifetime time.Duration
	// RotateRefreshTokens makes each refresh return a new refresh token and retire the old
	// one, as Microsoft's identity platform does.
	RotateRefreshTokens bool
}

// Start listens on 127.0.0.1 (a free port) and serves until Close.
func Start(opts Options) (*Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("oauthserver: listen: %w", err)
	}
	return Serve(ln, opts), nil
}

// Serve serves on ln, which must be a loopback listener.
func Serve(ln net.Listener, opts Options) *Server {
	if opts.Lifetime <= 0 {
		opts.Lifetime = time.Hour
	}
	s := &Server{
		URL: "http://" + ln.Addr().String(), ln: ln, lifetime: opts.Lifetime, rotate: opts.RotateRefreshTokens,
		clients: map[string]*client{}, access: map[string]*grantInfo{}, refresh: map[string]*grantInfo{},
		devices: map[string]*device{},
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /token", s.token)
	mux.HandleFunc("POST /introspect", s.introspect)
	mux.HandleFunc("POST /device", s.deviceAuth)
	mux.HandleFunc("POST /revoke", s.revoke)
	mux.HandleFunc("/device/verify", s.verify)
	mux.HandleFunc("POST /admin/{op}", s.admin)
	s.http = &http.Server{Handler: loopbackOnly(mux), ReadHeaderTimeout: 5 * time.Second}
	go s.http.Serve(ln)
	return s
}

// The endpoints.
func (s *Server) TokenURL() string      { return s.URL + "/token" }
func (s *Server) IntrospectURL() string { return s.URL + "/introspect" }
func (s *Server) DeviceAuthURL() string { return s.URL + "/device" }

// Close stops the server.
func (s *Server) Close() error { return s.http.Close() }

// loopbackOnly refuses any peer that is not on this machine.
func loopbackOnly(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host, _, _ := net.SplitHostPort(r.RemoteAddr)
		if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
			http.Error(w, "loopback only", http.StatusForbidden)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// AddClient registers a client with its secret; the client-credentials grant gives it tokens
// for user's mailbox.
func (s *Server) AddClient(id, secret, user string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.clients[id] = &client{secret: secret, user: user}
}

// SetSecret changes a client's secret: requests with the old one are refused (invalid_client).
func (s *Server) SetSecret(id, secret string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c := s.clients[id]; c != nil {
		c.secret = secret
	}
}

// SetLifetime changes the lifetime of access tokens issued from now on.
func (s *Server) SetLifetime(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lifetime = d
}

// IssueRefreshToken returns a refresh token of the client for user, as a person's sign-in would.
func (s *Server) IssueRefreshToken(clientID, user, scope string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	rt := "rt-" + random()
	s.refresh[rt] = &grantInfo{user: user, client: clientID, scope: scope}
	return rt
}

// IssueAccessToken returns an access token for user directly, valid for the current lifetime.
func (s *Server) IssueAccessToken(clientID, user string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.newAccess(clientID, user, "")
}

// RevokeRefreshToken revokes one refresh token (a user's "sign out everywhere", an admin's
// revocation, an expired refresh token): refreshing with it fails with invalid_grant.
func (s *Server) RevokeRefreshToken(rt string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if g := s.refresh[rt]; g != nil {
		g.revoked = true
	}
}

// RevokeRefreshTokens revokes every refresh token of user.
func (s *Server) RevokeRefreshTokens(user string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, g := range s.refresh {
		if g.user == user {
			g.revoked = true
		}
	}
}

// RevokeAccessTokens makes every access token of user inactive at once.
func (s *Server) RevokeAccessTokens(user string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, g := range s.access {
		if g.user == user {
			g.revoked = true
		}
	}
}

// Stats returns the counters.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stats
}

// Approve approves the device sign-in with userCode for user, as the person at the browser
// would; false when no pending sign-in has that code.
func (s *Server) Approve(userCode, user string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, d := range s.devices {
		if d.userCode == userCode && d.user == "" && !d.denied {
			d.user = user
			return true
		}
	}
	return false
}

func random() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func (s *Server) newAccess(clientID, user, scope string) string {
	at := "at-" + random()
	s.access[at] = &grantInfo{user: user, client: clientID, scope: scope, expiry: time.Now().Add(s.lifetime)}
	s.stats.Issued++
	return at
}

// oauthError writes an RFC 6749 section 5.2 error.
func oauthError(w http.ResponseWriter, status int, code, desc string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"error": code, "error_description": desc})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	json.NewEncoder(w).Encode(v)
}

// clientAuth reads the client's id and secret from HTTP Basic or the form.
func clientAuth(r *http.Request) (id, secret string) {
	if u, p, ok := r.BasicAuth(); ok {
		id, _ = url.QueryUnescape(u)
		secret, _ = url.QueryUnescape(p)
		return id, secret
	}
	return r.PostFormValue("client_id"), r.PostFormValue("client_secret")
}

// authenticate checks the client; public clients (no secret registered) need none.
func (s *Server) authenticate(r *http.Request) (string, *client, error) {
	id, secret := clientAuth(r)
	c := s.clients[id]
	if c == nil {
		return id, nil, errors.New("unknown client " + strconv.Quote(id))
	}
	if c.secret != "" && subtle.ConstantTimeCompare([]byte(c.secret), []byte(secret)) != 1 {
		return id, nil, errors.New("wrong client secret")
	}
	return id, c, nil
}

func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id, c, err := s.authenticate(r)
	if err != nil {
		s.stats.Refused++
		// RFC 6749: a client that tried HTTP Basic gets 401, one that sent the form 400 or 401.
		oauthError(w, http.StatusUnauthorized, "invalid_client", err.Error())
		return
	}
	scope := r.PostFormValue("scope")
	var user, rt string
	switch gt := r.PostFormValue("grant_type"); gt {
	case "client_credentials":
		if c.secret == "" {
			s.stats.Refused++
			oauthError(w, http.StatusBadRequest, "unauthorized_client", "a public client cannot use client_credentials")
			return
		}
		user = c.user
	case "refresh_token":
		old := r.PostFormValue("refresh_token")
		g := s.refresh[old]
		if g == nil || g.revoked || g.client != id {
			s.stats.Refused++
			oauthError(w, http.StatusBadRequest, "invalid_grant", "the refresh token is invalid, expired or revoked")
			return
		}
		user, scope, rt = g.user, or(scope, g.scope), old
		if s.rotate {
			g.revoked = true
			rt = "rt-" + random()
			s.refresh[rt] = &grantInfo{user: g.user, client: id, scope: g.scope}
		}
		s.stats.Refreshed++
	case "urn:ietf:params:oauth:grant-type:device_code":
		d := s.devices[r.PostFormValue("device_code")]
		switch {
		case d == nil || d.client != id:
			s.stats.Refused++
			oauthError(w, http.StatusBadRequest, "invalid_grant", "unknown device code")
			return
		case time.Now().After(d.expiry):
			oauthError(w, http.StatusBadRequest, "expired_token", "the device code expired")
			return
		case d.denied:
			oauthError(w, http.StatusBadRequest, "access_denied", "the user refused")
			return
		case d.user == "":
			oauthError(w, http.StatusBadRequest, "authorization_pending", "waiting for the user")
			return
		}
		delete(s.devices, r.PostFormValue("device_code"))
		user, scope = d.user, d.scope
		rt = "rt-" + random()
		s.refresh[rt] = &grantInfo{user: user, client: id, scope: scope}
	default:
		s.stats.Refused++
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type", strconv.Quote(gt))
		return
	}
	resp := map[string]any{
		"access_token": s.newAccess(id, user, scope),
		"token_type":   "Bearer",
		"expires_in":   int(s.lifetime.Round(time.Second) / time.Second),
		"scope":        scope,
	}
	if rt != "" {
		resp["refresh_token"] = rt
	}
	writeJSON(w, resp)
}

func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// introspect answers RFC 7662: {"active": true, "username": ...} for a live access token.
func (s *Server) introspect(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stats.Introspections++
	tok := r.PostFormValue("token")
	if tok == "" { // Dovecot's introspection_mode = auth sends the token as a bearer header
		tok, _ = strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	}
	g := s.access[tok]
	if g == nil || g.revoked || time.Now().After(g.expiry) {
		s.stats.Inactive++
		writeJSON(w, map[string]any{"active": false})
		return
	}
	writeJSON(w, map[string]any{"active": true, "username": g.user, "client_id": g.client,
		"scope": g.scope, "token_type": "Bearer", "exp": g.expiry.Unix()})
}

// deviceAuth starts a device sign-in (RFC 8628 section 3.1).
func (s *Server) deviceAuth(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := r.PostFormValue("client_id")
	if s.clients[id] == nil {
		oauthError(w, http.StatusBadRequest, "invalid_client", "unknown client "+strconv.Quote(id))
		return
	}
	code := "dc-" + random()
	user := strings.ToUpper(random()[:4] + "-" + random()[:4])
	s.devices[code] = &device{client: id, userCode: user, scope: r.PostFormValue("scope"), expiry: time.Now().Add(5 * time.Minute)}
	writeJSON(w, map[string]any{
		"device_code": code, "user_code": user, "verification_uri": s.URL + "/device/verify",
		"expires_in": 300, "interval": 1,
	})
}

// verify is the page the person opens: ?user_code=X&user=Y approves, &deny=1 refuses.
func (s *Server) verify(w http.ResponseWriter, r *http.Request) {
	code, user := r.FormValue("user_code"), r.FormValue("user")
	if r.FormValue("deny") != "" {
		s.mu.Lock()
		for _, d := range s.devices {
			if d.userCode == code {
				d.denied = true
			}
		}
		s.mu.Unlock()
		fmt.Fprintln(w, "refused")
		return
	}
	if code == "" || user == "" || !s.Approve(code, user) {
		http.Error(w, "give user_code and user of a pending sign-in", http.StatusBadRequest)
		return
	}
	fmt.Fprintln(w, "approved")
}

// revoke is RFC 7009 token revocation.
func (s *Server) revoke(w http.ResponseWriter, r *http.Request) {
	tok := r.PostFormValue("token")
	s.mu.Lock()
	for _, m := range []map[string]*grantInfo{s.access, s.refresh} {
		if g := m[tok]; g != nil {
			g.revoked = true
		}
	}
	s.mu.Unlock()
}

// admin lets a script steer the server: lifetime?seconds=N, client?id=&secret=&user=,
// refresh_token?client_id=&user=&scope= (prints a new one), revoke_user?user=.
func (s *Server) admin(w http.ResponseWriter, r *http.Request) {
	q := func(k string) string { return r.FormValue(k) }
	switch r.PathValue("op") {
	case "lifetime":
		n, err := strconv.Atoi(q("seconds"))
		if err != nil || n <= 0 {
			http.Error(w, "seconds: a positive whole number", http.StatusBadRequest)
			return
		}
		s.SetLifetime(time.Duration(n) * time.Second)
	case "client":
		s.AddClient(q("id"), q("secret"), q("user"))
	case "refresh_token":
		fmt.Fprintln(w, s.IssueRefreshToken(q("client_id"), q("user"), q("scope")))
	case "revoke_user":
		s.RevokeRefreshTokens(q("user"))
		s.RevokeAccessTokens(q("user"))
	default:
		http.NotFound(w, r)
	}
}
