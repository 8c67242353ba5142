package outbox

import (
	"fmt"
	"strings"
	"time"
)

// Progress is how far a batch of sending has come.
type Progress struct {
	Sent     int // accepted by the server
	Failed   int // failed for good
	Deferred int // temporary failures, to be retried (they stay in Total)
	// Total is Sent + Failed + the rows pending when the outbox was last read.
	Total   int
	Elapsed time.Duration // on the sender's clock since the batch began
	Rate    float64       // messages done (sent or failed) per second
	Left    time.Duration // estimated time to finish Total at Rate; 0 when unknown
}

// Done is the number of messages finished, sent or failed.
func (p Progress) Done() int { return p.Sent + p.Failed }

// String is a one-line display: "42/98 sent, 1 failed, 3 deferred, 12.5/s, 5s left".
func (p Progress) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d/%d sent", p.Sent, p.Total)
	if p.Failed > 0 {
		fmt.Fprintf(&b, ", %d failed", p.Failed)
	}
	if p.Deferred > 0 {
		fmt.Fprintf(&b, ", %d deferred", p.Deferred)
	}
	if p.Rate > 0 {
		fmt.Fprintf(&b, ", %.1f/s", p.Rate)
	}
	if p.Left > 0 {
		fmt.Fprintf(&b, ", %s left", p.Left.Round(time.Second))
	}
	return b.String()
}
