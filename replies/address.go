package replies

import (
	"net/mail"
	"net/textproto"
	"strings"
	"unicode/utf8"

	"github.com/rsvpd/rsvpd/campaign"
)

// Addresses are read as RFC 5322 says, from the raw header: net/mail parses the address list
// and decodes RFC 2047 words only inside the display names it finds. Decoding first, as this
// package once did, let "=?UTF-8?B?<the director's address>?= <attacker@example.test>" read as
// the director, and a regular expression over the decoded text found addresses that stood
// only in a display name or a comment. No address here ever comes from a name, a comment or
// free text.

// maxAddressHeader bounds the part of an address header that is parsed: a From is a few
// dozen characters, and a To or Cc naming a few hundred people stays far below it.
const maxAddressHeader = 16 << 10

// maxRecipientText bounds all the recipient headers read together: a message may repeat To
// thousands of times, and the reply address is in the first few.
const maxRecipientText = 256 << 10

// addressParser parses address lists with the same charsets the rest of the reading knows
// (net/mail alone knows UTF-8, ISO-8859-1 and US-ASCII, and refuses the whole list for an
// encoded name in windows-1252).
var addressParser = &mail.AddressParser{WordDecoder: wordDecoder}

// sender is what the From header says: the one address it holds, or why there is none.
type sender struct {
	addr    string          // lower-case; "" when the From does not give exactly one address
	name    string          // the display name, RFC 2047 words decoded
	problem campaign.Reason // why addr is "", as a remark for the reason
}

// readFrom reads the From header: exactly one mailbox, parsed from the raw header. A From
// that is missing, given twice, does not parse, is a group or holds several mailboxes names
// no sender.
func readFrom(h textproto.MIMEHeader) sender {
	values := h.Values("From")
	switch {
	case len(values) == 0:
		return sender{problem: campaign.Reason{Code: campaign.NoteFromMissing}}
	case len(values) > 1:
		return sender{problem: campaign.Reason{Code: campaign.NoteFromSeveral, Count: len(values)}}
	}
	v := rawHeaderText(values[0])
	unparsable := sender{problem: campaign.Reason{Code: campaign.NoteFromUnparsable, Quote: clipUTF8(strings.TrimSpace(v), 80)}}
	switch {
	case strings.TrimSpace(v) == "":
		return sender{problem: campaign.Reason{Code: campaign.NoteFromMissing}}
	case len(v) > maxAddressHeader, hasGroup(v):
		return unparsable
	}
	list, err := parseAddressList(v)
	switch {
	case err != nil:
		return unparsable
	case len(list) != 1:
		return sender{problem: campaign.Reason{Code: campaign.NoteFromSeveral, Count: len(list)}}
	}
	a := list[0]
	if !strings.Contains(a.Address, "@") {
		return unparsable
	}
	return sender{addr: strings.ToLower(a.Address), name: strings.Join(strings.Fields(a.Name), " ")}
}

// unfoldHeader undoes a header's folding: it drops every line break.
var unfoldHeader = strings.NewReplacer("\r\n", "", "\n", "", "\r", "")

// rawHeaderText makes a raw header value readable by net/mail without decoding anything
// that could become an address: folding is undone, and 8-bit bytes that are not UTF-8 are
// read as Windows-1252 (whose characters above 0x7f are all letters and signs, never the
// "<", "@" or "," of an address).
func rawHeaderText(v string) string {
	if !utf8.ValidString(v) {
		v = fromLatin([]byte(v))
	}
	v = unfoldHeader.Replace(v)
	return strings.TrimSpace(v)
}

