package replies

import (
	"strings"
	"testing"
)

// TestHTMLToText checks HTML-only replies: the staff must see the answer, and the quoted
// invitation that web mail and Outlook put in the same HTML must be gone.
func TestHTMLToText(t *testing.T) {
	tests := []struct {
		name, html, want string
	}{
		{"paragraphs and breaks",
			`<html><head><style>p{margin:0}</style></head><body><p>Hej</p><p>Vi kommer to<br>til Vejle.</p></body></html>`,
			"Hej\n\nVi kommer to\ntil Vejle."},
		{"gmail quote dropped",
			`<div dir="ltr">Jeg deltager i Aalborg.</div><br><div class="gmail_quote"><div>Den man. 6. feb. 2012 skrev KOMBIT:</div><blockquote>Aalborg, Roskilde, Vejle</blockquote></div>`,
			"Jeg deltager i Aalborg."},
		{"outlook web quote dropped",
			`<div>Vi ses i Roskilde</div><hr><div id="divRplyFwdMsg"><b>Fra:</b> KOMBIT</div><div>Aalborg 28. februar</div>`,
			"Vi ses i Roskilde\n________________________________"},
		{"blockquote dropped, text after it kept",
			`<p>Svar:</p><blockquote type="cite">Hvor mange kommer I?</blockquote><p>Vi er tre.</p>`,
			"Svar:\n\nVi er tre."},
		{"entities and inline markup",
			`<p>Vi gl&aelig;der os &amp; kommer <b>gerne</b> til <i>&Aring;lborg</i>.</p>`,
			"Vi glæder os & kommer gerne til Ålborg."},
		{"lists",
			`<ul><li>Birgitte Holm</li><li>Hanne Holm</li></ul>`,
			"- Birgitte Holm\n- Hanne Holm"},
		{"a table's cells apart, its rows on lines",
			`<table><tr><td><b>Navn</b></td><td><b>Titel</b></td></tr><tr><td>Thomas Brix</td><td>Bibliotekschef</td></tr></table>`,
			"Navn\tTitel\nThomas Brix\tBibliotekschef"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := strings.TrimSpace(htmlToText(tt.html)); got != tt.want {
				t.Errorf("htmlToText() = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestDSNFields checks the RFC 3464 fields a bounce is read from: the failed recipients, not
// the delivered ones, and whether the failure is permanent.
func TestDSNFields(t *testing.T) {
	report := "Reporting-MTA: dns; mx.kommune.test\n\n" +
		"Final-Recipient: rfc822; Ok@Kommune.test\nAction: delivered\nStatus: 2.0.0\n\n" +
		"Final-Recipient: rfc822;bibliotekschef@laesoe.kommune.test\nAction: failed\nStatus: 5.1.1\n" +
		"Diagnostic-Code: smtp; 550 5.1.1 User unknown\n" +
		"Final-Recipient: rfc822; full@kommune.test\nAction: delayed\nStatus: 4.2.2\n"
	b := dsnFromGroups(parseDSNFields(report))
	if got := strings.Join(b.Recipients, ","); got != "bibliotekschef@laesoe.kommune.test,full@kommune.test" {
		t.Errorf("recipients = %s", got)
	}
	if !b.Permanent || b.Status != "5.1.1" {
		t.Errorf("permanent %v status %q, want true 5.1.1 (the first failure decides)", b.Permanent, b.Status)
	}
	delayed := dsnFromGroups(parseDSNFields("Final-Recipient: rfc822; a@b.test\nAction: delayed\nStatus: 4.4.7\n"))
	if delayed.Permanent || delayed.Status != "4.4.7" {
		t.Errorf("a delay read as permanent=%v status %q", delayed.Permanent, delayed.Status)
	}
}
