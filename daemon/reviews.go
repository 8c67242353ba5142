package daemon

import (
	"context"
	"fmt"
	"time"

	"github.com/rsvpd/rsvpd/mailer/letters"
	"github.com/rsvpd/rsvpd/store"
)

// NotifyReviews batches the review items the staff has not heard of into one notification
// per staff address, at most once per Schedule.ReviewBatch. It returns when it should be
// called again (zero when nothing is waiting).
func (e *Engine) NotifyReviews(ctx context.Context) (time.Time, error) {
	var next time.Time
	queuedAny := false
	err := e.st.Tx(ctx, func(tx *store.Tx) error {
		items, err := tx.UnnotifiedReviews()
		if err != nil || len(items) == 0 {
			return err
		}
		now := e.clock.Now()
		last, err := tx.LastReviewNotification()
		if err != nil {
			return err
		}
		if wait := last.Add(e.reviewInterval()); !last.IsZero() && now.Before(wait) {
			next = wait
			return nil
		}
		ids := make([]int64, len(items))
		for i, it := range items {
			ids[i] = it.ID
		}
		cause := fmt.Sprintf("reviews:%d-%d", ids[0], ids[len(ids)-1])
		if _, err := e.queueStaff(tx, letters.KindStaffReview, key(letters.KindStaffReview, ids[0], ids[len(ids)-1]),
			e.c.Organiser.Staff, Params{Reviews: ids}, cause, now); err != nil {
			return err
		}
		queuedAny = true
		return tx.MarkNotified(ids, now)
	})
	if queuedAny {
		e.kick()
	}
	return next, err
}
