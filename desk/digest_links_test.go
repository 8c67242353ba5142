package desk

import (
	"context"
	"html"
	"regexp"
	"strings"
	"testing"

	"github.com/rsvpd/rsvpd/digest"
	"github.com/rsvpd/rsvpd/mailer/letters"
	"github.com/rsvpd/rsvpd/store"
)

var caseHref = regexp.MustCompile(`<a href="([^"]*/reviews[^"]*#r(\d+))"`)

// Each case of the staff's digest links to its place on the desk: the link opens a page of
// the review queue that holds the case at its anchor, for a municipality's case and for an
// unknown sender's alike.
func TestDigestCaseLinksOpenTheCase(t *testing.T) {
	f := newFixture(t)
	f.populate(t)
	l, err := letters.New(f.c, "")
	if err != nil {
		t.Fatal(err)
	}
	base := f.srv.URL
	var m digest.Message
	err = f.st.View(context.Background(), func(tx *store.Tx) error {
		m, err = digest.Make(tx, f.c, digest.Options{Now: f.clock.Now()})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	r, err := l.Render(letters.KindDigest, letters.Data{Digest: &m.Data, DeskURL: base})
	if err != nil {
		t.Fatal(err)
	}
	links := caseHref.FindAllStringSubmatch(r.HTML, -1)
	var ofInvitee, ofNone int
	for _, l := range links {
		href := html.UnescapeString(l[1])
		if strings.Contains(href, "?invitee=") {
			ofInvitee++
		} else {
			ofNone++
		}
	}
	if ofInvitee == 0 || ofNone == 0 {
		t.Fatalf("the digest links %d cases of a municipality and %d of no one, want some of each:\n%s", ofInvitee, ofNone, r.HTML)
	}
	c := f.signIn(t)
	for _, l := range links {
		href := html.UnescapeString(l[1])
		path, _, _ := strings.Cut(strings.TrimPrefix(href, base), "#")
		r := c.get(path)
		if r.status != 200 || !strings.Contains(r.body, `id="r`+l[2]+`"`) {
			t.Errorf("%s: %d, and the page does not hold case %s", href, r.status, l[2])
		}
	}
}
