package auth

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// TokenFile keeps the refresh token of a delegated sign-in: JSON holding the refresh token
// alone (never an access token), mode 0600, replaced atomically so that a crash leaves the old
// token or the new one, never half of either.
type TokenFile struct {
	Path string
	mu   sync.Mutex // held across a read, the refresh and the write of a rotated token
}

// NewTokenFile returns the token file at path.
func NewTokenFile(path string) *TokenFile { return &TokenFile{Path: path} }

type tokenFileData struct {
	RefreshToken string    `json:"refresh_token"`
	Saved        time.Time `json:"saved"`
}

var errNoRefreshToken = errors.New("no refresh token yet")

// Load returns the refresh token.
func (f *TokenFile) Load() (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.load()
}

// Save replaces the refresh token.
func (f *TokenFile) Save(refreshToken string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.save(refreshToken)
}

func (f *TokenFile) load() (string, error) {
	st, err := os.Stat(f.Path)
	if errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("%w: %s does not exist", errNoRefreshToken, f.Path)
	}
	if err != nil {
		return "", err
	}
	// Like ssh with a private key: a token others can read is a token others may have.
	if st.Mode().Perm()&0o077 != 0 {
		return "", fmt.Errorf("%s has mode %04o: others may read the token; chmod 600 it (or sign in again)", f.Path, st.Mode().Perm())
	}
	data, err := os.ReadFile(f.Path)
	if err != nil {
		return "", err
	}
	var d tokenFileData
	if err := json.Unmarshal(data, &d); err != nil {
		return "", fmt.Errorf("%s is not a token file (JSON with refresh_token): %v", f.Path, jsonProblem(err))
	}
	if d.RefreshToken == "" {
		return "", fmt.Errorf("%w: %s holds none", errNoRefreshToken, f.Path)
	}
	return d.RefreshToken, nil
}

// jsonProblem describes a JSON error without quoting the data (which may hold a token).
func jsonProblem(err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("syntax error at byte %d", se.Offset)
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Sprintf("%s has the wrong type", te.Field)
	}
	return "unreadable"
}

func (f *TokenFile) save(refreshToken string) error {
	data, err := json.Marshal(tokenFileData{RefreshToken: refreshToken, Saved: time.Now().UTC().Truncate(time.Second)})
	if err != nil {
		return err
	}
	dir := filepath.Dir(f.Path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("write token file %s: %w", f.Path, err)
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(f.Path)+".*") // mode 0600
	if err != nil {
		return fmt.Errorf("write token file %s: %w", f.Path, err)
	}
	defer os.Remove(tmp.Name()) // after a successful rename there is nothing left to remove
	_, err = tmp.Write(append(data, '\n'))
	if err == nil {
		err = tmp.Chmod(0o600)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), f.Path)
	}
	if err != nil {
		return fmt.Errorf("write token file %s: %w", f.Path, err)
	}
	if d, err := os.Open(dir); err == nil { // the rename itself must survive a crash
		d.Sync()
		d.Close()
	}
	return nil
}
