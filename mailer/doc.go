// Package mailer is rsvpd's mail, in and out, as three packages:
//
//   - letters: the letters and their templates, composed into RFC 5322 messages;
//   - outbox: the SMTP sender, which delivers the store's outbox rows one recipient per
//     message and records each outcome at once;
//   - inbox: the IMAP watcher, which reads replies into the store's inbound ledger.
//
// This package holds only what outbox and inbox share.
package mailer
