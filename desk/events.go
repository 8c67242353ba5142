package desk

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/rsvpd/rsvpd/store"
)

// registration is the meeting and headcount an invitee is registered with ("" for none).
type registration struct {
	meeting string
	people  int
}

// registrationAfter is the registration an answer event left.
func registrationAfter(e store.Event) registration {
	m, _ := e.Detail["registered"].(string)
	if s, _ := e.Detail["after"].(string); s != "attending" || m == "" {
		return registration{}
	}
	return registration{meeting: m, people: intOf(e.Detail["people"])}
}

// eventText says what an event of the log did, in the campaign's language; before is the
// registration before it (an answer that moves the invitee says from where).
func (s *Server) eventText(e store.Event, before registration) string {
	str := func(k string) string { v, _ := e.Detail[k].(string); return v }
	var text string
	switch e.Kind {
	case "answer":
		text = s.answerText(e, before)
	case "agreement":
		text = s.t("ev_agreement", s.t("ag_"+str("after")))
	case "resolved":
		text = s.t("ev_resolved", s.resolutionText(str("resolution")))
	case "failed":
		text = s.t("ev_failed", lowerFirst(s.t("letter_"+str("kind"))), str("to"), str("reason"))
	case "job_skipped":
		text = s.t("ev_job_skipped", lowerFirst(s.t("letter_"+jobKind(e.Cause))), s.skipReason(str("reason")))
	case "address":
		text = s.t("ev_address", str("from"), str("to"))
	case "old_address_bounce":
		text = s.t("ev_old_address_bounce", str("address"))
	default:
		text = s.t("evk_" + e.Kind)
	}
	switch {
	case strings.HasPrefix(e.Cause, "link:"):
		text += " · " + s.t("ev_by_link")
	case str("by") != "":
		text += " · " + str("by")
	}
	return text
}

// answerText says what an answer did: registered, moved, changed the headcount, declined, or
// changed nothing; a bounce and an out-of-office are named as such.
func (s *Server) answerText(e store.Event, before registration) string {
	str := func(k string) string { v, _ := e.Detail[k].(string); return v }
	from, to := str("before"), str("after")
	after := registrationAfter(e)
	switch {
	case str("class") == "bounce":
		return s.t("ev_bounce")
	case str("class") == "auto_reply":
		return s.t("ev_away")
	case to == "attending" && from != "attending":
		return s.t("ev_registered", s.meetingCity(after.meeting), s.people(after.people))
	case to == "attending" && before.meeting != "" && before.meeting != after.meeting:
		return s.t("ev_moved", s.meetingCity(before.meeting), s.meetingCity(after.meeting), s.people(after.people))
	case to == "attending" && before.people != 0 && before.people != after.people:
		return s.t("ev_headcount", s.meetingCity(after.meeting), s.people(before.people), s.people(after.people))
	case to == "declined" && from == "attending":
		return s.t("ev_cancelled", s.meetingCity(before.meeting))
	case to == "declined" && from != "declined":
		return s.t("ev_declined")
	case from != to:
		return s.t("ev_state", s.t("st_"+from), s.t("st_"+to))
	case str("intent") == "agreement":
		return s.t("ev_agreement_in")
	case str("intent") == "question":
		return s.t("ev_question")
	case after.meeting != "":
		return s.t("ev_still_registered", s.meetingCity(after.meeting), s.people(after.people))
	}
	return s.t("ev_no_change")
}

// jobKind is the kind of letter a job's cause names ("job:reminder/101/aalborg": reminder).
func jobKind(cause string) string {
	k, _, _ := strings.Cut(strings.TrimPrefix(cause, "job:"), "/")
	return k
}

// skipReason says in words why a scheduled letter was not sent (schedules and the daemon
// write the reason in English).
func (s *Server) skipReason(r string) string {
	switch {
	case r == "the address is undeliverable":
		return s.t("skip_undeliverable")
	case strings.HasPrefix(r, "missed:"):
		return s.t("skip_missed")
	case strings.HasPrefix(r, "superseded by"):
		return s.t("skip_superseded")
	}
	return r
}

// resolutionText says how a review item was settled. rsvpd records it as "ignored",
// "declined", "attend MEETING, N", "accepted: ANSWER" or "agreement confirmed", each
// maybe followed by ": NOTE" (daemon.Resolve), or "new address: ADDRESS" (a bounce's item
// closed by a change of address); anything else is shown as it is.
func (s *Server) resolutionText(res string) string {
	if res == "" {
		return ""
	}
	var text, rest string
	if a, ok := strings.CutPrefix(res, "accepted: "); ok {
		ans, note, _ := strings.Cut(a, ": ")
		text, rest = s.t("res_accepted", s.recordedAnswer(ans)), note
	} else {
		main, note, _ := strings.Cut(res, ": ")
		rest = note
		switch {
		case main == "ignored" && note == s.t("rv_answered_note"):
			text, rest = s.t("res_answered"), ""
		case main == "ignored":
			text = s.t("res_ignored")
		case main == "declined":
			text = s.t("res_declined")
		case main == "agreement confirmed":
			text = s.t("res_agreement")
		case main == "new address": // a change of address (daemon.ChangeAddress): the note is the address
			text, rest = s.t("res_address", note), ""
		case strings.HasPrefix(main, "attend "):
			head, n, _ := strings.Cut(strings.TrimPrefix(main, "attend "), ", ")
			people, _ := strconv.Atoi(n)
			text = s.t("res_attend", s.meetingCity(head), s.people(max(people, 1)))
		default:
			return res
		}
	}
	if rest != "" {
		text = s.t("res_note", text, rest)
	}
	return text
}

// recordedAnswer says an answer rsvpd recorded as "attend vejle, 2", "decline" or a calendar's
// "accepted" in words.
func (s *Server) recordedAnswer(a string) string {
	head, n, _ := strings.Cut(a, ", ")
	intent, meeting, _ := strings.Cut(head, " ")
	people, _ := strconv.Atoi(n)
	switch intent {
	case "attend", "accepted":
		if meeting == "" {
			return s.t("aw_attend_any")
		}
		return s.t("aw_attend", s.meetingCity(meeting), s.people(max(people, 1)))
	case "decline", "declined":
		return s.t("aw_decline")
	case "agreement":
		return s.t("aw_agreement")
	case "question":
		return s.t("aw_question")
	}
	return a
}

// lowerFirst writes a label after a colon, where Danish starts with a small letter.
func lowerFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToLower(r)) + s[n:]
}

func intOf(v any) int {
	switch n := v.(type) {
	case float64:
		return int(n)
	case int:
		return n
	}
	return 0
}
