package campaign

import (
	"math"
	"testing"
)

func amount(oere int64) *int64 { return &oere }

func TestPriceOf(t *testing.T) {
	tests := []struct {
		name       string
		rate       int64 // øre per inhabitant
		roundTo    int64 // kroner
		population int
		explicit   *int64
		want       int64 // øre
		wantText   string
	}{
		// The example campaign: 7 kr. per inhabitant, 2012Q1 population, whole kroner.
		{"København at 7 kr.", 700, 1, 549050, nil, 384335000, "3.843.350 kr."},
		{"Ærø at 7 kr.", 700, 1, 6636, nil, 4645200, "46.452 kr."},
		{"Læsø at 6 kr.", 600, 1, 1897, nil, 1138200, "11.382 kr."},
		// Rounding to whole kroner: below half goes down, exactly half goes up.
		{"6,25 kr. rounds down", 625, 1, 1, nil, 600, "6 kr."},
		{"19,50 kr. rounds up", 650, 1, 3, nil, 2000, "20 kr."},
		{"19,49 kr. rounds down", 1949, 1, 1, nil, 1900, "19 kr."},
		// Rounding to a coarser step.
		{"to 1.000 kr., down", 700, 1000, 549050, nil, 384300000, "3.843.000 kr."},
		{"to 1.000 kr., exactly half up", 1000, 1000, 384350, nil, 384400000, "3.844.000 kr."},
		// No rounding configured keeps the øre.
		{"no rounding keeps øre", 650, 0, 3, nil, 1950, "19,50 kr."},
		{"zero population pays nothing", 700, 1, 0, nil, 0, "0 kr."},
		// An explicit amount wins, is not rounded, and may be zero.
		{"explicit amount", 700, 1000, 549050, amount(250000050), 250000050, "2.500.000,50 kr."},
		{"explicit zero", 700, 1, 549050, amount(0), 0, "0 kr."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &Campaign{Price: PriceModel{RateOere: tt.rate, RoundToKroner: tt.roundTo}}
			got := c.PriceOf(Invitee{Code: "999", Population: tt.population, Amount: tt.explicit})
			if got != tt.want || FormatKroner(got) != tt.wantText {
				t.Errorf("PriceOf = %d øre (%s), want %d øre (%s)", got, FormatKroner(got), tt.want, tt.wantText)
			}
		})
	}
}

func TestTotalPriceAndRange(t *testing.T) {
	c := &Campaign{
		Price: PriceModel{RateOere: 700, RoundToKroner: 1},
		Invitees: []Invitee{
			{Code: "101", Name: "København", Population: 549050},
			{Code: "492", Name: "Ærø", Population: 6636},
			{Code: "825", Name: "Læsø", Population: 1897},
			{Code: "153", Name: "Brøndby", Population: 34084, Amount: amount(10000000)},
		},
	}
	// 7 kr. x (549.050 + 6.636 + 1.897) = 3.903.081 kr., plus Brøndby's fixed 100.000 kr.
	if got, want := FormatKroner(c.TotalPrice()), "4.003.081 kr."; got != want {
		t.Errorf("TotalPrice = %s, want %s", got, want)
	}
	lo, hi, ok := c.PriceRange()
	if !ok || FormatKroner(lo) != "13.279 kr." || FormatKroner(hi) != "3.843.350 kr." {
		t.Errorf("PriceRange = %s .. %s (%v), want 13.279 kr. .. 3.843.350 kr.", FormatKroner(lo), FormatKroner(hi), ok)
	}

	empty := &Campaign{Price: c.Price}
	if _, _, ok := empty.PriceRange(); ok || empty.TotalPrice() != 0 {
		t.Errorf("a campaign without invitees has a price range or a total")
	}
}

func TestFormatKroner(t *testing.T) {
	tests := []struct {
		oere   int64
		da, en string
	}{
		{0, "0 kr.", "DKK 0"},
		{5, "0,05 kr.", "DKK 0.05"},
		{50, "0,50 kr.", "DKK 0.50"},
		{100, "1 kr.", "DKK 1"},
		{99999, "999,99 kr.", "DKK 999.99"},
		{100000, "1.000 kr.", "DKK 1,000"},
		{123450, "1.234,50 kr.", "DKK 1,234.50"},
		{384335000, "3.843.350 kr.", "DKK 3,843,350"},
		{3906289100, "39.062.891 kr.", "DKK 39,062,891"},
		{-123450, "-1.234,50 kr.", "DKK -1,234.50"},
		{math.MinInt64, "-92.233.720.368.547.758,08 kr.", "DKK -92,233,720,368,547,758.08"},
	}
	for _, tt := range tests {
		t.Run(tt.da, func(t *testing.T) {
			if got := FormatKroner(tt.oere); got != tt.da {
				t.Errorf("FormatKroner(%d) = %q, want %q", tt.oere, got, tt.da)
			}
			if got := FormatKronerEn(tt.oere); got != tt.en {
				t.Errorf("FormatKronerEn(%d) = %q, want %q", tt.oere, got, tt.en)
			}
		})
	}
}

func TestFormatRate(t *testing.T) {
	for oere, want := range map[int64]string{700: "7 kr.", 650: "6,50 kr.", 600: "6 kr.", 5: "0,05 kr."} {
		if got := FormatRate(oere); got != want {
			t.Errorf("FormatRate(%d) = %q, want %q", oere, got, want)
		}
	}
}

func TestFormatNumber(t *testing.T) {
	tests := []struct {
		n    int64
		want string
	}{
		{0, "0"}, {7, "7"}, {999, "999"}, {1000, "1.000"}, {1897, "1.897"},
		{549050, "549.050"}, {5580413, "5.580.413"}, {100000000, "100.000.000"},
		{-1234, "-1.234"}, {math.MinInt64, "-9.223.372.036.854.775.808"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := FormatNumber(tt.n); got != tt.want {
				t.Errorf("FormatNumber(%d) = %q, want %q", tt.n, got, tt.want)
			}
		})
	}
}
