package digest

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/rsvpd/rsvpd/desk/browsertest"
	"github.com/rsvpd/rsvpd/mailer/letters"
	"github.com/rsvpd/rsvpd/testenv"
)

// chromiumInstall is what to run when the browser is missing; scripts/setup does it for CI.
const chromiumInstall = "apt-get install -y --no-install-recommends chromium (or run scripts/setup as root)"

// screenshot renders file with headless Chromium and returns the screenshot and the page's
// problems: console messages (an uncaught error is one) in Chromium's log. A missing
// browser fails the test: the check is part of the acceptance, never skipped.
func screenshot(t *testing.T, file string, width, height int) (image.Image, []string) {
	t.Helper()
	bin := testenv.Tool(t, "chromium", chromiumInstall)
	dir := testenv.ChromiumDir(t) // its TMPDIR too: one killed at the time limit leaves nothing
	shot := filepath.Join(dir, "screenshot.png")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
		"--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir="+filepath.Join(dir, "profile"), "--enable-logging=stderr", "--v=0",
		"--force-device-scale-factor=1", "--hide-scrollbars",
		"--screenshot="+shot, "--window-size="+strconv.Itoa(width)+","+strconv.Itoa(height), "file://"+file)
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stderr, &stderr
	cmd.Env = append(os.Environ(), "HOME="+dir, "TMPDIR="+dir) // Chromium writes caches under HOME
	if err := cmd.Run(); err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			t.Fatalf("chromium exited %d rendering %s:\n%s", exit.ExitCode(), file, stderr.String())
		}
		t.Fatalf("run chromium: %v\n%s", err, stderr.String())
	}
	b, err := os.ReadFile(shot)
	if err != nil {
		t.Fatalf("chromium wrote no screenshot: %v\n%s", err, stderr.String())
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("the screenshot is not a PNG: %v", err)
	}
	var problems []string
	for _, line := range strings.Split(stderr.String(), "\n") {
		// Chromium logs every console message as INFO:CONSOLE (an uncaught exception too); its
		// own D-Bus and GPU complaints in a container are not about the page.
		if strings.Contains(line, ":CONSOLE") || strings.Contains(line, "Uncaught") {
			problems = append(problems, line)
		}
	}
	return img, problems
}

// near counts the pixels within 6 per channel of the colour (r, g, b).
func near(img image.Image, r, g, b uint8) int {
	n := 0
	bo := img.Bounds()
	for y := bo.Min.Y; y < bo.Max.Y; y++ {
		for x := bo.Min.X; x < bo.Max.X; x++ {
			cr, cg, cb, _ := img.At(x, y).RGBA()
			if absDiff(cr>>8, r) <= 6 && absDiff(cg>>8, g) <= 6 && absDiff(cb>>8, b) <= 6 {
				n++
			}
		}
	}
	return n
}

func absDiff(a uint32, b uint8) uint32 {
	if a > uint32(b) {
		return a - uint32(b)
	}
	return uint32(b) - a
}

// colours counts the distinct colours of an image, up to limit.
func colours(img image.Image, limit int) int {
	seen := map[[3]uint32]bool{}
	bo := img.Bounds()
	for y := bo.Min.Y; y < bo.Max.Y; y++ {
		for x := bo.Min.X; x < bo.Max.X; x++ {
			r, g, b, _ := img.At(x, y).RGBA()
			seen[[3]uint32{r, g, b}] = true
			if len(seen) >= limit {
				return len(seen)
			}
		}
	}
	return len(seen)
}

// The HTML part renders in a real browser without page errors, and the chart, referenced by
// its Content-ID, shows in it (rewritten to a file beside the page, as a mail client would
// resolve cid: to the related part).
func TestDigestHTMLRendersInChromium(t *testing.T) {
	_, _, m := makeDigest(t)
	dir := t.TempDir()
	ref := `src="cid:` + m.ChartCID + `"`
	if !strings.Contains(m.Letter.HTML, ref) {
		t.Fatalf("the HTML does not show the chart by its Content-ID (%s)", ref)
	}
	html := strings.Replace(m.Letter.HTML, ref, `src="chart.png"`, 1)
	page := filepath.Join(dir, "digest.html")
	if err := os.WriteFile(page, []byte(html), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "chart.png"), m.Chart, 0o644); err != nil {
		t.Fatal(err)
	}
	img, problems := screenshot(t, page, 1000, 1400)
	if len(problems) > 0 {
		t.Errorf("the page reported errors:\n%s", strings.Join(problems, "\n"))
	}
	if img.Bounds().Dx() != 1000 || img.Bounds().Dy() != 1400 {
		t.Errorf("screenshot is %v, want 1000x1400", img.Bounds())
	}
	if n := colours(img, 50); n < 50 {
		t.Errorf("the screenshot has %d colours: the page is (nearly) blank", n)
	}
	// The chart's blue-grey of the places appears nowhere else on the page: seeing its bars
	// proves the image loaded and was drawn.
	if n := near(img, 0xdf, 0xe6, 0xee); n < 2000 {
		t.Errorf("only %d pixels of the chart's places in the screenshot: the chart did not show", n)
	}
}

