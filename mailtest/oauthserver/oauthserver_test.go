package oauthserver

import (
	"encoding/json"
	"net/http"
	"net/url"
	"testing"
	"time"
)

func introspect(t *testing.T, s *Server, tok string) map[string]any {
	t.Helper()
	resp, err := http.PostForm(s.IntrospectURL(), url.Values{"token": {tok}})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	return out
}

func token(t *testing.T, s *Server, form url.Values) (int, map[string]any) {
	t.Helper()
	resp, err := http.PostForm(s.TokenURL(), form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

// Introspection says active with the mailbox's name for a live token, and inactive for an
// expired, revoked or made-up one: what Dovecot's oauth2 passdb relies on.
func TestIntrospection(t *testing.T) {
	s, err := Start(Options{Lifetime: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.AddClient("app", "secret", "dialogmoeder@kombit.test")
	code, out := token(t, s, url.Values{"grant_type": {"client_credentials"}, "client_id": {"app"}, "client_secret": {"secret"}})
	if code != 200 || out["expires_in"] != 1.0 {
		t.Fatalf("token: %d %v", code, out)
	}
	at := out["access_token"].(string)
	if got := introspect(t, s, at); got["active"] != true || got["username"] != "dialogmoeder@kombit.test" {
		t.Errorf("live token: %v", got)
	}
	if got := introspect(t, s, "at-forged"); got["active"] != false {
		t.Errorf("forged token: %v", got)
	}
	time.Sleep(1100 * time.Millisecond)
	if got := introspect(t, s, at); got["active"] != false {
		t.Errorf("expired token: %v", got)
	}
	s.SetLifetime(time.Hour)
	at2 := s.IssueAccessToken("app", "dialogmoeder@kombit.test")
	s.RevokeAccessTokens("dialogmoeder@kombit.test")
	if got := introspect(t, s, at2); got["active"] != false {
		t.Errorf("revoked token: %v", got)
	}
	code, out = token(t, s, url.Values{"grant_type": {"client_credentials"}, "client_id": {"app"}, "client_secret": {"wrong"}})
	if code != 401 || out["error"] != "invalid_client" {
		t.Errorf("wrong secret: %d %v", code, out)
	}
	rt := s.IssueRefreshToken("app", "dialogmoeder@kombit.test", "mail")
	s.RevokeRefreshToken(rt)
	code, out = token(t, s, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}, "client_id": {"app"}, "client_secret": {"secret"}})
	if code != 400 || out["error"] != "invalid_grant" {
		t.Errorf("revoked refresh token: %d %v", code, out)
	}
}
