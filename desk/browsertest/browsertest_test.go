package browsertest

import (
	"os"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// The Chromium of a test, killed when the test ends, leaves nothing in the temporary folder:
// it kept its singleton's socket in an org.chromium.Chromium.* folder there, one each run.
func TestStartLeavesNothing(t *testing.T) {
	// Not t.TempDir: a folder named after the test would make the socket's path too long for
	// Chromium under a TMPDIR of more than a few letters.
	tmp, err := os.MkdirTemp("", "tmp")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(tmp) })
	t.Setenv("TMPDIR", tmp)
	t.Run("browser", func(t *testing.T) {
		ctx := Start(t, time.Minute)
		if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
			t.Fatal(err)
		}
	})
	entries, err := os.ReadDir(tmp)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		t.Errorf("left in the temporary folder: %s", e.Name())
	}
}
