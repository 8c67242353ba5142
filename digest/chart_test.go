package digest

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"testing"

	"github.com/rsvpd/rsvpd/campaign"
	"github.com/rsvpd/rsvpd/mailer/letters"
)

func decodePNG(t *testing.T, b []byte) image.Image {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("the chart is not a PNG: %v", err)
	}
	return img
}

// run is the length of the run of pixels of colour want on row y, from x on.
func run(img image.Image, x, y int, want color.Color) int {
	wr, wg, wb, _ := want.RGBA()
	n := 0
	for ; x < img.Bounds().Max.X; x++ {
		r, g, b, _ := img.At(x, y).RGBA()
		if r != wr || g != wg || b != wb {
			break
		}
		n++
	}
	return n
}

// The chart shows each meeting's people and municipalities against its places on one scale
// (the largest room, 120, spans the bar area), and it is the same bytes every time.
func TestChartDrawsTheMeetings(t *testing.T) {
	_, _, m := makeDigest(t)
	img := decodePNG(t, m.Chart)
	w, h := ChartSize(3)
	if img.Bounds().Dx() != w || img.Bounds().Dy() != h || w != 720 || h != 440 {
		t.Fatalf("chart is %v, want 720x440 for three meetings", img.Bounds())
	}
	pal := chartPalette()
	span := barEnd - labelColumn
	for i, tc := range []struct {
		city                    string
		people, munis, capacity int
	}{{"Aalborg", 5, 3, 90}, {"Roskilde", 7, 4, 120}, {"Vejle", 3, 2, 120}} {
		t.Run(tc.city, func(t *testing.T) {
			y := chartTop + i*chartRow
			if got, want := run(img, labelColumn, y+10, pal[colPeople]), tc.people*span/120; got != want {
				t.Errorf("people bar %d px, want %d (%d people)", got, want, tc.people)
			}
			if got, want := run(img, labelColumn, y+25, pal[colMunicipalities]), tc.munis*span/120; got != want {
				t.Errorf("municipalities bar %d px, want %d (%d municipalities)", got, want, tc.munis)
			}
			if got, want := tc.people*span/120+run(img, labelColumn+tc.people*span/120, y+10, pal[colCapacity]), tc.capacity*span/120; got != want {
				t.Errorf("places bar ends at %d px, want %d (%d places)", got, want, tc.capacity)
			}
		})
	}
	again, err := Chart(exampleCampaign(t), m.Data, nil)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(again, m.Chart) {
		t.Error("a chart without answers is the same as one with them: the answers are not drawn")
	}
}

func TestChartIsDeterministic(t *testing.T) {
	c := exampleCampaign(t)
	_, _, m := makeDigest(t)
	pts := []Point{{Day: m.Data.Date.AddDate(0, 0, -1), Answered: 3}, {Day: m.Data.Date, Answered: 12}}
	a, err := Chart(c, m.Data, pts)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Chart(c, m.Data, pts)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) {
		t.Error("the same data drew two different PNGs")
	}
}

// An overbooked meeting shows red beyond its places; a meeting without places draws no grey.
func TestChartMarksOverbooking(t *testing.T) {
	c := exampleCampaign(t)
	meetings := []letters.DigestMeeting{
		{Meeting: c.Meetings[0], Municipalities: 50, People: 100}, // 90 places
		{Meeting: c.Meetings[1]},
	}
	meetings[1].Meeting.Capacity = 0
	img := decodePNG(t, mustChart(t, c, letters.DigestData{Meetings: meetings}))
	pal := chartPalette()
	span := barEnd - labelColumn
	if got, want := run(img, labelColumn, chartTop+10, pal[colPeople]), 90*span/100; got != want {
		t.Errorf("blue up to the places: %d px, want %d", got, want)
	}
	if got, want := run(img, labelColumn+90*span/100, chartTop+10, pal[colOver]), span-90*span/100; got != want {
		t.Errorf("red beyond the places: %d px, want %d", got, want)
	}
	if got := run(img, labelColumn, chartTop+chartRow+10, pal[colCapacity]); got != 0 {
		t.Errorf("a meeting without a capacity draws %d px of places", got)
	}
}

func mustChart(t *testing.T, c *campaign.Campaign, d letters.DigestData) []byte {
	t.Helper()
	b, err := Chart(c, d, nil)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// basicfont has no æøå: the chart draws its own, and other accents as their base letter.
func TestGlyphsForDanishLetters(t *testing.T) {
	for _, tc := range []struct {
		r, like rune
		same    bool
	}{
		{'ø', 'o', false}, {'æ', 'a', false}, {'å', 'a', false},
		{'Ø', 'O', false}, {'Æ', 'A', false}, {'Å', 'A', false},
		{'é', 'e', true}, {'Ü', 'U', true}, {'€', '?', true},
	} {
		t.Run(string(tc.r), func(t *testing.T) {
			g := glyph(tc.r)
			if (g == glyph(tc.like)) != tc.same {
				t.Errorf("glyph %q same as %q: %v, want %v", tc.r, tc.like, !tc.same, tc.same)
			}
			if g == (cell{}) {
				t.Errorf("glyph %q is blank", tc.r)
			}
		})
	}
}
