package replies

import (
	"net/textproto"
	"slices"
	"strings"

	"github.com/rsvpd/rsvpd/campaign"
)

// Anyone can write a director's address into From. The server that receives the campaign's
// mail checks the sender (SPF, DKIM, DMARC) and writes what it found into an
// Authentication-Results header (RFC 8601) at the top of the message: Microsoft 365, Google
// and Postfix with OpenDMARC do. A reply tied to its invitee by the sender's address alone is
// decided only when that header, from the configured server, shows the address verified.

// AuthServExchangeOnline is the Options.AuthServID that names Microsoft 365's header, which
// carries no authserv-id: "Authentication-Results: spf=pass (sender IP is ...)
// smtp.mailfrom=...; dkim=pass ... header.d=...;dmarc=pass action=none header.from=...".
const AuthServExchangeOnline = "exchange-online"

// Bounds on reading the header: the receiving server's own header is a few hundred bytes
// with a handful of results; whatever a sender wrote beyond that is not read.
const (
	maxAuthResHeader  = 8 << 10 // bytes of one header value
	maxAuthResHeaders = 100     // headers looked at, from the top
	maxAuthResults    = 64      // results of one header
)

// authResult is one method's result: "dkim=pass header.d=vejle.test".
type authResult struct {
	method string            // "dmarc", "dkim", "spf", ... lower-case, without a version
	result string            // "pass", "fail", "none", ... lower-case
	props  map[string]string // "header.d", "smtp.mailfrom", ...: lower-case keys and values
}

// authResults is one parsed Authentication-Results header.
type authResults struct {
	authservID string // "" for Microsoft 365's header, which has none
	results    []authResult
}

// parseAuthResults parses one header value after RFC 8601: an authserv-id (unless the
// header starts with a result, as Microsoft 365 writes it), an optional version, then
// results separated by ";", each "method[/version]=result" followed by "reason=value" and
// "ptype.property=value" pairs; comments and folding white space anywhere, values as tokens
// or quoted strings. It is linear in the value, and lenient: a pair it cannot read is
// skipped, never guessed.
func parseAuthResults(v string) authResults {
	if len(v) > maxAuthResHeader {
		v = v[:maxAuthResHeader]
	}
	var out authResults
	segments := splitSegments(authTokens(v))
	for i, seg := range segments {
		if i == 0 && !hasEquals(seg) {
			// authserv-id [version]
			for _, t := range seg {
				if t.kind == tokWord {
					out.authservID = strings.ToLower(t.text)
					break
				}
			}
			continue
		}
		if len(out.results) >= maxAuthResults {
			break
		}
		if r, ok := readResinfo(seg); ok {
			out.results = append(out.results, r)
		}
	}
	return out
}

type authTokenKind byte

const (
	tokSpace authTokenKind = iota // white space or a comment
	tokSemi
	tokEquals
	tokWord // an atom or a quoted string
)

type authToken struct {
	kind authTokenKind
	text string
}

// authTokens cuts a header value into words, "=", ";" and white space (comments count as
// white space, nested ones too).
func authTokens(v string) []authToken {
	var out []authToken
	space := func() {
		if len(out) == 0 || out[len(out)-1].kind != tokSpace {
			out = append(out, authToken{kind: tokSpace})
		}
	}
	for i := 0; i < len(v); {
		c := v[i]
		switch {
		case c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == ')':
			space()
			i++
		case c == '(':
			depth := 0
			for ; i < len(v); i++ {
				if v[i] == '\\' {
					i++
					continue
				}
				if v[i] == '(' {
					depth++
				} else if v[i] == ')' {
					if depth--; depth == 0 {
						i++
						break
					}
				}
			}
			space()
		case c == ';':
			out = append(out, authToken{kind: tokSemi})
			i++
		case c == '=':
			out = append(out, authToken{kind: tokEquals})
			i++
		case c == '"':
			var b strings.Builder
			for i++; i < len(v) && v[i] != '"'; i++ {
				if v[i] == '\\' && i+1 < len(v) {
					i++
				}
				b.WriteByte(v[i])
			}
			i++
			out = append(out, authToken{kind: tokWord, text: b.String()})
		default:
			j := i
			for j < len(v) && !strings.ContainsRune(" \t\r\n()\";=", rune(v[j])) {
				j++
			}
			out = append(out, authToken{kind: tokWord, text: v[i:j]})
			i = j
		}
	}
	return out
}

// splitSegments cuts the tokens at ";".
func splitSegments(toks []authToken) [][]authToken {
	var out [][]authToken
	start := 0
	for i, t := range toks {
		if t.kind == tokSemi {
			out = append(out, toks[start:i])
			start = i + 1
		}
	}
	return append(out, toks[start:])
}

func hasEquals(seg []authToken) bool {
	for _, t := range seg {
		if t.kind == tokEquals {
			return true
		}
	}
	return false
}

