package auth

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/rsvpd/rsvpd/config"
)

// tokenSource hands out access tokens for one server: the one in hand while it has enough
// life left, else a new one from the token endpoint by the configured grant.
type tokenSource struct {
	server string
	a      config.Auth
	file   *TokenFile // the refresh token (grant refresh_token); shared between servers
	opts   Options

	mu     sync.Mutex
	cur    *oauth2.Token
	issued time.Time
}

func newTokenSource(server string, a config.Auth, file *TokenFile, opts Options) *tokenSource {
	return &tokenSource{server: server, a: a, file: file, opts: opts}
}

// maxMargin is the most life a token must have left to be used for a new connection: a
// connection opened with it must get through its sign-in, and a short-lived token (a test's
// 5 s) must still be reused for a moment rather than fetched for every connection.
const maxMargin = time.Minute

// Token returns a token with enough life left for a new connection.
func (t *tokenSource) Token(ctx context.Context) (*oauth2.Token, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.opts.Now()
	if t.cur != nil {
		margin := min(maxMargin, t.cur.Expiry.Sub(t.issued)/2)
		if t.cur.Expiry.IsZero() || t.cur.Expiry.Sub(now) > margin {
			return t.cur, nil
		}
	}
	tok, err := t.fetch(ctx)
	if err != nil {
		return nil, err
	}
	if tok.AccessToken == "" {
		return nil, &TokenError{Server: t.server, Step: t.step(), Err: errors.New("the token endpoint answered without an access token")}
	}
	t.cur, t.issued = tok, now
	t.opts.Log.Debug("got an access token", "server", t.server, "grant", t.a.Grant, "expires", tok.Expiry)
	return tok, nil
}

func (t *tokenSource) forget() {
	t.mu.Lock()
	t.cur = nil
	t.mu.Unlock()
}

func (t *tokenSource) step() string {
	return strings.ReplaceAll(t.a.Grant, "_", "-") + " grant at " + t.a.TokenURL
}

// fetch asks the token endpoint for a new access token.
func (t *tokenSource) fetch(ctx context.Context) (*oauth2.Token, error) {
	secret, err := t.a.ClientSecret()
	if err != nil {
		return nil, &TokenError{Server: t.server, Step: "read the client secret", Err: err, Operator: true}
	}
	if secret == "" && t.a.Grant == config.GrantClientCredentials {
		return nil, &TokenError{Server: t.server, Step: "read the client secret", Operator: true,
			Err: fmt.Errorf("no client secret: %s", secretSource(t.a))}
	}
	cc := &clientcredentials.Config{
		ClientID: t.a.ClientID, ClientSecret: secret, TokenURL: t.a.TokenURL, Scopes: t.a.Scopes,
	}
	if secret == "" {
		// A public client (device sign-in without a secret) names itself in the form.
		cc.AuthStyle = oauth2.AuthStyleInParams
	}
	var rt string
	if t.a.Grant == config.GrantRefreshToken {
		t.file.mu.Lock()
		defer t.file.mu.Unlock()
		rt, err = t.file.load()
		if err != nil {
			return nil, &TokenError{Server: t.server, Step: "read the token file " + t.file.Path, Err: err, Operator: true}
		}
		// clientcredentials lets grant_type be overridden: a refresh-token request that,
		// unlike oauth2.Config's, names the scopes, which Microsoft needs to give a token for
		// IMAP or for SMTP from the one refresh token.
		cc.EndpointParams = url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}
	}
	hctx := context.WithValue(ctx, oauth2.HTTPClient, t.opts.HTTPClient)
	tok, err := cc.Token(hctx)
	if err != nil {
		return nil, t.fetchError(err)
	}
	if rt != "" && tok.RefreshToken != "" && tok.RefreshToken != rt {
		// The provider rotated the refresh token: the old one may stop working at once.
		if err := t.file.save(tok.RefreshToken); err != nil {
			t.opts.Log.Error("cannot keep the new refresh token; the next sign-in may fail",
				"server", t.server, "file", t.file.Path, "err", err)
		}
	}
	return tok, nil
}

// fetchError describes a refused or failed token request without the secret or the body.
func (t *tokenSource) fetchError(err error) error {
	e := &TokenError{Server: t.server, Step: t.step(), Err: err}
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		e.Code = re.ErrorCode
		msg := re.ErrorCode
		if re.ErrorDescription != "" {
			msg += ": " + firstLine(re.ErrorDescription)
		}
		if msg == "" && re.Response != nil {
			msg = "HTTP " + re.Response.Status
		}
		e.Err = errors.New(msg)
		status := 0
		if re.Response != nil {
			status = re.Response.StatusCode
		}
		// 4xx: the endpoint refused what we sent, and sending it again will not change that;
		// 5xx and 429: the endpoint may recover.
		e.Operator = e.Code != "" && e.Code != "temporarily_unavailable" && e.Code != "slow_down" ||
			status >= 400 && status < 500 && status != 429 && status != 408
	}
	return e
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(s)
}

// secretSource names where the secret should have come from.
func secretSource(a config.Auth) string {
	switch {
	case a.ClientSecretEnv != "":
		return "the environment variable " + a.ClientSecretEnv + " is empty or unset"
	case a.ClientSecretFile != "":
		return "the file " + a.ClientSecretFile + " is empty"
	}
	return "set client_secret_env or client_secret_file"
}
