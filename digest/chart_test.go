package digest

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"strings"
	"testing"
	"time"

	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/vgimg"

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

// label is a text the chart drew, with the box its glyphs take on the canvas (points, origin
// bottom left).
type label struct {
	text string
	box  vg.Rectangle
}

// textCanvas draws like the PNG's canvas and keeps every text with its box, measured with the
// face it was drawn with. A transform would move text where the boxes do not follow it: the
// chart uses none, and the test fails if that changes.
type textCanvas struct {
	*vgimg.Canvas
	labels     []label
	transforms int
}

func (c *textCanvas) FillString(f font.Face, pt vg.Point, s string) {
	ext := f.Extents()
	c.labels = append(c.labels, label{text: s, box: vg.Rectangle{
		Min: vg.Point{X: pt.X, Y: pt.Y - ext.Descent},
		Max: vg.Point{X: pt.X + f.Width(s), Y: pt.Y + ext.Ascent},
	}})
	c.Canvas.FillString(f, pt, s)
}

func (c *textCanvas) Rotate(a float64) {
	if a != 0 {
		c.transforms++
	}
	c.Canvas.Rotate(a)
}

func (c *textCanvas) Translate(p vg.Point) {
	if p != (vg.Point{}) {
		c.transforms++
	}
	c.Canvas.Translate(p)
}

func (c *textCanvas) Scale(x, y float64) {
	if x != 1 || y != 1 {
		c.transforms++
	}
	c.Canvas.Scale(x, y)
}

// drawLabels draws the chart as Chart does and returns its texts and the canvas size.
func drawLabels(t *testing.T, c *campaign.Campaign, d letters.DigestData, history []Day) ([]label, vg.Length, vg.Length) {
	t.Helper()
	w, h := chartCSS(len(d.Meetings))
	cv := &textCanvas{Canvas: vgimg.NewWith(vgimg.UseWH(cssPx(float64(w)), cssPx(float64(h))), vgimg.UseDPI(96*chartScale))}
	if err := drawChart(cv, c, d, history); err != nil {
		t.Fatal(err)
	}
	if cv.transforms > 0 {
		t.Fatalf("the chart drew under %d transforms: the label boxes below do not follow them", cv.transforms)
	}
	return cv.labels, cssPx(float64(w)), cssPx(float64(h))
}

// Every text the chart draws lies inside the canvas, with room to spare, in every shape of
// chart: the scripted morning, a campaign of long names and overbooked meetings, the last
// day of a long campaign, and English.
func TestChartLabelsAreNotClipped(t *testing.T) {
	c, _, m := makeDigest(t)
	long := m.Data
	long.Meetings = append([]letters.DigestMeeting(nil), long.Meetings...)
	long.Meetings[0].Meeting.City = "Ringkøbing-Skjern Kulturhus, Store Sal"
	long.Meetings[0].People, long.Meetings[0].Municipalities = 1234, 98
	long.Meetings[1].Held = true
	var days []Day
	for i := range 120 {
		days = append(days, Day{Day: time.Date(2012, 2, 6+i, 0, 0, 0, 0, c.Location), Confirmed: i * 98 / 120, Population: int64(i) * 5_000_000 / 120})
	}
	en := *c
	en.Language = "en"
	for _, tc := range []struct {
		name    string
		c       *campaign.Campaign
		d       letters.DigestData
		history []Day
	}{
		{"the scripted morning", c, m.Data, m.History},
		{"long names, overbooked, held", c, long, days},
		{"a single day", c, m.Data, days[:1]},
		{"English", &en, long, days},
	} {
		t.Run(tc.name, func(t *testing.T) {
			labels, w, h := drawLabels(t, tc.c, tc.d, tc.history)
			if len(labels) < 8 {
				t.Fatalf("only %d texts drawn: %v", len(labels), labels)
			}
			margin := cssPx(2)
			for _, l := range labels {
				b := l.box
				if b.Min.X < margin || b.Min.Y < margin || b.Max.X > w-margin || b.Max.Y > h-margin {
					t.Errorf("%q lies at %.1f,%.1f–%.1f,%.1f pt, outside the canvas of %.1f×%.1f pt less %.1f",
						l.text, b.Min.X, b.Min.Y, b.Max.X, b.Max.Y, w, h, margin)
				}
			}
			for i, a := range labels {
				for _, b := range labels[i+1:] {
					if overlap(a.box, b.box) {
						t.Errorf("%q and %q overlap", a.text, b.text)
					}
				}
			}
		})
	}
}

