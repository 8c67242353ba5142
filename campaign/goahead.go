package campaign

import "math"

// Needed is how many more of total must join for the joined share to reach threshold (0..1):
// 0 once it is reached. It counts whole municipalities and whole inhabitants, so "half of 98"
// needs 49 and "half of 5,580,413 inhabitants" needs 2,790,207. The status, the digest and the
// final report all decide the go-ahead with it, so they cannot disagree by a rounding.
func Needed(threshold float64, joined, total int64) int64 {
	if threshold <= 0 || total <= 0 {
		return 0
	}
	// The product is exact for the shares a campaign names (0.5, 0.6, 2/3 of a few hundred or a
	// few million): the small allowance keeps 0.6*5 = 3.0000000000000004 from needing 4.
	need := int64(math.Ceil(threshold*float64(total) - 1e-9))
	return max(need-joined, 0)
}

// GoAheadReached reports whether joined invitees with joinedPopulation inhabitants reach the
// campaign's threshold: a share of the invitees, or of the population, at least GoAhead.
func (c *Campaign) GoAheadReached(joined int, joinedPopulation int64, invitees int, population int64) bool {
	if c.GoAhead <= 0 {
		return false
	}
	byInvitees := invitees > 0 && Needed(c.GoAhead, int64(joined), int64(invitees)) == 0
	byPopulation := population > 0 && Needed(c.GoAhead, joinedPopulation, population) == 0
	return byInvitees || byPopulation
}
