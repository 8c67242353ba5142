package digest

import (
	"image"
	"time"

	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
	"golang.org/x/text/unicode/norm"
)

// Glyph cells of basicfont.Face7x13: 7 pixels apart, 13 high, the baseline 11 from the top.
const (
	cellWidth  = 7
	cellHeight = 13
	baseline   = 11
)

// painter draws filled rectangles, thick lines and bitmap text on a paletted image; no
// anti-aliasing, so the output is the same on every machine.
type painter struct {
	img *image.Paletted
	loc *time.Location
}

// rect fills [x0,x1) x [y0,y1), clipped to the image.
func (p *painter) rect(x0, y0, x1, y1 int, col uint8) {
	r := image.Rect(x0, y0, x1, y1).Intersect(p.img.Rect)
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			p.img.SetColorIndex(x, y, col)
		}
	}
}

// line draws a line two pixels thick (Bresenham with a 2x2 pen).
func (p *painter) line(x0, y0, x1, y1 int, col uint8) {
	dx, dy := abs(x1-x0), -abs(y1-y0)
	sx, sy := sign(x1-x0), sign(y1-y0)
	e := dx + dy
	for {
		p.rect(x0, y0-1, x0+2, y0+1, col)
		if x0 == x1 && y0 == y1 {
			return
		}
		if e2 := 2 * e; e2 >= dy {
			e += dy
			x0 += sx
		} else {
			e += dx
			y0 += sy
		}
	}
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

func sign(n int) int {
	switch {
	case n < 0:
		return -1
	case n > 0:
		return 1
	}
	return 0
}

// text writes s with its cells' top-left corner at (x, y), each font pixel scale x scale
// large, and returns the width it took.
func (p *painter) text(x, y int, s string, scale int, col uint8) int {
	start := x
	for _, r := range s {
		g := glyph(r)
		for gy := range cellHeight {
			for gx := range cellWidth {
				if g[gy][gx] {
					p.rect(x+gx*scale, y+gy*scale, x+(gx+1)*scale, y+(gy+1)*scale, col)
				}
			}
		}
		x += cellWidth * scale
	}
	return x - start
}

// cell is one character's pixels.
type cell [cellHeight][cellWidth]bool

// glyph is the bitmap of a rune: basicfont's for ASCII, our own for the Danish letters it
// lacks (æ ø å Æ Ø Å), the base letter for other accented letters ("é" as "e"), and "?" for
// the rest.
func glyph(r rune) cell {
	if rows, ok := danishGlyph(r); ok {
		var g cell
		for y, row := range rows {
			for x, ch := range row {
				g[y][x] = ch == '#'
			}
		}
		return g
	}
	if r >= 0x80 {
		base := []rune(norm.NFD.String(string(r)))
		r = '?'
		if len(base) > 0 && base[0] >= 0x20 && base[0] < 0x7f {
			r = base[0]
		}
	}
	var g cell
	dr, mask, mp, _, ok := basicfont.Face7x13.Glyph(fixed.P(0, baseline), r)
	if !ok {
		dr, mask, mp, _, _ = basicfont.Face7x13.Glyph(fixed.P(0, baseline), '?')
	}
	for y := dr.Min.Y; y < dr.Max.Y; y++ {
		for x := dr.Min.X; x < dr.Max.X; x++ {
			if x < 0 || y < 0 || x >= cellWidth || y >= cellHeight {
				continue
			}
			if _, _, _, a := mask.At(mp.X+x-dr.Min.X, mp.Y+y-dr.Min.Y).RGBA(); a > 0x7fff {
				g[y][x] = true
			}
		}
	}
	return g
}

// danishGlyph draws the letters basicfont lacks in its own style (6 wide, capitals from row 2,
// x-height from row 5).
func danishGlyph(r rune) ([]string, bool) {
	switch r {
	case 'æ':
		return []string{"", "", "", "", "",
			".##.#.",
			"...#.#",
			".#####",
			"#..#..",
			"#..#.#",
			".##.#.",
		}, true
	case 'ø':
		return []string{"", "", "", "", "",
			".####.",
			"#...##",
			"#..#.#",
			"#.#..#",
			"##...#",
			".####.",
		}, true
	case 'å':
		return []string{"",
			"..##..",
			".#..#.",
			"..##..",
			"",
			".####.",
			".....#",
			".#####",
			"#....#",
			"#...##",
			".###.#",
		}, true
	case 'Æ':
		return []string{"", "",
			".#####",
			"#..#..",
			"#..#..",
			"#..#..",
			"######",
			"#..#..",
			"#..#..",
			"#..#..",
			"#..###",
		}, true
	case 'Ø':
		return []string{"", "",
			".####.",
			"#....#",
			"#...##",
			"#..#.#",
			"#..#.#",
			"#.#..#",
			"#.#..#",
			"##...#",
			".####.",
		}, true
	case 'Å':
		return []string{
			"..##..",
			".#..#.",
			"..##..",
			".#..#.",
			"#....#",
			"#....#",
			"######",
			"#....#",
			"#....#",
			"#....#",
			"#....#",
		}, true
	}
	return nil, false
}
