package daemon

import (
	"errors"

	"github.com/rsvpd/rsvpd/store"
)

func isNotFound(err error) bool { return errors.Is(err, store.ErrNotFound) }
