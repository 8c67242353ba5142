package config

import (
	"fmt"
	"strings"

	"github.com/robfig/cron/v3"
)

// validateCron checks a cron expression the way the scheduler will parse it, turning the
// parser's panics (CRON_TZ= without fields) into errors.
func validateCron(spec string) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%q is not a cron expression: %v", spec, r)
		}
	}()
	if strings.HasPrefix(spec, "CRON_TZ=") || strings.HasPrefix(spec, "TZ=") {
		return fmt.Errorf("%q: leave the time zone out; the digest runs in the campaign's time zone", spec)
	}
	if _, err := cron.ParseStandard(spec); err != nil {
		return fmt.Errorf("%q is not a cron expression (minute hour day month weekday): %v", spec, err)
	}
	return nil
}
