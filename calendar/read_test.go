package calendar

import (
	"strings"
	"testing"
	"time"
)

// outlookReply is how Outlook 2010 answers an invitation: CRLF, folded lines, a Windows time
// zone name and "MAILTO:" in capitals.
const outlookReply = "BEGIN:VCALENDAR\r\n" +
	"METHOD:REPLY\r\n" +
	"PRODID:Microsoft Exchange Server 2010\r\n" +
	"VERSION:2.0\r\n" +
	"BEGIN:VTIMEZONE\r\n" +
	"TZID:Romance Standard Time\r\n" +
	"BEGIN:STANDARD\r\n" +
	"DTSTART:16010101T030000\r\n" +
	"END:STANDARD\r\n" +
	"END:VTIMEZONE\r\n" +
	"BEGIN:VEVENT\r\n" +
	"ATTENDEE;PARTSTAT=ACCEPTED;CN=Birgitte Holm:MAILTO:Bibliotekschef@Horsens.Kommune.\r\n" +
	" test\r\n" +
	"COMMENT;LANGUAGE=da-DK:Vi glæder os.\r\n" +
	"SUMMARY;LANGUAGE=da-DK:Accepteret: Dialogmøde Vejle\r\n" +
	"DTSTART;TZID=Romance Standard Time:20120306T100000\r\n" +
	"UID:rsvpd-vejle-615@kombit.test\r\n" +
	"ORGANIZER:MAILTO:dialogmoeder@kombit.test\r\n" +
	"SEQUENCE:2\r\n" +
	"BEGIN:VALARM\r\n" +
	"ACTION:DISPLAY\r\n" +
	"END:VALARM\r\n" +
	"END:VEVENT\r\n" +
	"END:VCALENDAR\r\n"

func TestReadIncoming(t *testing.T) {
	tests := []struct {
		name     string
		data     string
		method   string
		uid      string
		seq      int
		attendee string
		partstat string
		start    time.Time
	}{
		{
			name: "outlook reply with windows zone", data: outlookReply,
			method: "REPLY", uid: "rsvpd-vejle-615@kombit.test", seq: 2,
			attendee: "bibliotekschef@horsens.kommune.test", partstat: "ACCEPTED",
		},
		{
			name: "lower-case names, trailing spaces, data after the end",
			data: "begin:vcalendar\nmethod:reply \nbegin:vevent\nuid:abc \n" +
				"attendee;partstat=declined;cn=\"Holm, Birgitte\":mailto:b@x.test  \n" +
				"dtstart:20120228T090000Z\nend:vevent\nend:vcalendar\n\n-- \nsignature\nBEGIN:VCALENDAR\nMETHOD:CANCEL\n",
			method: "REPLY", uid: "abc", attendee: "b@x.test", partstat: "DECLINED",
			start: time.Date(2012, 2, 28, 9, 0, 0, 0, time.UTC),
		},
		{
			name: "a stray quote inside CN keeps the answer",
			data: "BEGIN:VCALENDAR\nMETHOD:REPLY\nBEGIN:VEVENT\nUID:u1\n" +
				"ATTENDEE;CN=Jens \"JJ\" Jensen;PARTSTAT=TENTATIVE:mailto:jj@x.test\nEND:VEVENT\nEND:VCALENDAR\n",
			method: "REPLY", uid: "u1", attendee: "jj@x.test", partstat: "TENTATIVE",
		},
		{
			name: "request names no partstat",
			data: "BEGIN:VCALENDAR\nMETHOD:REQUEST\nBEGIN:VTODO\nUID:t1\nSEQUENCE:x\n" +
				"ATTENDEE:mailto:a@x.test\nDTSTART;TZID=Europe/Copenhagen:20120301T100000\nEND:VTODO\nEND:VCALENDAR",
			method: "REQUEST", uid: "t1", attendee: "a@x.test", partstat: "NEEDS-ACTION",
			start: time.Date(2012, 3, 1, 9, 0, 0, 0, time.UTC),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in, err := ReadIncoming([]byte(tt.data))
			if err != nil {
				t.Fatalf("ReadIncoming: %v", err)
			}
			if in.Method != tt.method || in.UID != tt.uid || in.Sequence != tt.seq {
				t.Errorf("got method %q uid %q seq %d, want %q %q %d", in.Method, in.UID, in.Sequence, tt.method, tt.uid, tt.seq)
			}
			a, ok := in.Answer("")
			if !ok || a.Address != tt.attendee || a.PartStat != tt.partstat {
				t.Errorf("answer = %+v, %v; want %s %s", a, ok, tt.attendee, tt.partstat)
			}
			if !in.Start.Equal(tt.start) {
				t.Errorf("start = %v, want %v", in.Start, tt.start)
			}
		})
	}
}

func TestReadIncomingPicksTheSender(t *testing.T) {
	data := "BEGIN:VCALENDAR\nMETHOD:REPLY\nBEGIN:VEVENT\nUID:u\n" +
		"ATTENDEE;PARTSTAT=ACCEPTED:mailto:other@x.test\n" +
		"ATTENDEE;PARTSTAT=DECLINED:mailto:Me@X.test\nEND:VEVENT\nEND:VCALENDAR\n"
	in, err := ReadIncoming([]byte(data))
	if err != nil {
		t.Fatal(err)
	}
	if a, _ := in.Answer("me@x.test"); a.PartStat != "DECLINED" {
		t.Errorf("the sender's own line should count, got %+v", a)
	}
}

func TestReadIncomingNoCalendar(t *testing.T) {
	for _, data := range []string{"", "hello", "METHOD:REPLY\nEND:VCALENDAR", "\x00\xff:"} {
		if _, err := ReadIncoming([]byte(data)); err == nil {
			t.Errorf("ReadIncoming(%q) gave no error", data)
		}
	}
}

func FuzzReadIncoming(f *testing.F) {
	f.Add([]byte(outlookReply))
	f.Add([]byte("BEGIN:VCALENDAR\nMETHOD:REPLY\nBEGIN:VEVENT\nATTENDEE;CN=\"a:b\";PARTSTAT=ACCEPTED:MAILTO:x@y\nEND:VEVENT\nEND:VCALENDAR"))
	f.Add([]byte("BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART;TZID=../../etc/passwd:20120101T000000\nATTENDEE;X=\\"))
	f.Fuzz(func(t *testing.T, data []byte) {
		in, err := ReadIncoming(data)
		if err != nil {
			return
		}
		if in.Method != strings.ToUpper(in.Method) {
			t.Errorf("method %q not upper-case", in.Method)
		}
		for _, a := range in.Attendees {
			if a.PartStat == "" || a.Address != strings.ToLower(a.Address) {
				t.Errorf("attendee %+v not normalised", a)
			}
		}
	})
}
