package testenv

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

var rsvpd struct {
	once sync.Once
	path string
	err  error
}

// Rsvpd is the rsvpd command built from this tree, once per test binary, for the tests that
// run it as the operator would.
func Rsvpd(t testing.TB) string {
	t.Helper()
	rsvpd.once.Do(func() {
		dir, err := os.MkdirTemp("", "rsvpd-bin-")
		if err != nil {
			rsvpd.err = err
			return
		}
		rsvpd.path = filepath.Join(dir, "rsvpd")
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
