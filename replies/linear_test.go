package replies

import (
	"strings"
	"testing"
	"time"
)

// TestReadingIsLinear reads texts built to make a careless reader slow (a meeting named
// thousands of times in one clause, dates, names, lists of people, clauses turned by "men",
// numbers) at two sizes, and fails when four times the text costs much more than four times
// the time: anyone can write to the campaign address.
func TestReadingIsLinear(t *testing.T) {
	if testing.Short() {
		t.Skip("timing")
	}
	c := testOptions(t).Campaign
	rd := newReader(c, time.Date(2012, 2, 10, 10, 0, 0, 0, time.UTC), "461")
	units := map[string]string{
		"mentions": "Aalborg Vejle Roskilde tirsdag ",
		"dates":    "den 28. 1/3 6. marts ",
		"names":    "Hanne Holm og Per Dam, ",
		"list":     "Hanne Holm, bibliotekschef\n",
		"turns":    "vi kommer ikke til Aalborg, men til Vejle, ",
		"numbers":  "vi bliver to eller tre fra biblioteket og én fra skolen ",
		"lines":    "Vi kommer.\n",
		"quotes":   "»Vi kommer to til Aalborg« ",
	}
	for name, unit := range units {
		t.Run(name, func(t *testing.T) {
			small := strings.Repeat(unit, 4000/len(unit))
			large := strings.Repeat(unit, 16000/len(unit))
			ts := fastest(9, func() { rd.read(ownSegments(rd.c, small, nil)) })
			tl := fastest(9, func() { rd.read(ownSegments(rd.c, large, nil)) })
			if tl > 10*ts+5*time.Millisecond {
				t.Errorf("%d bytes read in %v, %d bytes in %v: not linear", len(small), ts, len(large), tl)
			}
		})
	}
}
