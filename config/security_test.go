package config

import (
	"strings"
	"testing"
)

// A value that reaches a mail header (a subject, a From name, an address, a calendar
// participant) must not carry CR or LF: "KOMBIT\r\nBcc: x@evil.test" would add a header to
// every letter. Such a value is refused when the configuration is checked, with its key.
func TestLineBreaksInHeaderValuesAreRefused(t *testing.T) {
	tests := []struct {
		name string
		edit [2]string
		want string
	}{
		{"campaign title with CRLF", [2]string{"  title: Dialogmøde om det nye fælles bibliotekssystem",
			`  title: "Dialogmøde\r\nBcc: x@evil.test"`}, "campaign.title: control character '\\r'"},
		{"campaign title with LF only", [2]string{"  title: Dialogmøde om det nye fælles bibliotekssystem",
			`  title: "Dialogmøde\nBcc: x@evil.test"`}, "campaign.title: control character '\\n'"},
		{"organiser address", [2]string{"  email: dialogmoeder@kombit.test\n  # Staff",
			"  email: \"dialogmoeder@kombit.test\\r\\nBcc: x@evil.test\"\n  # Staff"}, "organiser.email: control character"},
		{"staff address", [2]string{"    - staff@kombit.test", `    - "staff@kombit.test\r\nBcc: x@evil.test"`}, "organiser.staff[0]: control character"},
		{"contact name", [2]string{`    name: Mette Lund`, `    name: "Jens\r\nBcc: x@evil.test"`}, "organiser.contact.name: control character"},
		{"meeting venue", [2]string{"    venue: Aalborg Bibliotekerne", `    venue: "Aalborg\r\nX-Evil: 1"`}, "meetings[0].venue: control character"},
		{"agreement title", [2]string{"  title: Tilslutningsaftale om", `  title: "Tilslutningsaftale\r\nX-Evil: 1" #`}, "agreement.title: control character"},
		{"SMTP user", [2]string{"    user: dialogmoeder@kombit.test\n    password_env: RSVPD_SMTP_PASSWORD",
			"    user: \"dialogmoeder@kombit.test\\r\\nAUTH\"\n    password_env: RSVPD_SMTP_PASSWORD"}, "mail.smtp.user: control character"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			text := mistakes(t, tt.edit).Error()
			if !strings.Contains(text, tt.want) {
				t.Errorf("want %q in:\n%s", tt.want, text)
			}
		})
	}
}

// The same for the invitee list: a name, formal name or contact with CR or LF (a quoted CSV
// field may hold them) is refused with its file and line.
func TestLineBreaksInInviteeNamesAreRefused(t *testing.T) {
	csv := "code,name,formal_name,contact,email,population_2012q1\r\n" +
		"101,København,Københavns Kommune,Jens Hansen,a@x.test,549050\r\n" +
		"147,\"Frederiksberg\r\nBcc: x@evil.test\",Frederiksberg Kommune,,b@x.test,100215\r\n" +
		"151,Ballerup,\"Ballerup\rKommune\",,c@x.test,47994\r\n" +
		"153,Brøndby,Brøndby Kommune,\"Anne\nX-Evil: 1\",d@x.test,34084\r\n" +
		"155,Dragør,Dragør Kommune,,\"e@x.test\r\nBcc: x@evil.test\",13000\r\n"
	err := parseWithList(t, csv)
	if err == nil {
		t.Fatal("an invitee list with line breaks in names was accepted")
	}
	text := err.Error()
	for _, w := range []string{
		// encoding/csv reads CRLF inside a quoted field as LF.
		`inv.csv:3: invitees[1].name: control character '\n'`,
		`inv.csv:5: invitees[2].formal_name: control character '\r'`,
		`inv.csv:6: invitees[3].contact: control character '\n'`,
		`inv.csv:8: invitees[4].email: "e@x.test\nBcc: x@evil.test" is not a valid e-mail address`,
	} {
		if !strings.Contains(text, w) {
			t.Errorf("want %q in:\n%s", w, text)
		}
	}
	if strings.Contains(text, "invitees[0]") {
		t.Errorf("the clean row was reported:\n%s", text)
	}
}
