package demo

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/jhillyerd/enmime/v2"

	"github.com/rsvpd/rsvpd/campaign"
	"github.com/rsvpd/rsvpd/store"
	"github.com/rsvpd/rsvpd/testenv"
)

// calendarObject is one calendar part of a message in a demo mailbox.
type calendarObject struct {
	file     string // the .eml, relative to the demo's mail folder
	name     string // the attachment's file name, "" for the inline alternative
	method   string // METHOD:
	summary  string // SUMMARY: of its event
	sequence string
	partstat string // the first ATTENDEE's PARTSTAT
	rsvp     bool   // the first ATTENDEE asks for an answer
	data     []byte
}

var (
	icsMethod   = regexp.MustCompile(`(?m)^METHOD:(\S+)\r?$`)
	icsSummary  = regexp.MustCompile(`(?m)^SUMMARY:(.*)\r?$`)
	icsSequence = regexp.MustCompile(`(?m)^SEQUENCE:(\d+)\r?$`)
	icsAttendee = regexp.MustCompile(`(?m)^ATTENDEE(;[^:\r\n]*(?:\r?\n [^:\r\n]*)*):`)
)

// TestEveryCalendarPartOfTheDemo reads every message rsvpd sent in the demo as a calendar
// client would (issue 13): no message mixes calendar methods; an attachment's name says its
// method; the invitation's entries carry distinct titles naming their city; no one who
// accepted an entry in the calendar is sent a request to answer again; and every calendar
// object is read by two independent parsers, python3-icalendar and ical.js.
func TestEveryCalendarPartOfTheDemo(t *testing.T) {
	d := runDemo(t)
	c := loadWritten(t, d.res).Campaign
	mail := filepath.Join(d.res.Dir, "mail")
	// What rsvpd sent: the directors' and the staff's mailboxes, not the campaign's own
	// inbox, which holds the simulated directors' calendar answers.
	objects := demoCalendarObjects(t, mail, c.Organiser.Email)
	if len(objects) < 98*3 {
		t.Fatalf("%d calendar objects in the demo's mailboxes, want at least the invitations' %d", len(objects), 98*3)
	}
	byFile := map[string][]calendarObject{}
	for _, o := range objects {
		byFile[o.file] = append(byFile[o.file], o)
	}
	for file, objs := range byFile {
		methods := map[string]bool{}
		for _, o := range objs {
			methods[o.method] = true
			want := map[string]string{"REQUEST": "invite", "CANCEL": "cancel"}[o.method]
			if o.name != "" && !strings.HasPrefix(o.name, want) {
				t.Errorf("%s: %s is a %s", file, o.name, o.method)
			}
		}
		if len(methods) > 1 {
			t.Errorf("%s mixes calendar methods %v: clients act on one", file, methods)
		}
		if strings.HasSuffix(file, "-invitation.eml") || strings.HasSuffix(file, "-nudge-unanswered.eml") {
			checkInvitationTitles(t, file, objs, c.Meetings)
		}
	}
	checkNudgesCarryTheEntries(t, mail, byFile)
	checkAcceptedNotAskedAgain(t, d, mail, byFile)
	validateICS(t, objects)
}