func overlap(a, b vg.Rectangle) bool {
	const slack = 0.5 // glyph boxes of one line touch
	return a.Min.X+slack < b.Max.X && b.Min.X+slack < a.Max.X && a.Min.Y+slack < b.Max.Y && b.Min.Y+slack < a.Max.Y
}

// The PNG is twice the CSS size the HTML shows it at, its text is real text (the labels say
// what a reader needs), and its edges are background: nothing is cut off at the border.
func TestChartIsSharpAndUncut(t *testing.T) {
	c, _, m := makeDigest(t)
	img := decodePNG(t, m.Chart)
	w, h := ChartSize(3)
	if img.Bounds().Dx() != w || img.Bounds().Dy() != h || w != 2*chartWidth {
		t.Fatalf("chart is %v, want %dx%d (twice %d CSS pixels wide)", img.Bounds(), w, h, chartWidth)
	}
	for x := 0; x < w; x++ {
		for _, y := range []int{0, 1, h - 2, h - 1} {
			if !white(img.At(x, y)) {
				t.Fatalf("pixel %d,%d is not background: something touches the top or bottom edge", x, y)
			}
		}
	}
	for y := 0; y < h; y++ {
		for _, x := range []int{0, 1, w - 2, w - 1} {
			if !white(img.At(x, y)) {
				t.Fatalf("pixel %d,%d is not background: something touches a side", x, y)
			}
		}
	}
	labels, _, _ := drawLabels(t, c, m.Data, m.History)
	var all []string
	for _, l := range labels {
		all = append(all, l.text)
	}
	got := strings.Join(all, "|")
	for _, want := range []string{"Bekræftede tilslutningsaftaler mod grænsen", "Kommuner", "Indbyggere", "Grænse 50 %",
		"Tilmeldte pr. møde", "Aalborg, 28.2.", "5 af 90 pladser · 3 kommuner", "Roskilde, 1.3.", "21.2."} {
		if !strings.Contains(got, want) {
			t.Errorf("the chart does not write %q; it writes %s", want, got)
		}
	}
}

// The chart's PNG holds the very pixels drawn, and is small enough to go with a daily mail.
func TestChartPNGIsTheDrawing(t *testing.T) {
	c, _, m := makeDigest(t)
	drawn, err := chartImage(c, m.Data, m.History)
	if err != nil {
		t.Fatal(err)
	}
	img := decodePNG(t, m.Chart)
	if img.Bounds() != drawn.Bounds() {
		t.Fatalf("the PNG is %v, the drawing %v", img.Bounds(), drawn.Bounds())
	}
	for y := drawn.Bounds().Min.Y; y < drawn.Bounds().Max.Y; y++ {
		for x := drawn.Bounds().Min.X; x < drawn.Bounds().Max.X; x++ {
			r, g, b, a := img.At(x, y).RGBA()
			r0, g0, b0, a0 := drawn.At(x, y).RGBA()
			if r != r0 || g != g0 || b != b0 || a != a0 {
				t.Fatalf("pixel %d,%d is %v in the PNG, %v drawn", x, y, img.At(x, y), drawn.At(x, y))
			}
		}
	}
	if len(m.Chart) > 128<<10 {
		t.Errorf("the chart takes %d KB of a daily mail, want at most 128", len(m.Chart)>>10)
	}
}

// BenchmarkChart draws and encodes the chart of the scripted digest, three meetings; KB is
// the PNG's size.
func BenchmarkChart(b *testing.B) {
	c, _, m := makeDigest(b)
	var png []byte
	for b.Loop() {
		var err error
		if png, err = Chart(c, m.Data, m.History); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(png))/1024, "KB")
}

func white(c color.Color) bool {
	r, g, b, _ := c.RGBA()
	return r>>8 >= 0xfc && g>>8 >= 0xfc && b>>8 >= 0xfc
}

func TestChartIsDeterministic(t *testing.T) {
	c := exampleCampaign(t)
	_, _, m := makeDigest(t)
	days := []Day{{Day: m.Data.Date.AddDate(0, 0, -1), Confirmed: 3, Population: 100000}, {Day: m.Data.Date, Confirmed: 12, Population: 900000}}
	a, err := Chart(c, m.Data, days)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Chart(c, m.Data, days)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) {
		t.Error("the same data drew two different PNGs")
	}
}
