package letters

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// tidyAsWritten is tidy as first written, clear and slow: the reference for the fast one.
func tidyAsWritten(s string) string {
	lines := strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
	var b strings.Builder
	blank := true
	for _, line := range lines {
		line = strings.TrimRight(line, " \t")
		if line == "" {
			if !blank {
				b.WriteByte('\n')
			}
			blank = true
			continue
		}
		blank = false
		b.WriteString(line)
		b.WriteByte('\n')
	}
	return strings.TrimRight(b.String(), "\n") + "\n"
}

func TestTidyAgreesWithReference(t *testing.T) {
	cases := []string{"", "\n", "a", "a\n", "\n\na\n\n\nb \t\n\n", "a\r\nb\r\n\r\n\r\nc", "a\r", "a\r\r\n",
		"x \r\n", " \n \t\n", "æ  \n\nø\r"}
	cases = append(cases, randomStrings(3, 2000, 30, " \t\r\nab")...)
	for _, s := range cases {
		if got, want := tidy(s), tidyAsWritten(s); got != want {
			t.Errorf("tidy(%q) = %q, want %q", s, got, want)
		}
	}
}

// randomStrings makes n strings of up to maxLen bytes drawn from alphabet, the same for a seed:
// inputs for checking a fast function against a plain one.
func randomStrings(seed uint64, n, maxLen int, alphabet string) []string {
	rng := rand.New(rand.NewPCG(seed, seed+1))
	out := make([]string, n)
	for k := range out {
		b := make([]byte, rng.IntN(maxLen))
		for i := range b {
			b[i] = alphabet[rng.IntN(len(alphabet))]
		}
		out[k] = string(b)
	}
	return out
}
