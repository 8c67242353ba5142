package config

import (
	"net/url"
	"path/filepath"
	"slices"

	"github.com/rsvpd/rsvpd/mailer"
)

// Auth is how rsvpd signs in to one mail server (mail.smtp.auth, mail.imap.auth).
type Auth struct {
	// Method is "password" (the server's password_env or password_file; the default) or
	// "oauth2" (a bearer token from the provider's token endpoint, sent as Mechanism).
	Method string
	// Mechanism is the SASL mechanism for the token: "xoauth2" (what Microsoft 365 and Google
	// offer; the default) or "oauthbearer" (RFC 7628).
	Mechanism string
	// Provider is "microsoft" (Entra ID, Tenant), "google" or "generic" (TokenURL).
	Provider string
	Tenant   string
	ClientID string
	// The client secret comes from an environment variable or a file, never from the config.
	ClientSecretEnv  string
	ClientSecretFile string
	Scopes           []string
	// TokenURL and DeviceAuthURL are the provider's endpoints; set for microsoft and google,
	// given for generic (DeviceAuthURL only where `rsvpd login` is used).
	TokenURL      string
	DeviceAuthURL string
	// Grant is "client_credentials" (app-only: the client's own secret) or "refresh_token"
	// (delegated: a refresh token `rsvpd login` stored in TokenFile).
	Grant string
	// TokenFile holds the refresh token (mode 0600); default "oauth-token.json" beside the store.
	TokenFile string
	// User is the mailbox the token signs in to (the user= of XOAUTH2); default the server's user.
	User string
}

// The auth methods, providers, grants and mechanisms.
const (
	AuthPassword = "password"
	AuthOAuth2   = "oauth2"

	ProviderMicrosoft = "microsoft"
	ProviderGoogle    = "google"
	ProviderGeneric   = "generic"

	GrantClientCredentials = "client_credentials"
	GrantRefreshToken      = "refresh_token"

	MechXOAuth2     = "xoauth2"
	MechOAuthBearer = "oauthbearer"
)

// OAuth2 says whether the server is signed in to with a token.
func (a Auth) OAuth2() bool { return a.Method == AuthOAuth2 }

// ClientSecret reads the client secret from its environment variable or file; "" when
// neither is set (a public client).
func (a Auth) ClientSecret() (string, error) {
	return readSecret(a.ClientSecretEnv, a.ClientSecretFile)
}

// DKIM is the key rsvpd signs outgoing mail with (mail.dkim).
type DKIM struct {
	Domain   string // d=
	Selector string // s=; the public key is at SELECTOR._domainkey.DOMAIN
	KeyFile  string // PEM private key (RSA or Ed25519)
}

// A preset (mail.provider) fills in what a hosted mail service always is.
type preset struct {
	smtpHost, imapHost string
	smtpPort, imapPort int
	smtpTLS, imapTLS   mailer.TLSMode
	rate               float64
	provider           string
	authServID         string
}

var presets = map[string]preset{
	// Microsoft 365 accepts 30 messages a minute from one mailbox.
	"microsoft365": {smtpHost: "smtp.office365.com", smtpPort: 587, smtpTLS: mailer.StartTLS,
		imapHost: "outlook.office365.com", imapPort: 993, imapTLS: mailer.ImplicitTLS, rate: 0.5,
		provider: ProviderMicrosoft, authServID: "exchange-online"},
	"google": {smtpHost: "smtp.gmail.com", smtpPort: 587, smtpTLS: mailer.StartTLS,
		imapHost: "imap.gmail.com", imapPort: 993, imapTLS: mailer.ImplicitTLS, provider: ProviderGoogle},
}

