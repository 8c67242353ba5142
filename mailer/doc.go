// Package mailer is rsvpd's mail, in and out, as three packages:
//
//   - letters: the letters and their templates, composed into RFC 5322 messages;
//   - outbox: the SMTP sender, which delivers the store's outbox rows one recipient per
//     message and records each outcome at once;
//   - inbox: the IMAP watcher, which reads replies into the store's inbound ledger.
//
// This package holds only what the outbox and the inbox share: how a connection to a mail
// server is secured (TLSMode, also the config's tls key; IsLoopback, the one rule for which
// hosts are this machine's own and may be spoken to in the clear) and how long to wait before
// trying again (Backoff).
package mailer
