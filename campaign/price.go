package campaign

import (
	"strconv"
	"strings"
)

// Amounts are whole øre (1 kr. = 100 øre) in int64 throughout, so that sums over many
// invitees are exact and the figure in the agreement is the figure in the digest.

// PriceOf is what inv pays under the campaign's price model, in øre. (It cannot be called
// Price: that is the name of the PriceModel field.)
//
// An explicit amount (inv.Amount) is used as it is. Otherwise the amount is the rate per
// inhabitant times the invitee's population, rounded to the nearest multiple of
// Price.RoundToKroner kroner, with a remainder of exactly half a step rounded up (away from
// zero), as a person doing the sum by hand would. RoundToKroner 0 (or less) means no
// rounding: the product is kept to the øre.
func (c *Campaign) PriceOf(inv Invitee) int64 {
	if inv.Amount != nil {
		return *inv.Amount
	}
	return roundHalfUp(c.Price.RateOere*int64(inv.Population), c.Price.RoundToKroner*100)
}

// roundHalfUp rounds x to the nearest multiple of step, halves away from zero; a step of 0 or
// less leaves x as it is.
func roundHalfUp(x, step int64) int64 {
	if step <= 1 {
		return x
	}
	if x < 0 {
		return -roundHalfUp(-x, step)
	}
	q, r := x/step, x%step
	if 2*r >= step {
		q++
	}
	return q * step
}

// TotalPrice is the sum of every invitee's price, in øre: what the campaign brings in if all
// join.
func (c *Campaign) TotalPrice() int64 {
	var sum int64
	for _, inv := range c.Invitees {
		sum += c.PriceOf(inv)
	}
	return sum
}

// PriceRange returns the lowest and highest price over the invitees, in øre, and false when
// there are no invitees.
func (c *Campaign) PriceRange() (lo, hi int64, ok bool) {
	for i, inv := range c.Invitees {
		p := c.PriceOf(inv)
		if i == 0 || p < lo {
			lo = p
		}
		if i == 0 || p > hi {
			hi = p
		}
	}
	return lo, hi, len(c.Invitees) > 0
}

// FormatKroner writes an amount in øre the Danish way: "3.843.350 kr.", with a decimal comma
// only when there are øre ("1.234,50 kr.").
func FormatKroner(oere int64) string {
	return formatMoney(oere, ".", ",") + " kr."
}

// FormatKronerEn writes an amount in øre for English text: "DKK 3,843,350", "DKK 1,234.50".
func FormatKronerEn(oere int64) string {
	return "DKK " + formatMoney(oere, ",", ".")
}

// FormatRate writes a rate in øre (per inhabitant, per year, ...) the Danish way: "7 kr.",
// "6,50 kr.". The unit it is per is the caller's to add (PriceModel.Per).
func FormatRate(oere int64) string { return FormatKroner(oere) }

// FormatNumber writes a whole number with Danish thousands separators: "549.050".
func FormatNumber(n int64) string { return groupDigits(n, ".") }

// formatMoney writes kroner with thousands separators sep and, when the øre are not zero, the
// øre after the decimal mark dec.
func formatMoney(oere int64, sep, dec string) string {
	neg := oere < 0
	u := uint64(oere)
	if neg {
		u = -u // two's complement: also right for math.MinInt64
	}
	s := groupUnsigned(u/100, sep)
	if o := u % 100; o != 0 {
		s += dec + strconv.FormatUint(o/10, 10) + strconv.FormatUint(o%10, 10)
	}
	if neg {
		s = "-" + s
	}
	return s
}

func groupDigits(n int64, sep string) string {
	if n < 0 {
		return "-" + groupUnsigned(-uint64(n), sep)
	}
	return groupUnsigned(uint64(n), sep)
}

// groupUnsigned writes n in decimal with sep between each group of three digits.
func groupUnsigned(n uint64, sep string) string {
	digits := strconv.FormatUint(n, 10)
	var b strings.Builder
	for i, d := range digits {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b.WriteString(sep)
		}
		b.WriteRune(d)
	}
	return b.String()
}
