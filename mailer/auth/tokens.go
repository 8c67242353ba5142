package auth

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
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
	// refused is the last failure that needs a person, with when it happened and the state
	// of the files it came from: asking again is answered from it until a file changes or
	// operatorRecheck passes (see Token).
	refused   *TokenError
	refusedAt time.Time
	refusedOf string
}

func newTokenSource(server string, a config.Auth, file *TokenFile, opts Options) *tokenSource {
	return &tokenSource{server: server, a: a, file: file, opts: opts}
}

// maxMargin is the most life a token must have left to be used for a new connection: a
// connection opened with it must get through its sign-in, and a short-lived token (a test's
// 5 s) must still be reused for a moment rather than fetched for every connection.
const maxMargin = time.Minute

// operatorRecheck is how long a failure that needs a person (a revoked refresh token, a wrong
// secret) is given as the answer without asking the token endpoint again, unless the token
// file or the secret file changes first. The mail loops try to sign in again every few
// seconds, so that mail moves soon after `rsvpd login`; the endpoint should not see the same
// refused request at that pace (Entra ID blocks clients that repeat a failing request), and
// a fix made at the provider (consent granted, the mailbox given to the app) is still found.
const operatorRecheck = 5 * time.Minute

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
	inputs := t.inputs()
	if t.refused != nil && now.Sub(t.refusedAt) < operatorRecheck && inputs == t.refusedOf {
		return nil, t.refused
	}
	tok, err := t.fetch(ctx)
	var te *TokenError
	if errors.As(err, &te) && te.Operator {
		t.refused, t.refusedAt, t.refusedOf = te, now, inputs
	} else {
		t.refused = nil
	}
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

// inputs describes the files a token is made from (the token file, the secret file) by their
// size and time of change, so that a new sign-in or a new secret is seen at once.
func (t *tokenSource) inputs() string {
	var b strings.Builder
	for _, path := range []string{t.a.TokenFile, t.a.ClientSecretFile} {
		if path == "" {
			continue
		}
		if st, err := os.Stat(path); err == nil {
			fmt.Fprintf(&b, "%s %d %d %v;", path, st.Size(), st.ModTime().UnixNano(), st.Mode())
		} else {
			fmt.Fprintf(&b, "%s missing;", path)
		}
	}
	return b.String()
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
