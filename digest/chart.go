package digest

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"

	stdfont "golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/rsvpd/rsvpd/agreement/fonts"
	"github.com/rsvpd/rsvpd/campaign"
	"github.com/rsvpd/rsvpd/mailer/letters"
)

// The chart's geometry in CSS pixels: the width of the digest's column, which the HTML shows it
// at, and heights that grow with the number of meetings. It is drawn at chartScale pixels per
// CSS pixel, so text stays sharp on high-density screens and when a mail client zooms.
const (
	chartWidth       = 600
	chartScale       = 2
	agreementsHeight = 290 // the panel of confirmed agreements against the threshold
	meetingsTop      = 56  // the meetings panel's title and margins
	meetingRow       = 40  // one meeting: its line of text and its bar
	chartMargin      = 10  // around each panel, so nothing touches the edge
)

// The chart's colours: the digest's blue for municipalities and people, orange for the
// population, red for the threshold and people beyond the capacity, light blue-grey for the
// places.
var (
	colText     = color.RGBA{0x22, 0x22, 0x22, 0xff}
	colMuted    = color.RGBA{0x55, 0x55, 0x55, 0xff}
	colBlue     = color.RGBA{0x1a, 0x3d, 0x5c, 0xff}
	colOrange   = color.RGBA{0xe0, 0x8a, 0x00, 0xff}
	colRed      = color.RGBA{0xb0, 0x00, 0x20, 0xff}
	colCapacity = color.RGBA{0xdf, 0xe6, 0xee, 0xff}
	colGrid     = color.RGBA{0xe6, 0xe6, 0xe6, 0xff}
)

// ChartSize is the chart's size in pixels (at chartScale) for a campaign with the given
// number of meetings.
func ChartSize(meetings int) (width, height int) {
	w, h := chartCSS(meetings)
	return w * chartScale, h * chartScale
}

func chartCSS(meetings int) (width, height int) {
	return chartWidth, agreementsHeight + meetingsTop + meetings*meetingRow
}

// cssPx is a length in CSS pixels as vg measures it (points: 96 CSS pixels are 72 points).
func cssPx(n float64) vg.Length { return vg.Length(n) * 0.75 }

// Chart draws the digest's chart as a PNG at twice its CSS size: the confirmed agreements per
// day as shares of the municipalities and of the population, against the go-ahead threshold;
// and per meeting the people registered against the places. Text is DejaVu Sans, as in the
// agreement PDF, in the campaign's language. The same data always gives the same bytes.
func Chart(c *campaign.Campaign, data letters.DigestData, history []Day) ([]byte, error) {
	img, err := chartImage(c, data, history)
	if err != nil {
		return nil, err
	}
	// The fastest compression: the best took 85 ms of the 220 ms a digest of 20,000 invitees
	// takes (BenchmarkDigestScale) for 5 % fewer bytes, 83 KB against 87 KB; the fastest
	// takes 13 ms. PNG is lossless at every level: the pixels are the same.
	var b bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	if err := enc.Encode(&b, img); err != nil {
		return nil, fmt.Errorf("draw digest chart: %w", err)
	}
	return b.Bytes(), nil
}

// chartImage draws the chart Chart encodes.
func chartImage(c *campaign.Campaign, data letters.DigestData, history []Day) (image.Image, error) {
	w, h := chartCSS(len(data.Meetings))
	cv := vgimg.NewWith(vgimg.UseWH(cssPx(float64(w)), cssPx(float64(h))), vgimg.UseDPI(96*chartScale),
		vgimg.UseBackgroundColor(color.White))
	if err := drawChart(cv, c, data, history); err != nil {
		return nil, err
	}
	return cv.Image(), nil
}

// drawChart draws both panels onto cv, which must have the size chartCSS gives.
func drawChart(cv vg.CanvasSizer, c *campaign.Campaign, data letters.DigestData, history []Day) error {
	ts, err := newTypeset(c.Language == "en")
	if err != nil {
		return fmt.Errorf("draw digest chart: %w", err)
	}
	all := draw.New(cv)
	m := cssPx(chartMargin)
	meetingsH := cssPx(float64(meetingsTop + len(data.Meetings)*meetingRow))
	top := draw.Crop(all, m, -m, meetingsH+m, -m)
	bottom := draw.Crop(all, m, -m, m, -(all.Max.Y - meetingsH))
	agreementsPlot(ts, data.Progress, history).Draw(agreementsHead(ts, top, data.Progress.Threshold))
	if len(data.Meetings) > 0 {
		meetingsPlot(ts, data.Meetings, location(c)).Draw(meetingsHead(ts, bottom))
	}
	return nil
}

// typeset is the chart's text: DejaVu Sans in two weights, and the words of its language.
type typeset struct {
	handler text.Handler
	en      bool
}

const typeface = "DejaVu Sans"

func newTypeset(en bool) (typeset, error) {
	var coll font.Collection
	for _, f := range []struct {
		ttf    []byte
		weight stdfont.Weight
	}{{fonts.Regular(), stdfont.WeightNormal}, {fonts.Bold(), stdfont.WeightBold}} {
		face, err := opentype.Parse(f.ttf)
		if err != nil {
			return typeset{}, fmt.Errorf("read DejaVu Sans: %w", err)
		}
		coll = append(coll, font.Face{Font: font.Font{Typeface: typeface, Weight: f.weight}, Face: face})
	}
	return typeset{handler: text.Plain{Fonts: font.NewCache(coll)}, en: en}, nil
}

// style is a text style of the chart: size in points, bold or not.
func (ts typeset) style(size float64, bold bool, col color.Color) text.Style {
	f := font.Font{Typeface: typeface, Size: vg.Length(size)}
	if bold {
		f.Weight = stdfont.WeightBold
	}
	return text.Style{Color: col, Font: f, Handler: ts.handler}
}

// title writes a panel's title centred at the top of c and moves c's top below it.
func (ts typeset) title(c *draw.Canvas, s string) {
	sty := ts.style(11, true, colText)
	sty.XAlign = draw.XCenter
	baseline := c.Max.Y - sty.FontExtents().Ascent
	c.FillText(sty, vg.Point{X: c.Center().X, Y: baseline}, s)
	c.Max.Y = baseline - sty.FontExtents().Descent - cssPx(8)
}

// newPlot is a plot whose every text is DejaVu: title, axes, ticks and legend.
func (ts typeset) newPlot(title string) *plot.Plot {
	p := plot.New()
	p.TextHandler = ts.handler
	p.Title.Text = title
	p.Title.TextStyle = ts.style(10, true, colText)
	p.Title.TextStyle.XAlign, p.Title.TextStyle.YAlign = draw.XCenter, draw.YTop
	p.Title.Padding = cssPx(8)
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle = ts.style(8.5, false, colMuted)
		tick := ts.style(8.5, false, colMuted)
		tick.XAlign, tick.YAlign = a.Tick.Label.XAlign, a.Tick.Label.YAlign
		a.Tick.Label = tick
		a.LineStyle.Color, a.Tick.LineStyle.Color = colMuted, colMuted
		a.Tick.Length = cssPx(4)
	}
	p.Legend.TextStyle = ts.style(8, false, colText)
	p.Legend.ThumbnailWidth = cssPx(18)
	return p
}
