package dkim

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"

	msgdkim "github.com/emersion/go-msgauth/dkim"
	"github.com/wneessen/go-mail"

	"github.com/rsvpd/rsvpd/config"
)

// A message signed with the key from the file verifies against the public key published for
// the selector, and fails once the text is changed.
func TestSignatureVerifies(t *testing.T) {
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	edPub, edKey, _ := ed25519.GenerateKey(rand.Reader)
	pkcs8, _ := x509.MarshalPKCS8PrivateKey(edKey)
	rsaPub, _ := x509.MarshalPKIXPublicKey(&rsaKey.PublicKey)
	for _, tt := range []struct {
		name, block string
		der         []byte
		record      string
	}{
		{"rsa", "RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(rsaKey), "v=DKIM1; k=rsa; p=" + base64.StdEncoding.EncodeToString(rsaPub)},
		{"ed25519", "PRIVATE KEY", pkcs8, "v=DKIM1; k=ed25519; p=" + base64.StdEncoding.EncodeToString(edPub)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "dkim.pem")
			os.WriteFile(file, pem.EncodeToMemory(&pem.Block{Type: tt.block, Bytes: tt.der}), 0o600)
			s, err := New(config.DKIM{Domain: "kombit.test", Selector: "rsvpd2012", KeyFile: file})
			if err != nil {
				t.Fatal(err)
			}
			m := mail.NewMsg(mail.WithDKIM(s))
			m.From("dialogmoeder@kombit.test")
			m.To("bibliotek@aarhus.kommune.test")
			m.Subject("Invitation til dialogmøde")
			m.SetBodyString(mail.TypeTextPlain, "Kære biblioteksleder\n")
			var buf bytes.Buffer
			if _, err := m.WriteTo(&buf); err != nil {
				t.Fatal(err)
			}
			lookup := &msgdkim.VerifyOptions{LookupTXT: func(domain string) ([]string, error) {
				if domain != "rsvpd2012._domainkey.kombit.test" {
					t.Errorf("looked up %s", domain)
				}
				return []string{tt.record}, nil
			}}
			vs, err := msgdkim.VerifyWithOptions(bytes.NewReader(buf.Bytes()), lookup)
			if err != nil || len(vs) != 1 || vs[0].Err != nil || vs[0].Domain != "kombit.test" {
				if len(vs) == 1 {
					t.Logf("verification: %v", vs[0].Err)
				}
				t.Fatalf("verify: %v %+v\n%s", err, vs, buf.String())
			}
			tampered := bytes.Replace(buf.Bytes(), []byte("dialogm"), []byte("DIALOGM"), 1)
			if vs, _ := msgdkim.VerifyWithOptions(bytes.NewReader(tampered), lookup); len(vs) != 1 || vs[0].Err == nil {
				t.Errorf("a changed subject still verifies")
			}
		})
	}
}

func TestKeyFileProblems(t *testing.T) {
	dir := t.TempDir()
	open := filepath.Join(dir, "open.pem")
	os.WriteFile(open, []byte("x"), 0o644)
	junk := filepath.Join(dir, "junk.pem")
	os.WriteFile(junk, []byte("not a key"), 0o600)
	for file, want := range map[string]string{
		open:                           "anyone on this machine could sign as kombit.test",
		junk:                           "no valid PEM data",
		filepath.Join(dir, "none.pem"): "no such file",
	} {
		_, err := New(config.DKIM{Domain: "kombit.test", Selector: "s", KeyFile: file})
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: err = %v, want %q", filepath.Base(file), err, want)
		}
	}
}
