// Package config reads a campaign's YAML file into a validated campaign.Campaign plus the
// settings of the shell (mail servers, store, secrets, logging). It checks the file as strictly
// as a compiler would and reports every problem with file, line and key path, not only the first.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/rsvpd/rsvpd/campaign"
	"github.com/rsvpd/rsvpd/mailer"
	"github.com/rsvpd/rsvpd/schedules"
)

// Config is a loaded configuration file.
type Config struct {
	File     string // the file as named, for messages
	Dir      string // relative paths in the file are relative to this directory
	Campaign *campaign.Campaign
	Mail     Mail
	Store    Store
	Secret   Secret
	// Templates names a folder whose files replace the embedded templates of the same name;
	// "" uses the embedded ones only.
	Templates string
	HTTP      HTTP
	Web       Web
	Log       Log
}

// Mail holds the mail servers and how the daemon uses them.
type Mail struct {
	SMTP Server
	IMAP Server
	// Inbox is the IMAP mailbox the replies arrive in; Processed is where read replies are
	// moved (or flagged, when the server cannot move).
	Inbox     string
	Processed string
	// Concurrency is the number of SMTP connections; Rate the most messages per second
	// (0 = no limit).
	Concurrency int
	Rate        float64
	// MaxAutoPerDay caps automatic answers to one address per day (no mail loops).
	MaxAutoPerDay int
	// RetryFor is how long a temporary failure is retried before the message is failed.
	RetryFor time.Duration
	// Poll is the IMAP polling interval when the server has no IDLE.
	Poll time.Duration
	// Provider is the mail.provider preset ("", "microsoft365" or "google"): it set the
	// servers, the rate and the OAuth2 provider where the file left them out.
	Provider string
	// ReplyAddress is "tokened" (each invitee answers to local+token@domain, the default) or
	// "plain" (the organiser's own address, for a tenant without plus addressing: replies are
	// then matched by thread and sender).
	ReplyAddress string
	// DKIM signs outgoing mail when set (Domain != ""): for a relay that does not sign.
	DKIM DKIM
}

// Server is one mail server connection.
type Server struct {
	Host         string
	Port         int
	TLS          mailer.TLSMode
	User         string
	PasswordEnv  string
	PasswordFile string
	// Auth says how to sign in: with the password above (the default) or with OAuth2.
	Auth Auth
	// AuthServID (IMAP only) is the authserv-id of the Authentication-Results header the
	// campaign mailbox's receiving server writes; "exchange-online" names Microsoft 365's,
	// which has none; "" trusts no such header (replies.Options.AuthServID).
	AuthServID string
}

// Addr is host:port.
func (s Server) Addr() string { return fmt.Sprintf("%s:%d", s.Host, s.Port) }

// Password reads the password from its environment variable or file; "" when neither is set.
func (s Server) Password() (string, error) {
	return readSecret(s.PasswordEnv, s.PasswordFile)
}

// Store says where the state lives.
type Store struct {
	Path string
}

// Secret says where the campaign secret (for reply tokens and Message-IDs) comes from.
type Secret struct {
	Env  string
	File string
}

// HTTP is the address of the health and metrics endpoint ("" = off).
type HTTP struct {
	Address   string
	TokenEnv  string
	TokenFile string
}

// Token reads the bearer token from its environment variable or file; "" when neither is set.
func (h HTTP) Token() (string, error) {
	return readSecret(h.TokenEnv, h.TokenFile)
}

// Web configures the staff desk and the invitees' one-click answers, served on the HTTP
// listener beside /healthz and /metrics.
type Web struct {
	// Desk serves the staff desk (default on while http.address is set).
	Desk bool
	// PublicURL is where people reach the listener (https://rsvp.kombit.dk): the links in
	// sign-in letters and invitations start with it. Set, it also puts one-click answers in
	// the invitations; "" leaves them out and the desk's own links use http.address.
	PublicURL string
	// BehindTLSProxy says a reverse proxy in front terminates TLS: required (or TLSCertFile)
	// for a desk bound to anything but loopback.
	BehindTLSProxy bool
	// TLSCertFile and TLSKeyFile make the listener serve TLS itself.
	TLSCertFile, TLSKeyFile string
}

// TLS reports whether people reach the desk over TLS: served here, or by the proxy.
func (w Web) TLS() bool { return w.BehindTLSProxy || w.TLSCertFile != "" }

// Log configures logging.
type Log struct {
	Format string // "text" or "json"
	Level  string // "debug", "info", "warn", "error"
}

// Load reads and validates the configuration file at path. Relative paths inside it are
// relative to the file's directory. A file with problems returns Errors listing all of them.
func Load(path string) (*Config, error) {
	dir := filepath.Dir(path)
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	defer f.Close()
	data, err := readLimited(f, maxConfigFile)
	if errors.Is(err, errTooLarge) {
		return nil, fmt.Errorf("read config %s: larger than %s; a campaign's configuration is a few kilobytes", path, sizeName(maxConfigFile))
	}
	if err != nil {
		return nil, fmt.Errorf("read config %s: %w", path, err)
	}
	return Parse(data, path, os.DirFS(dir), dir)
}

// LoadFS reads a configuration from a file system (such as the embedded example); relative
// paths of files it names are read from fsys, paths it writes (the store) are relative to dir.
func LoadFS(fsys fs.FS, name, dir string) (*Config, error) {
	data, err := fs.ReadFile(fsys, name)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	return Parse(data, name, fsys, dir)
}

// Parse validates configuration data; file names it in messages, fsys holds the files it
// refers to (the invitee list), dir is where relative output paths point.
func Parse(data []byte, file string, fsys fs.FS, dir string) (*Config, error) {
	col := &collector{file: file, lines: map[string]int{}}
	if len(data) > maxConfigFile {
		col.add(0, "", "larger than %s; a campaign's configuration is a few kilobytes", sizeName(maxConfigFile))
		return nil, col.errs
	}
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			col.add(0, "", "the file is empty")
		} else {
			col.add(0, "", "not valid YAML: %v", err)
		}
		return nil, col.errs
	}
	root := node{c: col, n: &doc}
	if doc.Kind == yaml.DocumentNode && len(doc.Content) > 0 {
		root.n = doc.Content[0]
	}
	b := &builder{col: col, fsys: fsys, cfg: &Config{File: file, Dir: dir}}
	b.build(root)
	if errs := b.errs(); len(errs) > 0 {
		return nil, errs
	}
	b.cfg.Campaign.Index()
	// The schedule's own rules (a nudge before the invitations, a digest that never runs
	// before the deadline ...) need the whole campaign: check them once it is complete.
	var problems schedules.Problems
	if err := schedules.Validate(b.cfg.Campaign); errors.As(err, &problems) {
		for _, p := range problems {
			col.add(col.lineOf(p.Path), p.Path, "%s", p.Msg)
		}
		return nil, col.all()
	} else if err != nil {
		col.add(0, "schedule", "%v", err)
		return nil, col.errs
	}
	return b.cfg, nil
}

// Path resolves a path from the file against its directory.
func (c *Config) Path(p string) string {
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(c.Dir, p)
}
