package deploy

import (
	"bufio"
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/rsvpd/rsvpd/testenv"
)

// dockerBuildLine is the Go build command of the Dockerfile's build stage.
func dockerBuildLine(t *testing.T) []string {
	t.Helper()
	data, err := os.ReadFile("../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^RUN CGO_ENABLED=0 (go build [^\\\n&]+?)\s*(\\|&&|$)`).FindSubmatch(data)
	if m == nil {
		t.Fatal("the Dockerfile has no `RUN CGO_ENABLED=0 go build ...` line")
	}
	// The only quoted argument is the ldflags value.
	var args []string
	for _, f := range regexp.MustCompile(`"[^"]*"|\S+`).FindAllString(string(m[1]), -1) {
		args = append(args, strings.Trim(f, `"`))
	}
	return args
}

// The Dockerfile's build line, run here, gives a static binary (no interpreter, no shared
// libraries) that distroless/static or scratch can run, and that works: it checks the example.
func TestDockerfileBuildsAStaticBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	args := dockerBuildLine(t)
	for _, want := range []string{"-trimpath", "-ldflags", "-s -w", "./cmd/rsvpd"} {
		if !slices.Contains(args, want) {
			t.Errorf("the build line %q lacks %q", args, want)
		}
	}
	out := filepath.Join(t.TempDir(), "rsvpd")
	for i, a := range args {
		if a == "-o" {
			args[i+1] = out
		}
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Dir = ".."
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, b)
	}
	f, err := elf.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Errorf("the binary names a dynamic loader: it is not static")
		}
	}
	if libs, _ := f.ImportedLibraries(); len(libs) > 0 {
		t.Errorf("the binary needs shared libraries %v", libs)
	}
	if f.Section(".symtab") != nil {
		t.Errorf("the binary keeps its symbol table: -s did not apply")
	}
	st, _ := os.Stat(out)
	t.Logf("static binary: %.1f MB", float64(st.Size())/1e6)
	check := exec.Command(out, "check", "--config", "config.example.yaml")
	check.Dir = ".."
	check.Env = []string{} // nothing from the build's environment
	if b, err := check.CombinedOutput(); err != nil || !strings.Contains(string(b), "config.example.yaml: ok") {
		t.Errorf("the static binary cannot check the example: %v\n%s", err, b)
	}
}

func TestDockerfileRunsAsNonRootWithAVolume(t *testing.T) {
	data, err := os.ReadFile("../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	s := string(data)
	stages := strings.Split(s, "\nFROM ")
	final := stages[len(stages)-1]
	for _, re := range []string{
		`^(gcr\.io/distroless/static\S*|scratch)`, // no shell, no libc
		`(?m)^USER (65532|nonroot)`,
		`(?m)^VOLUME \["/var/lib/rsvpd"\]`,
		`(?m)^ENTRYPOINT \["/usr/local/bin/rsvpd"\]`,
		`(?m)^CMD \["run", "--config", "/etc/rsvpd/config.yaml"\]`,
	} {
		if !regexp.MustCompile(re).MatchString(final) {
			t.Errorf("the final stage does not match %s", re)
		}
	}
	ignore, err := os.ReadFile("../.dockerignore")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{".git", "**/*.db", "/data", "**/secret"} {
		if !slices.Contains(strings.Split(string(ignore), "\n"), want) {
			t.Errorf(".dockerignore lacks %s: a store or a secret could end up in the image", want)
		}
	}
}

// unit reads a systemd unit into section -> key -> values.
func unit(t *testing.T, path string) map[string]map[string][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	u := map[string]map[string][]string{}
	sec := ""
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, ";"):
		case strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]"):
			sec = line[1 : len(line)-1]
			u[sec] = map[string][]string{}
		default:
			k, v, ok := strings.Cut(line, "=")
			if !ok || sec == "" {
				t.Fatalf("%s:%d: not a key=value line in a section: %q", path, n, line)
			}
			u[sec][k] = append(u[sec][k], v)
		}
	}
	return u
}

func TestSystemdUnit(t *testing.T) {
	u := unit(t, "rsvpd.service")
	svc := u["Service"]
	for k, want := range map[string]string{
		"Type":            "notify",
		"NotifyAccess":    "main",
		"User":            "rsvpd",
		"EnvironmentFile": "/etc/rsvpd/env",
		"ExecStart":       "/usr/local/bin/rsvpd run --config /etc/rsvpd/config.yaml --shutdown-timeout 10s",
		"ExecReload":      "/bin/kill -HUP $MAINPID",
		"Restart":         "on-failure",
		"NoNewPrivileges": "yes",
		"ProtectSystem":   "strict",
		"ReadWritePaths":  "/var/lib/rsvpd",
		"StateDirectory":  "rsvpd",
		"TimeoutStopSec":  "20s",
	} {
		if got := svc[k]; len(got) != 1 || got[0] != want {
			t.Errorf("[Service] %s = %q, want %q", k, got, want)
		}
	}
	if u["Unit"]["StartLimitBurst"] == nil || u["Unit"]["StartLimitIntervalSec"] == nil {
		t.Errorf("no start limit: a broken config would restart forever")
	}
	if u["Install"]["WantedBy"] == nil {
		t.Errorf("no [Install] WantedBy: systemctl enable would do nothing")
	}
}

// systemd-analyze verify checks the unit as systemd reads it, with the binary and the
// environment file it names in place.
func TestSystemdAnalyzeVerify(t *testing.T) {
	tool := testenv.Tool(t, "systemd-analyze", "apt-get install systemd")
	dir := t.TempDir()
	bin := filepath.Join(dir, "rsvpd")
	if err := os.WriteFile(bin, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	env := filepath.Join(dir, "env")
	os.WriteFile(env, nil, 0o600)
	data, err := os.ReadFile("rsvpd.service")
	if err != nil {
		t.Fatal(err)
	}
	s := strings.NewReplacer("/usr/local/bin/rsvpd", bin, "/etc/rsvpd/env", env).Replace(string(data))
	path := filepath.Join(dir, "rsvpd.service")
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(tool, "verify", path).CombinedOutput()
	if err != nil || len(strings.TrimSpace(string(out))) > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
	if out, err := exec.Command(tool, "security", "--offline=yes", path).CombinedOutput(); err == nil {
		if m := regexp.MustCompile(`Overall exposure level for \S+: ([0-9.]+) (\w+)`).FindSubmatch(out); m != nil {
			t.Logf("systemd-analyze security: exposure %s %s", m[1], m[2])
			if string(m[2]) != "OK" {
				t.Errorf("exposure %s %s, want OK (below 2.0)", m[1], m[2])
			}
		}
	}
}
