package digest

import (
	"fmt"
	"image/color"
	"math"
	"strings"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/rsvpd/rsvpd/mailer/letters"
)

// agreementsPlot draws the confirmed agreements per day as two shares, of the municipalities
// and of the population, against the threshold: the go-ahead comes when either line reaches
// the dashed one. Its title and legend are drawn above it (agreementsHead), in one row.
func agreementsPlot(ts typeset, p letters.DigestProgress, history []Day) *plot.Plot {
	pl := ts.newPlot("")
	grid := plotter.NewGrid()
	grid.Vertical.Color, grid.Horizontal.Color = nil, colGrid
	pl.Add(grid)
	byInvitees, byPopulation := make(plotter.XYs, len(history)), make(plotter.XYs, len(history))
	top := 100 * p.Threshold * 1.2
	for i, d := range history {
		byInvitees[i] = plotter.XY{X: float64(i), Y: share(int64(d.Confirmed), int64(p.Invitees))}
		byPopulation[i] = plotter.XY{X: float64(i), Y: share(d.Population, p.Population)}
		top = max(top, byInvitees[i].Y*1.1, byPopulation[i].Y*1.1)
	}
	top = min(math.Ceil(top/10)*10, 100)
	last := float64(max(len(history)-1, 1))
	threshold, _ := plotter.NewLine(plotter.XYs{{X: 0, Y: 100 * p.Threshold}, {X: last, Y: 100 * p.Threshold}})
	threshold.LineStyle = thresholdStyle()
	pl.Add(threshold)
	// The population first, so the municipalities' line stays visible where both are level.
	for _, l := range []struct {
		xys plotter.XYs
		col color.Color
	}{{byPopulation, colOrange}, {byInvitees, colBlue}} {
		line, points, err := plotter.NewLinePoints(l.xys)
		if err != nil {
			continue // no days: nothing to draw
		}
		line.Width, line.Color = cssPx(2), l.col
		points.Shape, points.Color, points.Radius = draw.CircleGlyph{}, l.col, cssPx(2)
		if len(l.xys) > 60 {
			points.Radius = 0
		}
		pl.Add(line, points)
	}
	pl.X.Min, pl.X.Max = 0, last
	pl.X.Tick.Marker = dayTicks(history, ts.en)
	pl.Y.Min, pl.Y.Max = 0, top
	pl.Y.Tick.Marker = percentTicks(top, ts.en)
	return pl
}

func thresholdStyle() draw.LineStyle {
	return draw.LineStyle{Color: colRed, Width: cssPx(1.5), Dashes: []vg.Length{cssPx(6), cssPx(4)}}
}

// agreementsHead draws the panel's title and, under it, its legend in one row, both centred,
// and returns the canvas left below them for the plot.
func agreementsHead(ts typeset, c draw.Canvas, threshold float64) draw.Canvas {
	title, munis, people, limit := "Bekræftede tilslutningsaftaler mod grænsen", "Kommuner", "Indbyggere", "Grænse"
	if ts.en {
		title, munis, people, limit = "Confirmed agreements against the threshold", "Municipalities", "Population", "Threshold"
	}
	ts.title(&c, title)
	sty := ts.style(9, false, colText)
	swatch, gap := cssPx(18), cssPx(5)
	entries := []struct {
		name string
		line draw.LineStyle
	}{
		{munis, draw.LineStyle{Color: colBlue, Width: cssPx(2)}},
		{people, draw.LineStyle{Color: colOrange, Width: cssPx(2)}},
		{limit + " " + percentIn(threshold, ts.en), thresholdStyle()},
	}
	var width vg.Length
	for i, e := range entries {
		width += swatch + gap + sty.Width(e.name)
		if i > 0 {
			width += cssPx(18)
		}
	}
	x := c.Center().X - width/2
	baseline := c.Max.Y - sty.FontExtents().Ascent
	mid := baseline + sty.FontExtents().Ascent*0.35
	for _, e := range entries {
		c.StrokeLine2(e.line, x, mid, x+swatch, mid)
		x += swatch + gap
		c.FillText(sty, vg.Point{X: x, Y: baseline}, e.name)
		x += sty.Width(e.name) + cssPx(18)
	}
	c.Max.Y = baseline - sty.FontExtents().Descent - cssPx(10)
	return c
}

// share is n of of in per cent.
func share(n, of int64) float64 {
	if of == 0 {
		return 0
	}
	return 100 * float64(n) / float64(of)
}

// percentIn writes a share as the campaign's language does: "50 %", "50%".
func percentIn(f float64, en bool) string {
	s := fmt.Sprintf("%.0f", 100*f)
	if en {
		return s + "%"
	}
	return s + " %"
}

// percentTicks labels the share axis every 10 or 20 points up to top.
func percentTicks(top float64, en bool) plot.ConstantTicks {
	step := 10.0
	if top > 60 {
		step = 20
	}
	var ticks plot.ConstantTicks
	for v := 0.0; v <= top+1e-9; v += step {
		ticks = append(ticks, plot.Tick{Value: v, Label: percentIn(v/100, en)})
	}
	return ticks
}

// dayTicks marks every day and labels every k-th, counted back from the last so that today is
// labelled, with k as small as keeps the labels apart (at most eight labels).
func dayTicks(history []Day, en bool) plot.ConstantTicks {
	k := max(1, (len(history)+7)/8)
	var ticks plot.ConstantTicks
	for i, d := range history {
		t := plot.Tick{Value: float64(i)}
		if (len(history)-1-i)%k == 0 {
			t.Label = shortDate(d.Day, en)
		}
		if len(history) <= 60 || t.Label != "" {
			ticks = append(ticks, t)
		}
	}
	return ticks
}

