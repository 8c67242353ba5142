package sandbox

import (
	"time"

	"github.com/emersion/go-smtp"
)

// A Fault makes the SMTP server answer Code (with Message) instead of accepting a recipient, as
// a real server does when it is busy (451), greylisting (450) or knows no such user (550).
type Fault struct {
	// Recipient the fault applies to (any form of the address: +detail and case are ignored).
	// Empty: every recipient.
	Recipient string
	// Code is the SMTP reply code, 4xx (temporary) or 5xx (permanent).
	Code int
	// Message is the reply text. Empty: a text fitting the code's class.
	Message string
	// Times is how many answers the fault gives before it expires. 0: no limit.
	Times int
	// For is how long after it is added the fault stays. 0: no limit.
	For time.Duration
	// AtData answers after the message data (the whole message refused) instead of at RCPT.
	AtData bool
}

type activeFault struct {
	Fault
	mailbox string    // Mailbox(Recipient), "" for all
	until   time.Time // zero: no limit
	left    int       // answers left when Times > 0
}

// AddFault puts f in force, after the faults already added; the first that matches answers.
func (s *Server) AddFault(f Fault) {
	af := &activeFault{Fault: f, mailbox: Mailbox(f.Recipient), left: f.Times}
	if f.For > 0 {
		af.until = s.now().Add(f.For)
	}
	s.mu.Lock()
	s.faults = append(s.faults, af)
	s.mu.Unlock()
}

// ClearFaults removes every fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	s.faults = nil
	s.mu.Unlock()
}

// faultLocked returns the fault that answers for mbox at this stage, counting the answer, or
// nil. Expired faults are dropped.
func (s *Server) faultLocked(mbox string, atData bool) *Fault {
	now := s.now()
	kept := s.faults[:0]
	var hit *Fault
	for _, f := range s.faults {
		if !f.until.IsZero() && !now.Before(f.until) {
			continue
		}
		if hit == nil && f.AtData == atData && (f.mailbox == "" || f.mailbox == mbox) {
			answer := f.Fault
			hit = &answer
			if f.Times > 0 {
				f.left--
				if f.left == 0 {
					continue
				}
			}
		}
		kept = append(kept, f)
	}
	s.faults = kept
	return hit
}

func (f *Fault) smtpError() *smtp.SMTPError {
	msg := f.Message
	if msg == "" {
		if f.Code/100 == 4 {
			msg = "Try again later (sandbox fault)"
		} else {
			msg = "Recipient refused (sandbox fault)"
		}
	}
	// EnhancedCodeNotSet lets go-smtp pick the enhanced code that fits Code.
	return &smtp.SMTPError{Code: f.Code, EnhancedCode: smtp.EnhancedCodeNotSet, Message: msg}
}
