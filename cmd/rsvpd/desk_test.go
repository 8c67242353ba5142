package main

import (
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rsvpd/rsvpd"
	"github.com/rsvpd/rsvpd/clock"
	"github.com/rsvpd/rsvpd/config"
	"github.com/rsvpd/rsvpd/daemon"
)

// Bound to anything but loopback, the desk refuses to start without TLS or the explicit
// "behind a TLS proxy" setting, and says what to do.
func TestDeskNeedsTLSOffLoopback(t *testing.T) {
	t.Setenv("RSVPD_SECRET", "desk-test-secret")
	dir := t.TempDir()
	cfg, err := config.LoadFS(rsvpd.ExampleFS(), rsvpd.ExampleConfig, dir)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Store.Path = filepath.Join(dir, "rsvpd.db")
	e, err := daemon.Open(context.Background(), cfg, clock.Real(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	log := slog.New(slog.DiscardHandler)
	for _, tt := range []struct {
		addr  string
		proxy bool
		cert  string
		ok    bool
	}{
		{"127.0.0.1:9180", false, "", true},
		{"[::1]:9180", false, "", true},
		{"localhost:9180", false, "", true},
		{"0.0.0.0:9180", false, "", false},
		{":9180", false, "", false},
		{"192.0.2.10:9180", false, "", false},
		{"0.0.0.0:9180", true, "", true},
		{"0.0.0.0:9180", false, "cert.pem", true},
	} {
		cfg.HTTP.Address = tt.addr
		cfg.Web.BehindTLSProxy, cfg.Web.TLSCertFile, cfg.Web.TLSKeyFile = tt.proxy, tt.cert, tt.cert
		cfg.Web.PublicURL = ""
		if tt.proxy || tt.cert != "" {
			cfg.Web.PublicURL = "https://rsvp.kombit.test"
		}
		h, err := setupDesk(cfg, e, log)
		if tt.ok && (err != nil || h == nil) {
			t.Errorf("%s (proxy %v, cert %q): %v", tt.addr, tt.proxy, tt.cert, err)
		}
		if !tt.ok && (err == nil || !strings.Contains(err.Error(), "web.behind_tls_proxy")) {
			t.Errorf("%s without TLS: %v, want a refusal naming web.behind_tls_proxy", tt.addr, err)
		}
	}
	cfg.Web.Desk = false
	cfg.HTTP.Address = "0.0.0.0:9180"
	if h, err := setupDesk(cfg, e, log); h != nil || err != nil {
		t.Errorf("web.desk false: %v %v", h, err)
	}
}
