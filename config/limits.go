package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
)

// A configuration is a few kilobytes and an invitee list a few megabytes at the scale rsvpd is
// built for (100,000 invitees). Reading either is bounded, so that a wrong path (/dev/zero, a
// database dump) ends at once with an error naming the bound instead of filling the memory.
const (
	// maxConfigFile bounds the configuration file.
	maxConfigFile = 1 << 20
	// maxInviteeFile bounds the invitee list: 200,000 rows of a few hundred bytes.
	maxInviteeFile = 64 << 20
	// maxInviteeLine bounds one line of the invitee list.
	maxInviteeLine = 64 << 10
	// MaxInvitees is the most invitees a campaign may have: twice the 100,000 the daemon is
	// built to carry.
	MaxInvitees = 200_000
	// maxHeaderValue bounds a value that ends up in a mail header or a letter's greeting
	// (names, titles, addresses): a line of a header, not a page.
	maxHeaderValue = 500
	// maxValue bounds any other value (an agenda item, a condition of the agreement).
	maxValue = 8000
	// maxErrors bounds the problems reported for one file: past it, they are counted.
	maxErrors = 1000
)

// errTooLarge is returned by readLimited for input past its bound.
var errTooLarge = errors.New("too large")

// readLimited reads r to its end, at most limit bytes.
func readLimited(r io.Reader, limit int64) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, errTooLarge
	}
	return data, nil
}

// sizeName writes a bound in bytes as people do: "1 MiB", "64 KiB".
func sizeName(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// boundedReader reads an invitee list up to maxInviteeFile bytes and lines of at most
// maxInviteeLine bytes: encoding/csv keeps a whole line (a whole field) in memory, however
// long.
type boundedReader struct {
	r       io.Reader
	read    int64
	lineLen int
	err     error // the bound passed, once passed
}

func (b *boundedReader) Read(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	n, err := b.r.Read(p)
	chunk := p[:n]
	for {
		i := bytes.IndexByte(chunk, '\n')
		if i < 0 || b.lineLen+i > maxInviteeLine {
			b.lineLen += len(chunk)
			break
		}
		b.lineLen = 0
		chunk = chunk[i+1:]
	}
	b.read += int64(n)
	switch {
	case b.lineLen > maxInviteeLine:
		b.err = fmt.Errorf("a line is longer than %s: this is not an invitee list", sizeName(maxInviteeLine))
	case b.read > maxInviteeFile:
		b.err = fmt.Errorf("the file is larger than %s: a list of %d invitees is far smaller", sizeName(maxInviteeFile), MaxInvitees)
	}
	if b.err != nil {
		return 0, b.err
	}
	return n, err
}
