package testenv

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// rsvpd is the command built for this test binary. It lives as long as the test binary, not
// a test: the first test to ask builds it and later ones reuse it, so no test's Cleanup may
// remove it; Main does, after the last test.
var rsvpd struct {
	main bool // the package's TestMain runs its tests through Main
	once sync.Once
	dir  string
	path string
	err  error
}

// Main runs the tests of a package that uses Rsvpd, then removes the command built for them.
// Such a package calls it from its TestMain:
//
//	func TestMain(m *testing.M) { testenv.Main(m) }
//
// The test binary exits with m.Run's code when TestMain returns.
func Main(m *testing.M) {
	rsvpd.main = true
	m.Run()
	if rsvpd.dir != "" {
		os.RemoveAll(rsvpd.dir)
	}
}

// Rsvpd is the rsvpd command built from this tree, once per test binary, for the tests that
// run it as the operator would. The package's TestMain must call Main, which removes it when
// the tests end; without it the test fails rather than leave a binary in the temporary folder.
func Rsvpd(t testing.TB) string {
	t.Helper()
	if !rsvpd.main {
		t.Fatal("testenv.Rsvpd: the package's TestMain must run its tests with testenv.Main, which removes the command built")
	}
	rsvpd.once.Do(func() {
		dir, err := os.MkdirTemp("", "rsvpd-bin-")
		if err != nil {
			rsvpd.err = err
			return
		}
		rsvpd.dir, rsvpd.path = dir, filepath.Join(dir, "rsvpd")
		out, err := exec.Command("go", "build", "-o", rsvpd.path, "github.com/rsvpd/rsvpd/cmd/rsvpd").CombinedOutput()
		if err != nil {
			rsvpd.err = fmt.Errorf("build rsvpd: %v\n%s", err, out)
		}
	})
	if rsvpd.err != nil {
		t.Fatal(rsvpd.err)
	}
	return rsvpd.path
}