// The checks above must be able to fail: a page with a script error and a missing image is
// caught by them.
func TestChromiumCheckCatchesBrokenPages(t *testing.T) {
	dir := t.TempDir()
	page := filepath.Join(dir, "broken.html")
	html := `<!DOCTYPE html><html><body><p>broken</p><img src="missing.png"><script>throw new Error("kaputt")</script></body></html>`
	if err := os.WriteFile(page, []byte(html), 0o644); err != nil {
		t.Fatal(err)
	}
	img, problems := screenshot(t, page, 400, 300)
	if len(problems) == 0 || !strings.Contains(strings.Join(problems, "\n"), "kaputt") {
		t.Errorf("an uncaught error was not reported; problems: %v", problems)
	}
	if n := near(img, 0xdf, 0xe6, 0xee); n >= 100 { // a broken-image icon may share a pixel or two
		t.Errorf("%d pixels of the places' colour on a page without the chart", n)
	}
}

// fitScript measures how far the page and each table reach past the letter's column: the
// white box's content, inside its padding.
const fitScript = `(() => {
  const div = document.body.firstElementChild;
  const col = {right: div.getBoundingClientRect().right - parseFloat(getComputedStyle(div).paddingRight)};
  return {page: document.documentElement.scrollWidth, inner: window.innerWidth,
    tables: [...document.querySelectorAll("table")].map(t => {
      const r = t.getBoundingClientRect();
      const w = t.style.width;
      t.style.width = "0"; // a table is never narrower than its content: this is the least it needs
      const least = t.getBoundingClientRect().width;
      t.style.width = w;
      return {width: Math.round(r.width), least: Math.round(least), right: Math.round(r.right), column: Math.round(col.right),
        head: t.rows[0].textContent.trim().replace(/\\s+/g, " ")};
    })};
})()`

// On a phone (390 pixels) the digest and the participant list fit the screen: no table reaches past the letter's
// column, and the page does not scroll sideways; so at a desktop's width. The tester found
// "Tilmeldte pr. møde" 457 pixels wide at 390, its "Ledige" column cut off. Screenshots at
// both widths are left in the test's artefacts.
func TestDigestFitsAPhone(t *testing.T) {
	c, _, m := makeDigest(t)
	l, err := letters.New(c, "")
	if err != nil {
		t.Fatal(err)
	}
	ctx := browsertest.Start(t, 2*time.Minute)
	dir := browsertest.Artefacts(t)
	for _, lang := range letters.Languages() {
		// With the desk's links, as the staff get it.
		r, err := l.Render(letters.KindDigest, letters.Data{Lang: lang, Digest: &m.Data, DeskURL: "https://desk.kombit.test"})
		if err != nil {
			t.Fatal(err)
		}
		page := filepath.Join(dir, "digest-"+lang+".html")
		if err := os.WriteFile(page, []byte(r.HTML), 0o644); err != nil {
			t.Fatal(err)
		}
		checkFits(t, ctx, page)
		browsertest.Shoot(t, ctx, dir, "digest-"+lang)
	}
	// The participant list's roles ("ledsager ikke navngivet (skolebibliotekskonsulent)")
	// break rather than widen it.
	d := letters.SampleData(c, letters.KindParticipantList)
	r, err := l.Render(letters.KindParticipantList, d)
	if err != nil {
		t.Fatal(err)
	}
	page := filepath.Join(dir, "participant-list.html")
	if err := os.WriteFile(page, []byte(r.HTML), 0o644); err != nil {
		t.Fatal(err)
	}
	checkFits(t, ctx, page)
	browsertest.Shoot(t, ctx, dir, "participant-list")
}

// checkFits loads the page at a phone's and a desktop's width and checks that nothing
// reaches past the letter's column.
func checkFits(t *testing.T, ctx context.Context, page string) {
	t.Helper()
	type fit struct {
		Page, Inner int
		Tables      []struct {
			Width, Least, Right, Column int
			Head                        string
		}
	}
	for _, width := range []int64{390, 1366} {
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(width, 900), chromedp.Navigate("file://"+page)); err != nil {
			t.Fatal(err)
		}
		if err := browsertest.Settle(ctx); err != nil {
			t.Fatal(err)
		}
		got, err := chromedp.Run(ctx, chromedp.Evaluate[fit](fitScript))
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s at %d pixels: %+v", filepath.Base(page), width, got)
		if got.Inner != int(width) {
			t.Fatalf("the viewport is %d pixels wide, not %d: the measure would not be of a phone", got.Inner, width)
		}
		if got.Page > got.Inner {
			t.Errorf("at %d pixels the page is %d pixels wide: it scrolls sideways", width, got.Page)
		}
		if len(got.Tables) == 0 {
			t.Errorf("%s at %d pixels: no table measured", filepath.Base(page), width)
		}
		for _, tb := range got.Tables {
			if tb.Right > tb.Column {
				t.Errorf("%s at %d pixels: the table %q is %d pixels wide and reaches %d pixels past the letter's column",
					filepath.Base(page), width, tb.Head, tb.Width, tb.Right-tb.Column)
			}
		}
	}
}
