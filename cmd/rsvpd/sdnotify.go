package main

import (
	"net"
	"os"
)

// sdNotify tells the service manager how rsvpd run is doing, when it started us with a
// notification socket (systemd's Type=notify, sd_notify(3)): "READY=1" once the signals are
// handled, the store is open and the loops start, so that `systemctl start` returns when the
// daemon works and a SIGTERM sent after that is always a clean stop; "STOPPING=1" when it
// stops. Without NOTIFY_SOCKET it does nothing.
func sdNotify(state string) error {
	addr := os.Getenv("NOTIFY_SOCKET")
	if addr == "" {
		return nil
	}
	// An address starting with @ is in Linux's abstract namespace; package net reads it so.
	c, err := net.DialUnix("unixgram", nil, &net.UnixAddr{Name: addr, Net: "unixgram"})
	if err != nil {
		return err
	}
	defer c.Close()
	_, err = c.Write([]byte(state))
	return err
}
