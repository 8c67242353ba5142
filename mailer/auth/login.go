package auth

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"golang.org/x/oauth2"

	"github.com/rsvpd/rsvpd/config"
)

// SignIn is one delegated sign-in to do: the refresh token of a token file, and the scopes it
// must cover (IMAP's and SMTP's together when both servers share the file).
type SignIn struct {
	Auth    config.Auth
	Scopes  []string
	Servers []string // "IMAP", "SMTP": what the token is for
}

// SignIns lists the delegated sign-ins the configuration needs, one per token file.
func SignIns(cfg *config.Config) ([]SignIn, error) {
	var out []SignIn
	for _, s := range []struct {
		kind string
		srv  config.Server
	}{{"IMAP", cfg.Mail.IMAP}, {"SMTP", cfg.Mail.SMTP}} {
		a := s.srv.Auth
		if !a.OAuth2() || a.Grant != config.GrantRefreshToken {
			continue
		}
		i := slices.IndexFunc(out, func(si SignIn) bool { return si.Auth.TokenFile == a.TokenFile })
		if i < 0 {
			out = append(out, SignIn{Auth: a, Scopes: slices.Clone(a.Scopes), Servers: []string{s.kind}})
			continue
		}
		si := &out[i]
		if si.Auth.ClientID != a.ClientID || si.Auth.TokenURL != a.TokenURL {
			return nil, fmt.Errorf("mail.imap.auth and mail.smtp.auth share the token file %s but not the client_id "+
				"and token endpoint: give each its own token_file", a.TokenFile)
		}
		for _, sc := range a.Scopes {
			if !slices.Contains(si.Scopes, sc) {
				si.Scopes = append(si.Scopes, sc)
			}
		}
		si.Servers = append(si.Servers, s.kind)
	}
	return out, nil
}

// Login runs the device sign-in (RFC 8628) of si: it asks the provider for a code, tells the
// operator on out where to enter it, waits until the person has signed in (or ctx ends, or the
// code expires), and stores the refresh token in the token file (mode 0600).
func Login(ctx context.Context, si SignIn, out io.Writer, opts Options) error {
	opts = opts.withDefaults()
	a := si.Auth
	if a.DeviceAuthURL == "" {
		return errors.New("no device_auth_url: this provider's sign-in needs one for rsvpd login")
	}
	secret, err := a.ClientSecret()
	if err != nil {
		return fmt.Errorf("read the client secret: %w", err)
	}
	conf := &oauth2.Config{
		ClientID: a.ClientID, ClientSecret: secret, Scopes: si.Scopes,
		Endpoint: oauth2.Endpoint{TokenURL: a.TokenURL, DeviceAuthURL: a.DeviceAuthURL},
	}
	if secret == "" {
		conf.Endpoint.AuthStyle = oauth2.AuthStyleInParams
	}
	hctx := context.WithValue(ctx, oauth2.HTTPClient, opts.HTTPClient)
	da, err := conf.DeviceAuth(hctx)
	if err != nil {
		return fmt.Errorf("device sign-in at %s: %w", a.DeviceAuthURL, describe(err))
	}
	fmt.Fprintf(out, "To let rsvpd use the mailbox %s (%v), sign in as that mailbox's user:\n\n", a.User, si.Servers)
	fmt.Fprintf(out, "  open    %s\n  enter   %s\n", da.VerificationURI, da.UserCode)
	if da.VerificationURIComplete != "" {
		fmt.Fprintf(out, "  (or open %s)\n", da.VerificationURIComplete)
	}
	if !da.Expiry.IsZero() {
		fmt.Fprintf(out, "\nThe code is valid until %s. Waiting for the sign-in...\n", da.Expiry.Local().Format("15:04:05"))
	}
	tok, err := conf.DeviceAccessToken(hctx, da)
	if err != nil {
		return fmt.Errorf("wait for the sign-in: %w", describe(err))
	}
	if tok.RefreshToken == "" {
		return errors.New("the provider gave no refresh token: add the scope offline_access (Microsoft) or allow offline access")
	}
	if err := NewTokenFile(a.TokenFile).Save(tok.RefreshToken); err != nil {
		return err
	}
	fmt.Fprintf(out, "Signed in at %s; the refresh token is in %s (mode 0600).\n", time.Now().Format("15:04:05"), a.TokenFile)
	return nil
}

// describe shortens an oauth2 error to its code and description.
func describe(err error) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) && re.ErrorCode != "" {
		msg := re.ErrorCode
		if re.ErrorDescription != "" {
			msg += ": " + firstLine(re.ErrorDescription)
		}
		return errors.New(msg)
	}
	return err
}
