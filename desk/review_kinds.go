package desk

import (
	"github.com/rsvpd/rsvpd/campaign"
	"github.com/rsvpd/rsvpd/store"
)

// reviewKind is a kind of review item, as the staff sorts its work: the reason codes of its
// items. The page of items filters by kind (?kind=question) and counts each; the overview
// counts them too.
type reviewKind struct {
	Key   string
	Codes []campaign.ReasonCode // nil for "other": every code no other kind names, and none
}

// reviewKinds are the kinds in the order the filter lists them: the answers and suggestions
// a person must read first, then questions, agreements, senders and mail, and the rest.
var reviewKinds = []reviewKind{
	{"answer", []campaign.ReasonCode{campaign.ReasonReadingCheck, campaign.ReasonNoMeetingNamed,
		campaign.ReasonAnswerUnreadable, campaign.ReasonUnknownMeeting, campaign.ReasonAboveWelcome,
		campaign.ReasonMeetingPast, campaign.ReasonChangeFromPast, campaign.ReasonCancelPast,
		campaign.ReasonCalendarNotReply, campaign.ReasonCalendarNoMeeting, campaign.ReasonCalendarTentative,
		campaign.ReasonCalendarPartStat, campaign.ReasonReplayDiffers}},
	{"held", []campaign.ReasonCode{campaign.ReasonHeld}},
	{"question", []campaign.ReasonCode{campaign.ReasonQuestion}},
	{"agreement", []campaign.ReasonCode{campaign.ReasonAgreementReturned, campaign.ReasonAgreementAgain}},
	{"sender", []campaign.ReasonCode{campaign.ReasonUnknownSender, campaign.ReasonSenderNamesOne, campaign.ReasonInviteeGone}},
	{"bounce", []campaign.ReasonCode{campaign.ReasonBounced, campaign.ReasonUndeliverable, campaign.ReasonAutoAnswerCap}},
	{"other", nil},
}

// kindNamed is the kind with the key; false for none.
func kindNamed(key string) (reviewKind, bool) {
	for _, k := range reviewKinds {
		if k.Key == key {
			return k, true
		}
	}
	return reviewKind{}, false
}

// kindOf is the key of the kind a reason code belongs to.
func kindOf(code campaign.ReasonCode) string {
	for _, k := range reviewKinds {
		for _, c := range k.Codes {
			if c == code {
				return k.Key
			}
		}
	}
	return "other"
}

// filter selects the open items of the kind (of one invitee's when code is not "").
func (k reviewKind) filter(code string) store.ReasonFilter {
	if k.Codes != nil {
		return store.ReasonFilter{Codes: k.Codes, Invitee: code}
	}
	var named []campaign.ReasonCode
	for _, o := range reviewKinds {
		named = append(named, o.Codes...)
	}
	return store.ReasonFilter{Codes: named, Except: true, Invitee: code}
}

// kindCount is one kind in the filter of the page of items, or the overview: how many open
// items it has and the page that shows them.
type kindCount struct {
	Key     string
	N       int
	URL     string
	Current bool
}

// kindCounts counts the open items of each kind from their counts by reason, in the order of
// reviewKinds; a kind without open items is left out unless it is the one shown.
func kindCounts(byReason map[campaign.ReasonCode]int, v reviewsView) []kindCount {
	n := map[string]int{}
	for code, c := range byReason {
		n[kindOf(code)] += c
	}
	var out []kindCount
	for _, k := range reviewKinds {
		if n[k.Key] == 0 && k.Key != v.Kind {
			continue
		}
		kv := v
		kv.Kind, kv.After = k.Key, 0
		out = append(out, kindCount{Key: k.Key, N: n[k.Key], URL: kv.URL(), Current: k.Key == v.Kind})
	}
	return out
}
