package digest

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"time"

	"github.com/rsvpd/rsvpd/campaign"
	"github.com/rsvpd/rsvpd/mailer/letters"
)

// The chart's geometry, in pixels. The width fits the 640-720 px column of a mail client; the
// height grows with the number of meetings.
const (
	chartWidth   = 720
	chartTop     = 50  // the meetings' rows start below the title and legend
	chartRow     = 46  // one meeting's row
	chartGap     = 20  // between the two panels
	chartLower   = 232 // the answers panel: title, plot and date labels
	labelColumn  = 150 // where the bars start; the city and date are left of it
	barEnd       = 560 // where the longest bar ends; its figures are right of it
	plotLeft     = 56
	plotRight    = 700
	plotHeight   = 160
	plotTitleGap = 44 // from the panel's top to the plot's top
)

// The colours of the chart: the digest's blue for people and the answers, orange for
// municipalities, grey for the places, red for people beyond the capacity.
func chartPalette() color.Palette {
	return color.Palette{
		color.RGBA{0xff, 0xff, 0xff, 0xff}, // 0 background
		color.RGBA{0x22, 0x22, 0x22, 0xff}, // 1 text
		color.RGBA{0x66, 0x66, 0x66, 0xff}, // 2 secondary text
		color.RGBA{0xdf, 0xe6, 0xee, 0xff}, // 3 capacity
		color.RGBA{0x1a, 0x3d, 0x5c, 0xff}, // 4 people, answers line
		color.RGBA{0xe0, 0x8a, 0x00, 0xff}, // 5 municipalities
		color.RGBA{0xb0, 0x00, 0x20, 0xff}, // 6 over capacity
		color.RGBA{0xcf, 0xdc, 0xeb, 0xff}, // 7 area under the answers
		color.RGBA{0xe6, 0xe6, 0xe6, 0xff}, // 8 grid
		color.RGBA{0x99, 0x99, 0x99, 0xff}, // 9 axes
	}
}

const (
	colBackground uint8 = iota
	colText
	colMuted
	colCapacity
	colPeople
	colMunicipalities
	colOver
	colArea
	colGrid
	colAxis
)

// ChartSize is the size of the chart for a campaign with the given number of meetings.
func ChartSize(meetings int) (width, height int) {
	return chartWidth, chartTop + meetings*chartRow + chartGap + chartLower
}

// Chart draws the digest's chart as a PNG: per meeting, the people registered against the
// places (with the registered municipalities below), and the number of invitees that have
// answered, per day since the invitations, against all invitees. Labels are in the campaign's
// language. The same data always gives the same bytes.
func Chart(c *campaign.Campaign, data letters.DigestData, answers []Point) ([]byte, error) {
	w, h := ChartSize(len(data.Meetings))
	p := &painter{img: image.NewPaletted(image.Rect(0, 0, w, h), chartPalette()), loc: location(c)}
	en := c.Language == "en"
	p.meetingsPanel(data.Meetings, en)
	total := data.Progress.Invitees
	p.answersPanel(chartTop+len(data.Meetings)*chartRow+chartGap, answers, total, en)
	var b bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	if err := enc.Encode(&b, p.img); err != nil {
		return nil, fmt.Errorf("draw digest chart: %w", err)
	}
	return b.Bytes(), nil
}

// meetingsPanel draws the registrations per meeting as horizontal bars on one scale.
func (p *painter) meetingsPanel(meetings []letters.DigestMeeting, en bool) {
	title, people, munis, places, of := "Tilmeldte pr. møde", "personer", "kommuner", "pladser", "af"
	if en {
		title, people, munis, places, of = "Registrations per meeting", "people", "municipalities", "places", "of"
	}
	p.text(16, 10, title, 2, colText)
	x := 400
	for _, l := range []struct {
		col  uint8
		name string
	}{{colPeople, people}, {colMunicipalities, munis}, {colCapacity, places}} {
		p.rect(x, 19, x+10, 29, l.col)
		x += 14 + p.text(x+14, 17, l.name, 1, colMuted) + 12
	}
	most := 1
	for _, m := range meetings {
		most = max(most, m.Meeting.Capacity, m.People, m.Municipalities)
	}
	span := barEnd - labelColumn
	length := func(n int) int { return n * span / most }
	for i, m := range meetings {
		y := chartTop + i*chartRow
		p.text(16, y+2, m.Meeting.City, 1, colText)
		p.text(17, y+2, m.Meeting.City, 1, colText) // bold
		p.text(16, y+18, shortDate(m.Meeting.Start.In(p.loc), en), 1, colMuted)
		if m.Meeting.Capacity > 0 {
			p.rect(labelColumn, y+2, labelColumn+length(m.Meeting.Capacity), y+30, colCapacity)
		}
		ppl := length(m.People)
		p.rect(labelColumn, y+4, labelColumn+ppl, y+20, colPeople)
		if m.Meeting.Capacity > 0 && m.People > m.Meeting.Capacity {
			p.rect(labelColumn+length(m.Meeting.Capacity), y+4, labelColumn+ppl, y+20, colOver)
		}
		p.rect(labelColumn, y+22, labelColumn+length(m.Municipalities), y+28, colMunicipalities)
		fig := fmt.Sprintf("%d %s", m.People, people)
		if m.Meeting.Capacity > 0 {
			fig = fmt.Sprintf("%d %s %d", m.People, of, m.Meeting.Capacity)
		}
		figCol := colPeople
		if m.Meeting.Capacity > 0 && m.People > m.Meeting.Capacity {
			figCol = colOver
		}
		p.text(barEnd+8, y+4, fig, 1, figCol)
		p.text(barEnd+8, y+18, fmt.Sprintf("%d %s", m.Municipalities, munis), 1, colMunicipalities)
	}
}