// checkNudgesCarryTheEntries: a nudge to those who have not answered sends the invitation
// again, so it carries the invitation's calendar entries (whose titles checkInvitationTitles
// checks), as the invitation does.
func checkNudgesCarryTheEntries(t *testing.T, mail string, byFile map[string][]calendarObject) {
	t.Helper()
	nudges, err := filepath.Glob(filepath.Join(mail, "*", "*-nudge-unanswered.eml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(nudges) == 0 {
		t.Fatal("no nudge to an invitee without an answer in the demo: the check would not run")
	}
	for _, path := range nudges {
		rel, _ := filepath.Rel(mail, path)
		if len(byFile[rel]) == 0 {
			t.Errorf("%s carries no calendar entry; the invitation it sends again did", rel)
		}
	}
}

// checkInvitationTitles: the invitation's three entries have distinct titles, each naming its
// meeting's city, so a calendar shows which is which.
func checkInvitationTitles(t *testing.T, file string, objs []calendarObject, meetings []campaign.Meeting) {
	t.Helper()
	titles := map[string]bool{}
	for _, o := range objs {
		if o.name == "" {
			continue // the inline alternative repeats an attachment
		}
		titles[o.summary] = true
	}
	if len(titles) != len(meetings) {
		t.Errorf("%s: %d distinct entry titles %v, want %d", file, len(titles), keys(titles), len(meetings))
	}
	for _, m := range meetings {
		found := false
		for title := range titles {
			found = found || strings.Contains(title, m.City)
		}
		if !found {
			t.Errorf("%s: no entry title names %s: %v", file, m.City, keys(titles))
		}
	}
}

// checkAcceptedNotAskedAgain: a director who accepted a meeting's entry in the calendar gets
// no request to answer for it afterwards (Outlook would ask again).
func checkAcceptedNotAskedAgain(t *testing.T, d demoRun, mail string, byFile map[string][]calendarObject) {
	t.Helper()
	accepted := map[string]time.Time{} // invitee email -> when the accept was read
	inStore(t, d.res.StorePath, func(tx *store.Tx) error {
		events, err := tx.Events(store.EventFilter{Kind: "answer"})
		for _, e := range events {
			if e.Detail["class"] == "calendar" && e.Detail["partstat"] == "ACCEPTED" {
				if from, ok := e.Detail["from"].(string); ok {
					if _, seen := accepted[from]; !seen {
						accepted[from] = e.At
					}
				}
			}
		}
		return err
	})
	if len(accepted) == 0 {
		t.Fatal("no director accepted in the calendar in the demo: the check would not run")
	}
	asked := 0
	for file, objs := range byFile {
		box := strings.SplitN(file, string(filepath.Separator), 2)[0]
		when, ok := accepted[box]
		if !ok || strings.HasSuffix(file, "-invitation.eml") {
			continue
		}
		for _, o := range objs {
			if o.method == "REQUEST" && o.rsvp && sentAfter(t, filepath.Join(mail, file), when) {
				t.Errorf("%s accepted in the calendar, and %s asks again (PARTSTAT=%s;RSVP=TRUE)", box, file, o.partstat)
				asked++
			}
		}
	}
	t.Logf("%d directors accepted in the calendar; %d later messages asked them again", len(accepted), asked)
}

// validateICS runs every calendar object through python3-icalendar and ical.js.
func validateICS(t *testing.T, objects []calendarObject) {
	t.Helper()
	dir := t.TempDir()
	var files []string
	for i, o := range objects {
		f := filepath.Join(dir, fmt.Sprintf("%04d.ics", i))
		if err := os.WriteFile(f, o.data, 0o600); err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	check := filepath.Join("..", "scripts", "icalcheck")
	if _, err := os.Stat(filepath.Join(check, "node_modules", "ical.js")); err != nil {
		testenv.Missing(t, "ical.js is not installed", "run scripts/icalcheck/install")
	}
	node := testenv.Tool(t, "node", "apt-get install nodejs npm")
	python := testenv.Tool(t, "/usr/bin/python3", "apt-get install python3-icalendar") // Debian's, with its icalendar
	for _, v := range [][]string{{python, filepath.Join(check, "check.py")}, {node, filepath.Join(check, "check.mjs")}} {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		cmd := exec.CommandContext(ctx, v[0], append(v[1:], files...)...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		err := cmd.Run()
		cancel()
		if err != nil {
			msg := string(bytes.TrimSpace(stderr.Bytes()))
			for i, f := range files { // name the message the object came from
				msg = strings.ReplaceAll(msg, f, objects[i].file+" "+objects[i].name)
			}
			t.Errorf("%s refused a calendar object of the demo: %v: %s", filepath.Base(v[1]), err, msg)
		}
	}
	t.Logf("%d calendar objects read by python3-icalendar and ical.js", len(files))
}

// demoCalendarObjects reads every calendar part of every message in the demo's mailboxes but
// the one named skip.
func demoCalendarObjects(t *testing.T, mail, skip string) []calendarObject {
	t.Helper()
	var out []calendarObject
	err := filepath.WalkDir(mail, func(path string, e os.DirEntry, err error) error {
		if err == nil && e.IsDir() && e.Name() == skip {
			return filepath.SkipDir
		}
		if err != nil || e.IsDir() || !strings.HasSuffix(path, ".eml") {
			return err
		}
		raw, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		env, err := enmime.ReadEnvelope(bytes.NewReader(raw))
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		rel, _ := filepath.Rel(mail, path)
		for _, p := range append(append(env.OtherParts, env.Inlines...), env.Attachments...) {
			if !strings.HasPrefix(p.ContentType, "text/calendar") && !strings.HasSuffix(p.FileName, ".ics") {
				continue
			}
			out = append(out, parseObject(rel, p.FileName, p.Content))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].file < out[j].file })
	return out
}

func parseObject(file, name string, data []byte) calendarObject {
	o := calendarObject{file: file, name: name, data: data}
	if m := icsMethod.FindSubmatch(data); m != nil {
		o.method = string(m[1])
	}
	if m := icsSummary.FindSubmatch(data); m != nil {
		o.summary = string(m[1])
	}
	if m := icsSequence.FindSubmatch(data); m != nil {
		o.sequence = string(m[1])
	}
	if m := icsAttendee.FindSubmatch(data); m != nil {
		params := strings.ReplaceAll(strings.ReplaceAll(string(m[1]), "\r\n ", ""), "\n ", "")
		o.rsvp = strings.Contains(strings.ToUpper(params), "RSVP=TRUE")
		if i := strings.Index(strings.ToUpper(params), "PARTSTAT="); i >= 0 {
			o.partstat = strings.SplitN(params[i+len("PARTSTAT="):], ";", 2)[0]
		}
	}
	return o
}

// sentAfter says whether the message's Date is not before when. A Date has whole seconds:
// the confirmation of an accept goes out in the second the accept was read, which a plain
// After would call earlier, and so never check.
func sentAfter(t *testing.T, path string, when time.Time) bool {
	t.Helper()
	d, err := readEML(t, path).Date()
	if err != nil {
		t.Errorf("%s: Date: %v", path, err)
		return false
	}
	return !d.Before(when.Truncate(time.Second))
}

func keys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
