package demo

import (
	"bytes"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/rsvpd/rsvpd/campaign"
)

// mailbox lists a mailbox's .eml files in the order they arrived ("003-agreement-receipt").
func mailbox(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, strings.TrimSuffix(e.Name(), ".eml"))
	}
	sort.Strings(names)
	return names
}

func kindOf(name string) string { return name[4:] }

// checkReturnedAgreements: a returned agreement is a PDF. Every invitee counted as having
// returned it did so with a PDF and holds the receipt; words without a PDF got the request
// for it and were not counted until the PDF came; the confirmed hold the confirmation; no
// agreement nudge came after a receipt; and only letters written to a person lack
// Auto-Submitted.
func checkReturnedAgreements(t *testing.T, c *campaign.Campaign, mailDir, storePath string) {
	states := map[string]campaign.State{}
	for _, s := range storeStates(t, storePath) {
		states[s.Code] = s
	}
	requests, returned, confirmed := 0, 0, 0
	for _, inv := range c.Invitees {
		st := states[inv.Code]
		names := mailbox(t, filepath.Join(mailDir, inv.Email))
		pos := map[string]int{}
		for i, n := range names {
			if _, seen := pos[kindOf(n)]; !seen {
				pos[kindOf(n)] = i
			}
		}
		_, receipt := pos["agreement-receipt"]
		_, request := pos["agreement-pdf-needed"]
		switch st.Agreement {
		case campaign.AgreementReturned, campaign.AgreementConfirmed:
			returned++
			if st.ReturnedSHA256 == "" || !receipt {
				t.Errorf("%s: agreement %s without a PDF's sum (%q) or a receipt in the mailbox (%v)", inv.Code, st.Agreement, st.ReturnedSHA256, names)
			}
		default:
			if receipt {
				t.Errorf("%s: a receipt, but the agreement is %s", inv.Code, st.Agreement)
			}
		}
		if st.Agreement == campaign.AgreementConfirmed {
			confirmed++
			if _, ok := pos["agreement-confirmed"]; !ok {
				t.Errorf("%s: confirmed, but no confirmation in the mailbox (%v)", inv.Code, names)
			}
		}
		if request {
			requests++
			if receipt && pos["agreement-receipt"] < pos["agreement-pdf-needed"] {
				t.Errorf("%s: asked for the PDF after the receipt (%v)", inv.Code, names)
			}
		}
		for i, n := range names {
			if kindOf(n) == "nudge-agreement" && receipt && i > pos["agreement-receipt"] {
				t.Errorf("%s: an agreement nudge after the receipt (%v)", inv.Code, names)
			}
			checkAutoSubmitted(t, filepath.Join(mailDir, inv.Email, n+".eml"), kindOf(n))
		}
	}
	t.Logf("%d agreements returned as a PDF, %d confirmed by the staff, %d requests for the PDF", returned, confirmed, requests)
	if requests == 0 || confirmed == 0 || confirmed == returned {
		t.Errorf("want directors asked for the PDF (%d), agreements confirmed (%d) and some still unchecked at the end (%d returned)",
			requests, confirmed, returned)
	}
}

// checkAutoSubmitted: the header as the director's mail system sees it.
func checkAutoSubmitted(t *testing.T, path, kind string) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	head, _, _ := bytes.Cut(raw, []byte("\r\n\r\n"))
	has := bytes.Contains(bytes.ToLower(head), []byte("\nauto-submitted:"))
	switch kind {
	case "invitation", "agreement", "reminder", "nudge-unanswered", "nudge-agreement":
		if has {
			t.Errorf("%s: a letter to a person carries Auto-Submitted", path)
		}
	case "confirmation", "change", "decline-ack", "cancel-ack", "question-ack", "agreement-receipt",
		"agreement-pdf-needed", "agreement-confirmed":
		if !has {
			t.Errorf("%s: an automatic notice without Auto-Submitted", path)
		}
	}
}
