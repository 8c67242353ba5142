// Command crashchild sends an outbox with outbox.Sender until it is empty, so that
// TestSenderSurvivesSIGKILL can kill it at random points and start it again.
//
//	crashchild -db FILE -smtp HOST:PORT [-connections N]
package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	netmail "net/mail"
	"os"
	"strconv"
	"time"

	"github.com/wneessen/go-mail"

	"github.com/rsvpd/rsvpd/mailer"
	"github.com/rsvpd/rsvpd/mailer/letters"
	"github.com/rsvpd/rsvpd/mailer/outbox"
	"github.com/rsvpd/rsvpd/store"
)

func main() {
	db := flag.String("db", "", "the store")
	addr := flag.String("smtp", "", "the SMTP server")
	conns := flag.Int("connections", 1, "SMTP connections")
	flag.Parse()
	if err := run(*db, *addr, *conns); err != nil {
		fmt.Fprintln(os.Stderr, "crashchild:", err)
		os.Exit(1)
	}
}

func run(db, addr string, conns int) error {
	ctx := context.Background()
	st, err := store.Open(ctx, db)
	if err != nil {
		return err
	}
	defer st.Close()
	host, portStr, err := net.SplitHostPort(addr)
	if err != nil {
		return err
	}
	port, _ := strconv.Atoi(portStr)
	s := outbox.New(st, renderer{}, outbox.Options{Host: host, Port: port, TLS: mailer.NoTLS,
		HELO: "crashchild.test", Concurrency: conns, Timeout: 5 * time.Second})
	return s.Drain(ctx)
}

// renderer writes a short letter naming the row, composed as the daemon composes.
type renderer struct{}

func (renderer) Render(_ context.Context, row store.Outgoing) (*mail.Msg, error) {
	return letters.Outgoing{
		From:          netmail.Address{Name: "KOMBIT", Address: "dialogmoeder@kombit.test"},
		To:            netmail.Address{Address: row.Recipient},
		Subject:       "Invitation til dialogmøde (" + row.Key + ")",
		Text:          "Kære bibliotekschef\n\nDette er invitationen " + row.Key + ".\n",
		MessageID:     row.MessageID,
		AutoSubmitted: "auto-generated",
		Date:          row.CreatedAt,
	}.Msg()
}
