package campaign

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestLinks(t *testing.T) {
	s := NewSigner([]byte("secret"), "kombit.test")
	other := NewSigner([]byte("another secret"), "kombit.test")
	now := time.Date(2012, 2, 10, 9, 0, 0, 0, time.UTC)
	exp := now.Add(15 * time.Minute)

	tok := s.SignInLink("staff@kombit.test", "n1", exp)
	if staff, nonce, err := s.VerifySignInLink(tok, now); err != nil || staff != "staff@kombit.test" || nonce != "n1" {
		t.Fatalf("VerifySignInLink = %q %q %v", staff, nonce, err)
	}
	if _, _, err := s.VerifySignInLink(tok, exp); !errors.Is(err, ErrLinkExpired) {
		t.Errorf("at its expiry: %v, want expired", err)
	}
	if _, _, err := other.VerifySignInLink(tok, now); !errors.Is(err, ErrLinkForged) {
		t.Errorf("another secret: %v, want forged", err)
	}
	// A sign-in token is no answer link, and the other way round.
	if _, _, err := s.VerifyAnswerLink(tok, now); !errors.Is(err, ErrLinkForged) {
		t.Errorf("sign-in token as answer link: %v", err)
	}
	a := s.AnswerLink("101", "vejle", exp)
	if code, choice, err := s.VerifyAnswerLink(a, now); err != nil || code != "101" || choice != "vejle" {
		t.Fatalf("VerifyAnswerLink = %q %q %v", code, choice, err)
	}
	if code, _, err := s.VerifyAnswerLink(a, exp.Add(time.Hour)); !errors.Is(err, ErrLinkExpired) || code != "101" {
		t.Errorf("expired answer link = %q %v", code, err)
	}
	// Changing any part (the invitee, the choice, the expiry) breaks the signature.
	parts := strings.Split(a, ".")
	for i := 1; i < len(parts)-1; i++ {
		p := append([]string(nil), parts...)
		switch i {
		case 1:
			p[i] = b64.EncodeToString([]byte("102"))
		case 2:
			p[i] = b64.EncodeToString([]byte("aalborg"))
		case 3:
			p[i] = "zzzzzzz"
		}
		if _, _, err := s.VerifyAnswerLink(strings.Join(p, "."), now); !errors.Is(err, ErrLinkForged) {
			t.Errorf("part %d changed: %v, want forged", i, err)
		}
	}
	for _, bad := range []string{"", "a", "a.b.c.d", a + "x", "s." + a[2:]} {
		if _, _, err := s.VerifyAnswerLink(bad, now); err == nil {
			t.Errorf("%q verified", bad)
		}
	}
	if !s.CheckFormToken("sess", s.FormToken("sess")) || s.CheckFormToken("sess2", s.FormToken("sess")) || s.CheckFormToken("sess", "") {
		t.Error("form tokens")
	}
}
