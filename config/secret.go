package config

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/rsvpd/rsvpd/campaign"
)

// readSecret returns the value of the environment variable env, or else the first line of
// file; "" when neither is set.
func readSecret(env, file string) (string, error) {
	if env != "" {
		if v := os.Getenv(env); v != "" {
			return v, nil
		}
	}
	if file == "" {
		return "", nil
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return "", fmt.Errorf("read secret file %s: %w", file, err)
	}
	return strings.TrimSpace(strings.SplitN(string(data), "\n", 2)[0]), nil
}

// CampaignSecret returns the secret that signs reply tokens and Message-IDs: from the
// environment variable, else from the secret file (default: "secret" beside the store). When
// neither exists, a random secret is written to the file (mode 0600), so tokens issued today
// still verify after a restart.
func (c *Config) CampaignSecret() ([]byte, error) {
	file := c.secretFile()
	if v := os.Getenv(c.Secret.Env); v != "" {
		return []byte(v), nil
	}
	v, err := readSecret("", file)
	if err == nil && v != "" {
		return []byte(v), nil
	}
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	buf := make([]byte, 32)
	if _, err := rand.Read(buf); err != nil {
		return nil, fmt.Errorf("generate campaign secret: %w", err)
	}
	v = hex.EncodeToString(buf)
	if err := os.MkdirAll(filepath.Dir(file), 0o700); err != nil {
		return nil, fmt.Errorf("create secret file %s: %w", file, err)
	}
	f, err := os.OpenFile(file, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) { // another process wrote it first: use theirs
		return c.CampaignSecret()
	}
	if err != nil {
		return nil, fmt.Errorf("create secret file %s: %w", file, err)
	}
	if _, err := f.WriteString(v + "\n"); err != nil {
		f.Close()
		return nil, fmt.Errorf("write secret file %s: %w", file, err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("write secret file %s: %w", file, err)
	}
	return []byte(v), nil
}

func (c *Config) secretFile() string {
	if c.Secret.File != "" {
		return c.Secret.File
	}
	return filepath.Join(filepath.Dir(c.Store.Path), "secret")
}

// Signer returns the campaign's token and Message-ID signer, creating the secret file when
// there is no secret yet (for the commands that issue tokens: run, preview).
func (c *Config) Signer() (*campaign.Signer, error) {
	secret, err := c.CampaignSecret()
	if err != nil {
		return nil, err
	}
	return c.signer(secret), nil
}

// ReadSigner returns the signer for commands that only check tokens (parse): it never
// writes a secret file. Without a secret no token has been issued, so a random one, which
// verifies nothing, is the right answer.
func (c *Config) ReadSigner() (*campaign.Signer, error) {
	if v := os.Getenv(c.Secret.Env); v != "" {
		return c.signer([]byte(v)), nil
	}
	v, err := readSecret("", c.secretFile())
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	if v == "" {
		buf := make([]byte, 32)
		if _, err := rand.Read(buf); err != nil {
			return nil, err
		}
		v = hex.EncodeToString(buf)
	}
	return c.signer([]byte(v)), nil
}

func (c *Config) signer(secret []byte) *campaign.Signer {
	addr := c.Campaign.Organiser.Email
	return campaign.NewSigner(secret, addr[strings.LastIndexByte(addr, '@')+1:])
}
