package testenv

import (
	"os"
	"testing"
)

// ChromiumDir is a folder for one headless Chromium of the test, to be its TMPDIR and to
// hold its profile: it is removed when the test ends, after the cleanups the test registers
// later, such as the one that stops the browser. Chromium keeps its singleton's socket in a
// folder of its own in TMPDIR (org.chromium.Chromium.*) and removes it only when it quits;
// a test that kills it left one in the system's temporary folder at every run. The folder
// is not t.TempDir, which is named after the test: Chromium refuses to start when the
// socket's path exceeds 107 bytes.
func ChromiumDir(t testing.TB) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "chromium")
	if err != nil {
		t.Fatalf("chromium's folder: %v", err)
	}
	t.Cleanup(func() {
		if err := os.RemoveAll(dir); err != nil {
			t.Errorf("remove chromium's folder: %v", err)
		}
	})
	return dir
}
