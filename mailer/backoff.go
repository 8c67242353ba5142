package mailer

import (
	"math/rand/v2"
	"time"
)

// Backoff is exponential backoff with full jitter, for the outbox's retries and reconnects
// and the inbox's: the wait before the n-th attempt again is random between zero and
// min(Max, Base·2^(n-1)), so that clients that failed together do not come back together.
type Backoff struct {
	Base, Max time.Duration
	// Rand returns a number in [0, 1); nil is math/rand/v2's Float64. Tests fix it.
	Rand func() float64
}

// Ceiling is the longest wait before the n-th attempt again: min(Max, Base·2^(n-1)), with
// n below 1 counted as 1.
func (b Backoff) Ceiling(n int) time.Duration {
	d := b.Base
	for i := 1; i < n && d < b.Max; i++ {
		d *= 2
	}
	return min(d, b.Max)
}

// Wait is the wait before the n-th attempt again: a random duration in [0, Ceiling(n)).
func (b Backoff) Wait(n int) time.Duration {
	r := b.Rand
	if r == nil {
		r = rand.Float64
	}
	return time.Duration(r() * float64(b.Ceiling(n)))
}

// SignInRetryMax bounds the wait between attempts to sign in again while no token can be had
// (package mailer/auth): whoever mends it (rsvpd login writes a new token file) sees the mail
// move within this time. Those attempts cost little: the loops ask for the token before they
// open a connection, and package auth answers a failure that needs a person from memory
// until the token or secret file changes. A server that refuses a sign-in is asked again
// after the loop's usual backoff.
const SignInRetryMax = 15 * time.Second
