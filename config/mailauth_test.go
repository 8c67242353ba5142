package config

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// parseEdited parses the example with edits applied; it fails the test on problems.
func parseEdited(t *testing.T, edits ...[2]string) *Config {
	t.Helper()
	s := editedExample(t, edits...)
	cfg, err := Parse([]byte(s), "config.yaml", os.DirFS(".."), "..")
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return cfg
}

const (
	imapPassword = "    password_env: RSVPD_IMAP_PASSWORD\n"
	smtpPassword = "    password_env: RSVPD_SMTP_PASSWORD\n"
	mailStart    = "mail:\n"
	// the server blocks of the example without their host, port and tls
	smtpBlock = "    host: localhost\n    port: 587\n    tls: starttls\n"
	imapBlock = "    host: localhost\n    port: 993\n    tls: tls\n"
)

// The microsoft365 preset sets the servers, the rate Microsoft allows, the OAuth2 provider
// and its scopes, and the authserv-id Exchange Online writes.
func TestMicrosoft365Preset(t *testing.T) {
	auth := "    auth:\n      method: oauth2\n      tenant: kombit.dk\n      client_id: app-1\n"
	cfg := parseEdited(t,
		[2]string{mailStart, mailStart + "  provider: microsoft365\n"},
		[2]string{smtpBlock, ""}, [2]string{imapBlock, ""},
		[2]string{"  rate: 0\n", ""},
		[2]string{smtpPassword, auth}, [2]string{imapPassword, auth})
	m := cfg.Mail
	if m.SMTP.Addr() != "smtp.office365.com:587" || m.SMTP.TLS != "starttls" {
		t.Errorf("smtp = %s %s", m.SMTP.Addr(), m.SMTP.TLS)
	}
	if m.IMAP.Addr() != "outlook.office365.com:993" || m.IMAP.TLS != "tls" {
		t.Errorf("imap = %s %s", m.IMAP.Addr(), m.IMAP.TLS)
	}
	if m.Rate != 0.5 {
		t.Errorf("rate = %v, want 0.5 (30 a minute)", m.Rate)
	}
	if m.IMAP.AuthServID != "exchange-online" {
		t.Errorf("imap authserv_id = %q", m.IMAP.AuthServID)
	}
	a := m.IMAP.Auth
	if a.Provider != ProviderMicrosoft || a.Grant != GrantRefreshToken || a.Mechanism != MechXOAuth2 ||
		a.TokenURL != "https://login.microsoftonline.com/kombit.dk/oauth2/v2.0/token" ||
		a.DeviceAuthURL != "https://login.microsoftonline.com/kombit.dk/oauth2/v2.0/devicecode" {
		t.Errorf("imap auth = %+v", a)
	}
	if !slices.Equal(a.Scopes, []string{"https://outlook.office365.com/IMAP.AccessAsUser.All", "offline_access"}) {
		t.Errorf("imap scopes = %v", a.Scopes)
	}
	if s := m.SMTP.Auth.Scopes; !slices.Equal(s, []string{"https://outlook.office365.com/SMTP.Send", "offline_access"}) {
		t.Errorf("smtp scopes = %v", s)
	}
	if a.User != "dialogmoeder@kombit.test" {
		t.Errorf("user = %q, want the server's user", a.User)
	}
	if want := filepath.Join("..", "data", "oauth-token.json"); a.TokenFile != want {
		t.Errorf("token file = %q, want %q beside the store", a.TokenFile, want)
	}
}

func TestOAuth2Variants(t *testing.T) {
	t.Run("microsoft app-only", func(t *testing.T) {
		cfg := parseEdited(t, [2]string{imapPassword, "    auth:\n      method: oauth2\n      provider: microsoft\n" +
			"      tenant: t-1\n      client_id: app\n      client_secret_env: SECRET\n      grant: client_credentials\n"})
		a := cfg.Mail.IMAP.Auth
		if !slices.Equal(a.Scopes, []string{"https://outlook.office365.com/.default"}) || a.TokenFile != "" {
			t.Errorf("auth = %+v", a)
		}
	})
	t.Run("google", func(t *testing.T) {
		cfg := parseEdited(t, [2]string{mailStart, mailStart + "  provider: google\n"},
			[2]string{smtpBlock, ""}, [2]string{imapBlock, ""},
			[2]string{imapPassword, "    auth:\n      method: oauth2\n      client_id: g\n      client_secret_file: g.secret\n" +
				"      token_file: tok.json\n"})
		a := cfg.Mail.IMAP.Auth
		if cfg.Mail.IMAP.Addr() != "imap.gmail.com:993" || cfg.Mail.SMTP.Addr() != "smtp.gmail.com:587" {
			t.Errorf("servers %s %s", cfg.Mail.IMAP.Addr(), cfg.Mail.SMTP.Addr())
		}
		if a.Provider != ProviderGoogle || a.TokenURL != "https://oauth2.googleapis.com/token" ||
			!slices.Equal(a.Scopes, []string{"https://mail.google.com/"}) || a.Grant != GrantRefreshToken {
			t.Errorf("auth = %+v", a)
		}
		if a.ClientSecretFile != filepath.Join("..", "g.secret") || a.TokenFile != filepath.Join("..", "tok.json") {
			t.Errorf("paths not relative to the config: %q %q", a.ClientSecretFile, a.TokenFile)
		}
	})
	t.Run("generic", func(t *testing.T) {
		cfg := parseEdited(t, [2]string{smtpPassword, "    auth:\n      method: oauth2\n      provider: generic\n" +
			"      token_url: http://127.0.0.1:9999/token\n      client_id: rsvpd\n      client_secret_env: S\n" +
			"      scopes: [mail, submit]\n      grant: client_credentials\n      mechanism: oauthbearer\n      user: other@kombit.test\n"})
		a := cfg.Mail.SMTP.Auth
		if a.Mechanism != MechOAuthBearer || a.User != "other@kombit.test" || !slices.Equal(a.Scopes, []string{"mail", "submit"}) {
			t.Errorf("auth = %+v", a)
		}
	})
}

