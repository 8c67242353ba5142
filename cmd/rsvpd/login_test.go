package main

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rsvpd/rsvpd/mailtest/oauthserver"
)

// rsvpd login prints where to sign in, waits for the person, and keeps the refresh token in
// the configured file, mode 0600; the token is printed nowhere.
func TestLoginCommand(t *testing.T) {
	s, err := oauthserver.Start(oauthserver.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.AddClient("rsvpd-app", "", "")
	dir := t.TempDir()
	data, err := os.ReadFile(filepath.Join("..", "..", "config.example.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	auth := "    auth:\n      method: oauth2\n      provider: generic\n      client_id: rsvpd-app\n" +
		"      token_url: " + s.TokenURL() + "\n      device_auth_url: " + s.DeviceAuthURL() + "\n" +
		"      grant: refresh_token\n      token_file: " + filepath.Join(dir, "token.json") + "\n"
	cfg := strings.Replace(string(data), "    password_env: RSVPD_IMAP_PASSWORD\n", auth, 1)
	cfg = strings.Replace(cfg, "    password_env: RSVPD_SMTP_PASSWORD\n", auth, 1)
	csv, err := os.ReadFile(filepath.Join("..", "..", "municipalities-2012.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "municipalities-2012.csv"), csv, 0o600); err != nil {
		t.Fatal(err)
	}
	cfgFile := filepath.Join(dir, "rsvpd.yaml")
	if err := os.WriteFile(cfgFile, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errOut syncBuffer
	done := make(chan int, 1)
	go func() { done <- dispatch(context.Background(), []string{"login", "--config", cfgFile}, &out, &errOut) }()
	var code string
	for deadline := time.Now().Add(10 * time.Second); code == "" && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if m := regexp.MustCompile(`enter\s+(\S+)`).FindStringSubmatch(out.String()); m != nil {
			code = m[1]
		}
	}
	if code == "" || !strings.Contains(out.String(), s.URL+"/device/verify") {
		t.Fatalf("no code and address printed:\n%s\n%s", out.String(), errOut.String())
	}
	s.Approve(code, "dialogmoeder@kombit.test")
	select {
	case st := <-done:
		if st != 0 {
			t.Fatalf("exit %d: %s", st, errOut.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("rsvpd login did not end after the sign-in")
	}
	st, err := os.Stat(filepath.Join(dir, "token.json"))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("token file: %v %v", err, st)
	}
	tok, err := os.ReadFile(filepath.Join(dir, "token.json"))
	if err != nil {
		t.Fatal(err)
	}
	rt := regexp.MustCompile(`rt-[0-9a-f]+`).Find(tok)
	if rt == nil || strings.Contains(out.String()+errOut.String(), string(rt)) {
		t.Errorf("token file %s; output:\n%s", tok, out.String())
	}
	if !strings.Contains(out.String(), "[IMAP SMTP]") {
		t.Errorf("one sign-in for both servers expected:\n%s", out.String())
	}
}