// readResinfo reads one result: its first pair is method=result, the others are its
// properties. A word that is not part of a pair ("none") is ignored.
func readResinfo(seg []authToken) (authResult, bool) {
	var r authResult
	first := true
	for i := 0; i < len(seg); i++ {
		if seg[i].kind != tokWord {
			continue
		}
		eq := nextToken(seg, i+1)
		if eq < 0 || seg[eq].kind != tokEquals {
			continue
		}
		val := nextToken(seg, eq+1)
		if val < 0 || seg[val].kind != tokWord {
			i = eq
			continue
		}
		key, value := strings.ToLower(seg[i].text), strings.ToLower(seg[val].text)
		i = val
		if first {
			first = false
			if strings.Contains(key, ".") {
				return r, false // a property where the method should be
			}
			method, _, _ := strings.Cut(key, "/")
			r.method, r.result, r.props = strings.TrimSpace(method), value, map[string]string{}
			continue
		}
		if _, seen := r.props[key]; !seen && len(r.props) < 16 {
			r.props[key] = value
		}
	}
	return r, !first
}

// nextToken is the index of the first token at or after i that is not white space, or -1.
func nextToken(seg []authToken, i int) int {
	for ; i < len(seg); i++ {
		if seg[i].kind != tokSpace {
			return i
		}
	}
	return -1
}

// trustedAuthResults returns the topmost Authentication-Results header written by the
// server named authservID: a receiving server adds its own above the others, and anything
// below it may have been written by the sender.
func trustedAuthResults(h textproto.MIMEHeader, authservID string) (authResults, bool) {
	values := h.Values("Authentication-Results")
	for i, v := range values {
		if i >= maxAuthResHeaders {
			break
		}
		ar := parseAuthResults(v)
		if authservID == AuthServExchangeOnline && ar.authservID == "" && len(ar.results) > 0 {
			return ar, true
		}
		if authservID != AuthServExchangeOnline && ar.authservID == strings.ToLower(authservID) {
			return ar, true
		}
	}
	return authResults{}, false
}

// senderVerified says whether the trusted Authentication-Results show the From address's
// domain verified: DMARC passed for it, or else a DKIM signature of that domain or a parent
// of it passed, or else SPF passed for a return path in that domain or a parent of it. When
// not, why says what the header showed, for the review reason.
func senderVerified(h textproto.MIMEHeader, authservID, from string) (ok bool, why campaign.Reason) {
	server := authservID
	if authservID == AuthServExchangeOnline {
		server = "Microsoft 365"
	}
	why = campaign.Reason{Code: campaign.NoteUnverified, Address: server}
	ar, found := trustedAuthResults(h, authservID)
	if !found {
		return false, why // no header from the server
	}
	why.Flag = true
	_, domain, _ := strings.Cut(from, "@")
	var seen []string
	for _, r := range ar.results {
		switch r.method {
		case "dmarc":
			hf := r.props["header.from"]
			if r.result == "pass" && (hf == "" || hf == domain) {
				return true, campaign.Reason{}
			}
			seen = append(seen, "dmarc="+r.result)
		case "dkim":
			d := r.props["header.d"]
			if d == "" {
				_, d, _ = strings.Cut(r.props["header.i"], "@")
			}
			if r.result == "pass" && aligned(domain, d) {
				return true, campaign.Reason{}
			}
			seen = append(seen, "dkim="+r.result+forDomain(r.result, d))
		case "spf":
			mf := r.props["smtp.mailfrom"]
			if i := strings.LastIndexByte(mf, '@'); i >= 0 {
				mf = mf[i+1:]
			}
			if r.result == "pass" && aligned(domain, mf) {
				return true, campaign.Reason{}
			}
			seen = append(seen, "spf="+r.result+forDomain(r.result, mf))
		}
	}
	// DMARC's verdict first: it is the one that speaks of the From address.
	slices.SortStableFunc(seen, func(a, b string) int { return methodRank(a) - methodRank(b) })
	if len(seen) > 4 {
		seen = append(seen[:4], "...")
	}
	why.Detail = strings.Join(seen, ", ") // "" when the server found no result at all
	return false, why
}

func methodRank(result string) int {
	switch {
	case strings.HasPrefix(result, "dmarc="):
		return 0
	case strings.HasPrefix(result, "dkim="):
		return 1
	}
	return 2
}

// forDomain names the domain a passing check was for, when it is not the sender's.
func forDomain(result, d string) string {
	if result != "pass" {
		return ""
	}
	if d == "" {
		return " for no domain"
	}
	return " for " + d
}

// aligned says whether the verified domain d is the From domain or a parent of it.
func aligned(from, d string) bool {
	d = strings.TrimSuffix(strings.TrimSpace(d), ".")
	from = strings.TrimSuffix(from, ".")
	if d == "" || from == "" {
		return false
	}
	return from == d || strings.HasSuffix(from, "."+d)
}
