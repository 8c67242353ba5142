// Command serve runs the test OAuth2 server of package oauthserver for shell scripts and by
// hand, on 127.0.0.1 only:
//
//	go run ./mailtest/oauthserver/serve [-port N] [-lifetime 5s] [-rotate] [-client ID:SECRET:USER]...
//
// It prints OAUTH_URL, OAUTH_TOKEN_URL, OAUTH_INTROSPECT_URL and OAUTH_DEVICE_URL lines, then
// serves until killed. Steer it with POST requests to OAUTH_URL/admin/lifetime?seconds=N,
// /admin/client?id=&secret=&user=, /admin/refresh_token?client_id=&user= (answers a new refresh
// token) and /admin/revoke_user?user=; approve a device sign-in at
// OAUTH_URL/device/verify?user_code=CODE&user=MAILBOX.
package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/rsvpd/rsvpd/mailtest/oauthserver"
)

type clients []string

func (c *clients) String() string     { return strings.Join(*c, ",") }
func (c *clients) Set(v string) error { *c = append(*c, v); return nil }

func main() {
	port := flag.Int("port", 0, "port on 127.0.0.1 (0: a free one)")
	lifetime := flag.Duration("lifetime", time.Hour, "lifetime of access tokens")
	rotate := flag.Bool("rotate", false, "issue a new refresh token on every refresh")
	var cs clients
	flag.Var(&cs, "client", "a client as `ID:SECRET:USER` (repeatable; empty SECRET: a public client)")
	flag.Parse()
	ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", *port))
	if err != nil {
		fmt.Fprintln(os.Stderr, "serve:", err)
		os.Exit(1)
	}
	s := oauthserver.Serve(ln, oauthserver.Options{Lifetime: *lifetime, RotateRefreshTokens: *rotate})
	for _, c := range cs {
		parts := strings.SplitN(c, ":", 3)
		if len(parts) != 3 {
			fmt.Fprintf(os.Stderr, "serve: -client %q: want ID:SECRET:USER\n", c)
			os.Exit(2)
		}
		s.AddClient(parts[0], parts[1], parts[2])
	}
	fmt.Printf("OAUTH_URL=%s\nOAUTH_TOKEN_URL=%s\nOAUTH_INTROSPECT_URL=%s\nOAUTH_DEVICE_URL=%s\n",
		s.URL, s.TokenURL(), s.IntrospectURL(), s.DeviceAuthURL())
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	<-ctx.Done()
	s.Close()
}
