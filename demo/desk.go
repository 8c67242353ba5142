package demo

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/rsvpd/rsvpd/campaign"
	"github.com/rsvpd/rsvpd/daemon"
	"github.com/rsvpd/rsvpd/desk"
)

// deskServer is the staff desk and the one-click answers on loopback, for a demo that keeps
// running.
type deskServer struct {
	d   *desk.Server
	srv *http.Server
	url string
}

// startDesk serves the desk when the demo keeps running: up before the invitations go out,
// so that they carry working one-click links.
func (r *run) startDesk(signer *campaign.Signer) error {
	if !r.o.KeepRunning {
		return nil
	}
	d, err := startDeskServer(r.engine, signer, r.o.HTTPAddr, r.log)
	if err != nil {
		return err
	}
	r.desk, r.res.Servers.Desk = d, d.url
	return nil
}

// startDeskServer serves the desk on addr (a free port on 127.0.0.1 when ""), and points the
// engine's letters at it: the invitations' one-click links and the staff letters' links.
func startDeskServer(e *daemon.Engine, signer *campaign.Signer, addr string, log *slog.Logger) (*deskServer, error) {
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("demo: the staff desk: %w", err)
	}
	url := "http://" + ln.Addr().String()
	e.SetWebURLs(url, url)
	d, err := desk.New(desk.Options{Engine: e, Signer: signer, BaseURL: url, OneClick: true, Mailer: e, Log: log})
	if err != nil {
		ln.Close()
		return nil, fmt.Errorf("demo: %w", err)
	}
	ds := &deskServer{d: d, url: url, srv: &http.Server{Handler: d.Handler(), ReadHeaderTimeout: 5 * time.Second}}
	go ds.srv.Serve(ln)
	return ds, nil
}

func (ds *deskServer) close() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	ds.srv.Shutdown(ctx)
}