// Every mistake in an auth block is named by its key.
func TestOAuth2Mistakes(t *testing.T) {
	tests := []struct {
		name, block, want string
	}{
		{"unknown method", "      method: kerberos\n", "mail.imap.auth.method: \"kerberos\" is not a sign-in method"},
		{"no provider", "      method: oauth2\n      client_id: x\n", "mail.imap.auth.provider: required with method oauth2"},
		{"no client id", "      method: oauth2\n      provider: google\n", "mail.imap.auth.client_id: required"},
		{"no tenant", "      method: oauth2\n      provider: microsoft\n      client_id: x\n", "mail.imap.auth.tenant: required for provider microsoft"},
		{"generic without url", "      method: oauth2\n      provider: generic\n      client_id: x\n      grant: refresh_token\n",
			"mail.imap.auth.token_url: required for provider generic"},
		{"generic without grant", "      method: oauth2\n      provider: generic\n      client_id: x\n      token_url: https://a.test/t\n",
			"mail.imap.auth.grant: required for provider generic"},
		{"plain http", "      method: oauth2\n      provider: generic\n      client_id: x\n      grant: refresh_token\n      token_url: http://login.example.org/t\n",
			"mail.imap.auth.token_url: \"http://login.example.org/t\": a token endpoint must use https"},
		{"plain http to a name that starts like loopback", "      method: oauth2\n      provider: generic\n      client_id: x\n      grant: refresh_token\n      token_url: http://127.evil.example/t\n",
			"mail.imap.auth.token_url: \"http://127.evil.example/t\": a token endpoint must use https"},
		{"client credentials without secret", "      method: oauth2\n      provider: microsoft\n      tenant: t\n      client_id: x\n      grant: client_credentials\n",
			"mail.imap.auth.client_secret_env: the client_credentials grant needs the client secret"},
		{"google app-only", "      method: oauth2\n      provider: google\n      client_id: x\n      client_secret_env: S\n      grant: client_credentials\n",
			"mail.imap.auth.grant: Google signs in to Gmail only with a user's refresh token"},
		{"two secrets", "      method: oauth2\n      provider: google\n      client_id: x\n      client_secret_env: S\n      client_secret_file: f\n",
			"mail.imap.auth.client_secret_file: give the client secret either"},
		{"bad mechanism", "      method: oauth2\n      provider: google\n      client_id: x\n      mechanism: plain\n",
			"mail.imap.auth.mechanism: \"plain\" is not a SASL mechanism"},
		{"oauth key with password", "      client_id: x\n", "mail.imap.auth.client_id: only used with method: oauth2"},
		{"secret in the file", "      method: oauth2\n      provider: google\n      client_id: x\n      client_secret: hunter2\n",
			"mail.imap.auth.client_secret: unknown key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// A block that signs in with oauth2 replaces the password; one that does not keeps it.
			repl := "    auth:\n" + tt.block
			if !strings.Contains(tt.block, "oauth2") {
				repl = imapPassword + repl
			}
			errs := mistakes(t, [2]string{imapPassword, repl})
			if !strings.Contains(errs.Error(), tt.want) {
				t.Errorf("errors:\n%v\nwant one containing %q", errs, tt.want)
			}
		})
	}
	errs := mistakes(t, [2]string{"mail:\n", "mail:\n  provider: exchange\n"})
	if !strings.Contains(errs.Error(), `mail.provider: "exchange" is not a provider preset (google, microsoft365)`) {
		t.Errorf("errors: %v", errs)
	}
	errs = mistakes(t, [2]string{imapPassword, imapPassword + "    auth:\n      method: oauth2\n      provider: google\n      client_id: x\n"})
	if !strings.Contains(errs.Error(), "mail.imap.auth: signs in with oauth2: remove password_env") {
		t.Errorf("errors: %v", errs)
	}
	errs = mistakes(t, [2]string{"  reply_address: tokened\n", "  reply_address: none\n  dkim:\n    domain: kombit.test\n"})
	for _, want := range []string{`mail.reply_address: "none" is not a reply address kind`,
		"mail.dkim.selector: required when mail.dkim is set", "mail.dkim.key_file: required"} {
		if !strings.Contains(errs.Error(), want) {
			t.Errorf("errors:\n%v\nwant %q", errs, want)
		}
	}
}

// Without a port, a server gets the usual one for its TLS mode.
func TestPortFollowsTheTLSMode(t *testing.T) {
	cfg := parseEdited(t,
		[2]string{smtpBlock, "    host: localhost\n    tls: tls\n"},
		[2]string{imapBlock, "    host: localhost\n    tls: starttls\n"})
	if cfg.Mail.SMTP.Port != 465 || cfg.Mail.IMAP.Port != 143 {
		t.Errorf("SMTP with tls on %d, IMAP with starttls on %d; want 465 and 143", cfg.Mail.SMTP.Port, cfg.Mail.IMAP.Port)
	}
	cfg = parseEdited(t, [2]string{smtpBlock, "    host: localhost\n"}, [2]string{imapBlock, "    host: localhost\n"})
	if cfg.Mail.SMTP.Port != 587 || cfg.Mail.IMAP.Port != 993 {
		t.Errorf("the defaults give SMTP %d and IMAP %d; want 587 and 993", cfg.Mail.SMTP.Port, cfg.Mail.IMAP.Port)
	}
}