// answersPanel draws the answers per day as a filled line against the number of invitees.
func (p *painter) answersPanel(top int, answers []Point, total int, en bool) {
	title, sub := "Svar over tid", "%d af %d har svaret"
	if en {
		title, sub = "Answers over time", "%d of %d have answered"
	}
	last := 0
	if len(answers) > 0 {
		last = answers[len(answers)-1].Answered
	}
	most := total
	for _, a := range answers {
		most = max(most, a.Answered)
	}
	most = max(most, 1)
	p.text(16, top, title, 2, colText)
	p.text(400, top+7, fmt.Sprintf(sub, last, total), 1, colMuted)
	y0 := top + plotTitleGap
	bottom := y0 + plotHeight
	yOf := func(n int) int { return bottom - n*plotHeight/most }
	step := niceStep(most)
	for n := 0; n <= most; n += step {
		p.rect(plotLeft, yOf(n), plotRight+1, yOf(n)+1, colGrid)
		label := fmt.Sprint(n)
		p.text(plotLeft-6-7*len(label), yOf(n)-6, label, 1, colMuted)
	}
	p.rect(plotLeft, y0, plotLeft+1, bottom+1, colAxis)
	p.rect(plotLeft, bottom, plotRight+1, bottom+1, colAxis)
	if len(answers) == 0 {
		return
	}
	xOf := func(i int) int {
		if len(answers) == 1 {
			return plotLeft
		}
		return plotLeft + i*(plotRight-plotLeft)/(len(answers)-1)
	}
	// The area first, column by column, so the line and the dots stay on top of it.
	for i := 0; i+1 < len(answers); i++ {
		xa, xb := xOf(i), xOf(i+1)
		ya, yb := yOf(answers[i].Answered), yOf(answers[i+1].Answered)
		for x := xa; x <= xb; x++ {
			y := ya + (yb-ya)*(x-xa)/max(xb-xa, 1)
			p.rect(x, y, x+1, bottom, colArea)
		}
	}
	for i := 0; i+1 < len(answers); i++ {
		p.line(xOf(i), yOf(answers[i].Answered), xOf(i+1), yOf(answers[i+1].Answered), colPeople)
	}
	if len(answers) <= 60 {
		for i, a := range answers {
			p.rect(xOf(i)-2, yOf(a.Answered)-2, xOf(i)+3, yOf(a.Answered)+3, colPeople)
		}
	}
	// Dates under the axis: every k-th day, counted back from the last so today is labelled.
	labelWidth := 7*len(shortDate(answers[0].Day, en)) + 14
	k := 1
	if len(answers) > 1 {
		perLabel := (plotRight - plotLeft) / (len(answers) - 1)
		for k*perLabel < labelWidth {
			k++
		}
	}
	for i := len(answers) - 1; i >= 0; i -= k {
		s := shortDate(answers[i].Day, en)
		x := xOf(i) - 7*len([]rune(s))/2
		x = min(max(x, 0), chartWidth-7*len([]rune(s)))
		p.rect(xOf(i), bottom, xOf(i)+1, bottom+4, colAxis)
		p.text(x, bottom+6, s, 1, colMuted)
	}
}

// niceStep is the distance between grid lines: 1, 2 or 5 times a power of ten, for at most
// six lines over the range.
func niceStep(most int) int {
	for unit := 1; ; unit *= 10 {
		for _, f := range []int{1, 2, 5} {
			if s := f * unit; most/s <= 5 {
				return s
			}
		}
	}
}

// shortDate is a day as the axis writes it: "21.2." in Danish, "21 Feb" in English.
func shortDate(t time.Time, en bool) string {
	if en {
		return t.Format("2 Jan")
	}
	return fmt.Sprintf("%d.%d.", t.Day(), int(t.Month()))
}