// parseAddressList parses an address list; when net/mail refuses it, one repair is tried for
// what real clients write: a single mailbox whose display name is not quoted though it holds
// a comma or another special ("Hansen, Anne <anne@vejle.test>"). The repair quotes the name
// and keeps the address between the angle brackets; it applies only when the name holds no
// "@", angle bracket, colon, semicolon or quote, so it never joins two mailboxes into one and
// never takes an address from a name.
func parseAddressList(v string) ([]*mail.Address, error) {
	list, err := addressParser.ParseList(v)
	if err == nil {
		return list, nil
	}
	lt := strings.LastIndexByte(v, '<')
	if lt <= 0 || !strings.HasSuffix(v, ">") {
		return nil, err
	}
	name := strings.TrimSpace(v[:lt])
	if name == "" || strings.ContainsAny(name, `@<>:;"\`) {
		return nil, err
	}
	a, err2 := addressParser.Parse(v[lt:])
	if err2 != nil {
		return nil, err
	}
	a.Name = decodeHeader(name)
	return []*mail.Address{a}, nil
}

// hasGroup says whether an address list uses group syntax ("friends: a@b, c@d;"): a colon
// outside quoted strings, comments, angle brackets and domain literals. A group names no
// single sender (RFC 6854 allows it in From only where there is none to name).
func hasGroup(v string) bool {
	found := false
	topLevel(v, func(i int) bool {
		found = v[i] == ':'
		return !found
	})
	return found
}

// topLevel calls at with the index of each byte of an address list that stands outside quoted
// strings, comments, domain literals and angle brackets, where RFC 5322 puts the list's own
// punctuation (the commas between addresses, a group's colon); at returns false to stop.
func topLevel(v string, at func(i int) bool) {
	quoted, comment, angle, literal := false, 0, false, false
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c == '\\' && (quoted || comment > 0 || literal):
			i++ // a quoted pair
		case quoted:
			quoted = c != '"'
		case comment > 0:
			switch c {
			case '(':
				comment++
			case ')':
				comment--
			}
		case literal:
			literal = c != ']'
		case c == '"':
			quoted = true
		case c == '(':
			comment = 1
		case c == '[':
			literal = true
		case c == '<':
			angle = true
		case c == '>':
			angle = false
		case !angle:
			if !at(i) {
				return
			}
		}
	}
}

// recipientHeaders are the fields that may name the address a reply was sent to: the
// tokened reply address is found in one of them.
var recipientHeaders = []string{"To", "Cc", "Delivered-To", "X-Original-To", "Envelope-To",
	"X-Envelope-To", "X-Delivered-To", "X-Rcpt-To", "Original-Recipient", "Resent-To"}

// readRecipients lists the addresses of the recipient headers, lower-case, each parsed from
// the raw header as an address list. A list that does not parse as a whole is read element
// by element (split at the commas outside quotes, comments and angle brackets), so that one
// broken element does not hide the others; an element that does not parse gives nothing.
func readRecipients(h textproto.MIMEHeader) []string {
	var out []string
	budget := maxRecipientText
	for _, k := range recipientHeaders {
		for _, v := range h.Values(k) {
			if budget <= 0 {
				return out
			}
			v = rawHeaderText(v)
			if len(v) > min(maxAddressHeader, budget) {
				v = v[:min(maxAddressHeader, budget)]
			}
			budget -= len(v)
			if k == "Original-Recipient" {
				// RFC 3798 and 3464 write it as "rfc822; addr".
				if _, addr, ok := strings.Cut(v, ";"); ok {
					v = strings.TrimSpace(addr)
				}
			}
			out = append(out, addressesOf(v)...)
		}
	}
	return out
}

// addressesOf returns the addresses of one address-list header value, lower-case.
func addressesOf(v string) []string {
	var out []string
	if list, err := parseAddressList(v); err == nil {
		for _, a := range list {
			out = append(out, strings.ToLower(a.Address))
		}
		return out
	}
	for _, elem := range splitAddressList(v) {
		if list, err := parseAddressList(elem); err == nil {
			for _, a := range list {
				out = append(out, strings.ToLower(a.Address))
			}
		}
	}
	return out
}

// splitAddressList cuts an address list at its top-level commas.
func splitAddressList(v string) []string {
	var out []string
	start := 0
	cut := func(end int) {
		if s := strings.TrimSpace(v[start:end]); s != "" {
			out = append(out, s)
		}
	}
	topLevel(v, func(i int) bool {
		if v[i] == ',' {
			cut(i)
			start = i + 1
		}
		return true
	})
	cut(len(v))
	return out
}