// meetingsHead draws the meetings panel's title and returns the canvas below it.
func meetingsHead(ts typeset, c draw.Canvas) draw.Canvas {
	title := "Tilmeldte pr. møde"
	if ts.en {
		title = "Registrations per meeting"
	}
	ts.title(&c, title)
	return c
}

// meetingsPlot draws per meeting a line of text (the city and day, the people against the
// places, the municipalities) over a bar of the people against the places; a meeting held
// shows what it had.
func meetingsPlot(ts typeset, meetings []letters.DigestMeeting, loc *time.Location) *plot.Plot {
	pl := ts.newPlot("")
	pl.HideAxes()
	bars := &meetingBars{ts: ts, meetings: meetings, loc: loc}
	pl.Add(bars)
	pl.X.Min, pl.X.Max = 0, float64(bars.most())
	pl.Y.Min, pl.Y.Max = 0, float64(len(meetings))
	return pl
}

// meetingBars is the plotter of meetingsPlot: one row per meeting from the top.
type meetingBars struct {
	ts       typeset
	meetings []letters.DigestMeeting
	loc      *time.Location
}

// most is the scale of the bars: the largest room or registration.
func (b *meetingBars) most() int {
	most := 1
	for _, m := range b.meetings {
		most = max(most, m.Meeting.Capacity, m.People)
	}
	return most
}

// Plot draws the rows; each label is measured and shortened to fit the row's width.
func (b *meetingBars) Plot(c draw.Canvas, _ *plot.Plot) {
	name, figures := b.ts.style(9.5, true, colText), b.ts.style(9, false, colMuted)
	figures.XAlign = draw.XRight
	row := (c.Max.Y - c.Min.Y) / vg.Length(len(b.meetings))
	width := c.Max.X - c.Min.X
	scale := func(n int) vg.Length { return width * vg.Length(n) / vg.Length(b.most()) }
	for i, m := range b.meetings {
		top := c.Max.Y - vg.Length(i)*row
		baseline := top - name.FontExtents().Ascent
		label := m.Meeting.City + ", " + shortDate(m.Meeting.Start.In(b.loc), b.ts.en)
		c.FillText(name, vg.Point{X: c.Min.X, Y: baseline}, label)
		room := width - name.Width(label) - cssPx(12)
		fig := b.figures(m)
		for len(fig) > 1 && figures.Width(strings.Join(fig, " · ")) > room {
			fig = fig[:len(fig)-1] // the least needed part goes first
		}
		c.FillText(figures, vg.Point{X: c.Max.X, Y: baseline}, strings.Join(fig, " · "))
		barTop := baseline - name.FontExtents().Descent - cssPx(4)
		barBottom := barTop - cssPx(14)
		rect := func(from, to int, col color.Color) {
			if to <= from {
				return
			}
			x0, x1 := c.Min.X+scale(from), c.Min.X+scale(to)
			c.FillPolygon(col, []vg.Point{{X: x0, Y: barBottom}, {X: x1, Y: barBottom}, {X: x1, Y: barTop}, {X: x0, Y: barTop}})
		}
		people := m.People
		if m.Meeting.Capacity > 0 && !m.Held {
			rect(0, m.Meeting.Capacity, colCapacity)
			people = min(m.People, m.Meeting.Capacity)
			rect(m.Meeting.Capacity, m.People, colRed)
		}
		rect(0, people, colBlue)
	}
}

// figures are a meeting's numbers in words, the most needed first.
func (b *meetingBars) figures(m letters.DigestMeeting) []string {
	if b.ts.en {
		out := []string{fmt.Sprintf("%d people", m.People)}
		switch {
		case m.Held:
			out[0] = fmt.Sprintf("held with %d people", m.People)
		case m.Meeting.Capacity > 0 && m.People > m.Meeting.Capacity:
			out[0] = fmt.Sprintf("%d people, %d places: overbooked", m.People, m.Meeting.Capacity)
		case m.Meeting.Capacity > 0:
			out[0] = fmt.Sprintf("%d of %d places", m.People, m.Meeting.Capacity)
		}
		return append(out, fmt.Sprintf("%d municipalities", m.Municipalities))
	}
	out := []string{fmt.Sprintf("%d personer", m.People)}
	switch {
	case m.Held:
		out[0] = fmt.Sprintf("afholdt med %d personer", m.People)
	case m.Meeting.Capacity > 0 && m.People > m.Meeting.Capacity:
		out[0] = fmt.Sprintf("%d personer, %d pladser: overbooket", m.People, m.Meeting.Capacity)
	case m.Meeting.Capacity > 0:
		out[0] = fmt.Sprintf("%d af %d pladser", m.People, m.Meeting.Capacity)
	}
	return append(out, fmt.Sprintf("%d kommuner", m.Municipalities))
}

// DataRange lets the plot's axes span the bars.
func (b *meetingBars) DataRange() (xmin, xmax, ymin, ymax float64) {
	return 0, float64(b.most()), 0, float64(len(b.meetings))
}

// shortDate is a day as the chart writes it: "21.2." in Danish, "21 Feb" in English.
func shortDate(t time.Time, en bool) string {
	if en {
		return t.Format("2 Jan")
	}
	return fmt.Sprintf("%d.%d.", t.Day(), int(t.Month()))
}
