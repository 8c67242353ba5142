package replies

import (
	"net/textproto"
	"strings"
	"testing"
	"time"

	"github.com/rsvpd/rsvpd/mailer/letters"
)

// The headers receiving servers write, as they write them.
const (
	arOpenDMARC = `mx.kombit.test; dmarc=pass (p=none dis=none) header.from=horsens.kommune.test`
	arOpenDKIM  = `mx.kombit.test; dkim=pass (2048-bit key; unprotected) header.d=horsens.kommune.test header.i=@horsens.kommune.test header.a=rsa-sha256 header.s=sel1 header.b=AbCdEfGh`
	arSPF       = `mx.kombit.test; spf=pass (mailfrom) smtp.mailfrom=bounces.horsens.kommune.test (client-ip=192.0.2.1; helo=mail.horsens.kommune.test; envelope-from=x@bounces.horsens.kommune.test; receiver=<UNKNOWN>)`
	arGoogle    = `mx.google.com;
       dkim=pass header.i=@horsens.kommune.test header.s=20230601 header.b=Xyz+ab/c=;
       spf=pass (google.com: domain of bibliotekschef@horsens.kommune.test designates 192.0.2.1 as permitted sender) smtp.mailfrom=bibliotekschef@horsens.kommune.test;
       dmarc=pass (p=NONE sp=NONE dis=NONE) header.from=horsens.kommune.test`
	arExchange = `spf=pass (sender IP is 192.0.2.1) smtp.mailfrom=horsens.kommune.test; dkim=pass (signature was verified) header.d=horsens.kommune.test;dmarc=pass action=none header.from=horsens.kommune.test;compauth=pass reason=100`
)

func TestParseAuthResults(t *testing.T) {
	ar := parseAuthResults(arGoogle)
	if ar.authservID != "mx.google.com" || len(ar.results) != 3 {
		t.Fatalf("parsed %+v", ar)
	}
	if r := ar.results[0]; r.method != "dkim" || r.result != "pass" || r.props["header.i"] != "@horsens.kommune.test" || r.props["header.s"] != "20230601" {
		t.Errorf("dkim read as %+v", r)
	}
	if r := ar.results[1]; r.method != "spf" || r.props["smtp.mailfrom"] != "bibliotekschef@horsens.kommune.test" {
		t.Errorf("spf read as %+v", r)
	}
	ex := parseAuthResults(arExchange)
	if ex.authservID != "" || len(ex.results) != 4 || ex.results[2].method != "dmarc" || ex.results[2].props["header.from"] != "horsens.kommune.test" {
		t.Errorf("Microsoft 365's header read as %+v", ex)
	}
	odd := parseAuthResults(`"mx.kombit.test" 1 (version one); (comment (nested; with = signs)) dkim/1 = pass reason="good (sig)" header.d="horsens.kommune.test"; none`)
	if odd.authservID != "mx.kombit.test" || len(odd.results) != 1 || odd.results[0].method != "dkim" ||
		odd.results[0].props["reason"] != "good (sig)" || odd.results[0].props["header.d"] != "horsens.kommune.test" {
		t.Errorf("comments, version and quoted values read as %+v", odd)
	}
	if none := parseAuthResults(`mx.kombit.test; none`); none.authservID != "mx.kombit.test" || len(none.results) != 0 {
		t.Errorf("none read as %+v", none)
	}
}

func TestSenderVerified(t *testing.T) {
	const from = "bibliotekschef@horsens.kommune.test"
	for _, c := range []struct {
		name    string
		id      string
		headers []string
		ok      bool
		why     string
	}{
		{"dmarc pass", "mx.kombit.test", []string{arOpenDMARC}, true, ""},
		{"dkim aligned", "mx.kombit.test", []string{arOpenDKIM}, true, ""},
		{"spf for a subdomain of the sender's is not aligned", "mx.kombit.test", []string{arSPF}, false, "spf=pass for bounces.horsens.kommune.test"},
		{"google", "mx.google.com", []string{arGoogle}, true, ""},
		{"exchange online", AuthServExchangeOnline, []string{arExchange}, true, ""},
		{"authserv-id compared without case", "MX.Kombit.Test", []string{arOpenDMARC}, true, ""},
		{"dmarc fail", "mx.kombit.test", []string{`mx.kombit.test; dmarc=fail (p=reject dis=none) header.from=horsens.kommune.test`}, false, "dmarc=fail"},
		{"dmarc pass for another From", "mx.kombit.test", []string{`mx.kombit.test; dmarc=pass header.from=example.test`}, false, "dmarc=pass"},
		{"dkim of another domain", "mx.kombit.test", []string{`mx.kombit.test; dkim=pass header.d=example.test`}, false, "dkim=pass for example.test"},
		{"lookalike domain", "mx.kombit.test", []string{`mx.kombit.test; dkim=pass header.d=kommune.test.example`}, false, "dkim=pass for kommune.test.example"},
		{"dkim of a parent domain", "mx.kombit.test", []string{`mx.kombit.test; dkim=pass header.d=kommune.test`}, true, ""},
		{"no header", "mx.kombit.test", nil, false, "mx.kombit.test wrote no Authentication-Results header"},
		{"another server's header", "mx.kombit.test", []string{`mx.example.test; dmarc=pass header.from=horsens.kommune.test`}, false, "mx.kombit.test wrote no Authentication-Results header"},
		{"a forged pass below the server's fail", "mx.kombit.test", []string{
			`mx.kombit.test; dmarc=fail header.from=horsens.kommune.test`,
			`mx.kombit.test; dmarc=pass header.from=horsens.kommune.test`}, false, "dmarc=fail"},
		{"a forged pass below Microsoft's fail", AuthServExchangeOnline, []string{
			`spf=fail (sender IP is 192.0.2.9) smtp.mailfrom=example.test; dkim=none (message not signed) header.d=none;dmarc=fail action=quarantine header.from=horsens.kommune.test;compauth=fail reason=000`,
			arExchange}, false, "dmarc=fail"},
		{"exchange online is not any header", AuthServExchangeOnline, []string{arOpenDMARC}, false, "Microsoft 365 wrote no Authentication-Results header"},
		{"none", "mx.kombit.test", []string{`mx.kombit.test; none`}, false, "found no DMARC, DKIM or SPF result"},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := textproto.MIMEHeader{"Authentication-Results": c.headers}
			ok, note := senderVerified(h, c.id, from)
			why := ""
			if !ok {
				why = letters.MustReasons(nil).Text("en", note)
			}
			if ok != c.ok || !strings.Contains(why, c.why) {
				t.Errorf("verified %v (%q), want %v (%q)", ok, why, c.ok, c.why)
			}
		})
	}
}

// TestParseAuthResultsLinear reads headers of a megabyte made to be slow: the parser reads
// a bounded prefix of each, in one pass.
func TestParseAuthResultsLinear(t *testing.T) {
	for _, v := range []string{
		strings.Repeat("(", 1<<20),
		"mx; " + strings.Repeat("dkim=pass ", 1<<17),
		"mx; " + strings.Repeat("a=", 1<<19),
		strings.Repeat(`"`, 1<<20),
		strings.Repeat("; x=y", 1<<18),
	} {
		start := time.Now()
		parseAuthResults(v)
		if d := time.Since(start); d > 200*time.Millisecond {
			t.Errorf("%q...: %v", v[:10], d)
		}
	}
}