func presetNames() []string {
	names := make([]string, 0, len(presets))
	for n := range presets {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// serverDefaults are what a server's keys fall back to.
type serverDefaults struct {
	host       string
	tls        mailer.TLSMode
	port       int
	provider   string
	authServID string
	imap       bool
}

// auth reads mail.smtp.auth or mail.imap.auth. serverUser is the server's user key.
func (b *builder) auth(n node, def serverDefaults, serverUser string) Auth {
	f := n.fields("method", "mechanism", "provider", "tenant", "client_id", "client_secret_env",
		"client_secret_file", "scopes", "token_url", "device_auth_url", "grant", "token_file", "user")
	a := Auth{
		Method:           f["method"].str(false),
		Mechanism:        f["mechanism"].str(false),
		Provider:         f["provider"].str(false),
		Tenant:           f["tenant"].str(false),
		ClientID:         f["client_id"].str(false),
		ClientSecretEnv:  f["client_secret_env"].str(false),
		ClientSecretFile: f["client_secret_file"].str(false),
		Scopes:           f["scopes"].strs(),
		TokenURL:         f["token_url"].str(false),
		DeviceAuthURL:    f["device_auth_url"].str(false),
		Grant:            f["grant"].str(false),
		TokenFile:        f["token_file"].str(false),
		User:             f["user"].header(false),
	}
	switch a.Method {
	case "":
		a.Method = AuthPassword
	case AuthPassword, AuthOAuth2:
	default:
		f["method"].errorf("%q is not a sign-in method (password or oauth2)", a.Method)
	}
	if a.Method != AuthOAuth2 {
		for k, v := range f {
			if k != "method" && !v.missing() {
				v.errorf("only used with method: oauth2")
			}
		}
		return a
	}
	if a.User == "" {
		a.User = serverUser
	}
	if a.User == "" {
		f["user"].errorf("required: the mailbox the token signs in to (or the server's user)")
	}
	switch a.Mechanism {
	case "":
		a.Mechanism = MechXOAuth2
	case MechXOAuth2, MechOAuthBearer:
	default:
		f["mechanism"].errorf("%q is not a SASL mechanism for tokens (xoauth2 or oauthbearer)", a.Mechanism)
	}
	if a.Provider == "" {
		a.Provider = def.provider
	}
	if a.ClientID == "" {
		f["client_id"].errorf("required: the application (client) id of the app registration")
	}
	if a.ClientSecretEnv != "" && a.ClientSecretFile != "" {
		f["client_secret_file"].errorf("give the client secret either by environment variable or by file, not both")
	}
	if a.ClientSecretFile != "" {
		a.ClientSecretFile = b.cfg.Path(a.ClientSecretFile)
	}
	b.provider(f, &a, def)
	if a.Grant == GrantClientCredentials && a.ClientSecretEnv == "" && a.ClientSecretFile == "" {
		f["client_secret_env"].errorf("the client_credentials grant needs the client secret: set client_secret_env or client_secret_file")
	}
	if a.Grant == GrantRefreshToken {
		if a.TokenFile == "" {
			a.TokenFile = filepath.Join(filepath.Dir(b.cfg.Store.Path), "oauth-token.json")
		} else {
			a.TokenFile = b.cfg.Path(a.TokenFile)
		}
	} else if a.TokenFile != "" {
		f["token_file"].errorf("only used with grant: refresh_token")
	}
	return a
}

// provider fills in the endpoints, the grant and the scopes of the provider, and checks them.
func (b *builder) provider(f map[string]node, a *Auth, def serverDefaults) {
	switch a.Provider {
	case ProviderMicrosoft:
		if a.Tenant == "" {
			f["tenant"].errorf("required for provider microsoft: the directory (tenant) id or domain, such as kombit.dk")
		}
		base := "https://login.microsoftonline.com/" + url.PathEscape(a.Tenant) + "/oauth2/v2.0/"
		setDefault(&a.TokenURL, base+"token")
		setDefault(&a.DeviceAuthURL, base+"devicecode")
		setDefault(&a.Grant, GrantRefreshToken)
		if len(a.Scopes) == 0 {
			switch {
			case a.Grant == GrantClientCredentials:
				a.Scopes = []string{"https://outlook.office365.com/.default"}
			case def.imap:
				a.Scopes = []string{"https://outlook.office365.com/IMAP.AccessAsUser.All", "offline_access"}
			default:
				a.Scopes = []string{"https://outlook.office365.com/SMTP.Send", "offline_access"}
			}
		}
	case ProviderGoogle:
		setDefault(&a.TokenURL, "https://oauth2.googleapis.com/token")
		setDefault(&a.DeviceAuthURL, "https://oauth2.googleapis.com/device/code")
		setDefault(&a.Grant, GrantRefreshToken)
		if a.Grant != GrantRefreshToken {
			f["grant"].errorf("Google signs in to Gmail only with a user's refresh token (grant: refresh_token)")
		}
		if len(a.Scopes) == 0 {
			a.Scopes = []string{"https://mail.google.com/"}
		}
	case ProviderGeneric:
		if a.TokenURL == "" {
			f["token_url"].errorf("required for provider generic: the token endpoint")
		}
		if a.Grant == "" {
			f["grant"].errorf("required for provider generic: client_credentials or refresh_token")
		}
	case "":
		f["provider"].errorf("required with method oauth2: microsoft, google or generic (or set mail.provider)")
	default:
		f["provider"].errorf("%q is not an OAuth2 provider (microsoft, google or generic)", a.Provider)
	}
	if a.Tenant != "" && a.Provider != ProviderMicrosoft && a.Provider != "" {
		f["tenant"].errorf("only used with provider microsoft")
	}
	for _, k := range []struct {
		key string
		v   string
	}{{"token_url", a.TokenURL}, {"device_auth_url", a.DeviceAuthURL}} {
		if k.v == "" {
			continue
		}
		if u, err := url.Parse(k.v); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			f[k.key].errorf("%q is not an http(s) URL", k.v)
		} else if u.Scheme == "http" && !mailer.IsLoopback(u.Hostname()) {
			f[k.key].errorf("%q: a token endpoint must use https (http only on loopback)", k.v)
		}
	}
	switch a.Grant {
	case "", GrantClientCredentials, GrantRefreshToken:
	default:
		f["grant"].errorf("%q is not a grant rsvpd uses (client_credentials or refresh_token)", a.Grant)
	}
}

func setDefault(s *string, v string) {
	if *s == "" {
		*s = v
	}
}

// dkim reads mail.dkim.
func (b *builder) dkim(n node) DKIM {
	f := n.fields("domain", "selector", "key_file")
	d := DKIM{Domain: f["domain"].header(false), Selector: f["selector"].header(false), KeyFile: f["key_file"].str(false)}
	if n.missing() || (d == DKIM{}) {
		return DKIM{}
	}
	for k, v := range map[string]string{"domain": d.Domain, "selector": d.Selector, "key_file": d.KeyFile} {
		if v == "" {
			f[k].errorf("required when mail.dkim is set (domain, selector and key_file)")
		}
	}
	d.KeyFile = b.cfg.Path(d.KeyFile)
	return d
}
