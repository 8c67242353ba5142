// Package fonts holds the DejaVu Sans typeface rsvpd draws its documents with: the agreement
// PDF and the digest's chart. It is embedded so that text looks the same on every machine, and
// kept once so the binary carries it once. The licence notice is LICENSE beside the files.
package fonts

import _ "embed" // the font files below

// These are read-only font data, not state.
var (
	//go:embed DejaVuSans.ttf
	regular []byte
	//go:embed DejaVuSans-Bold.ttf
	bold []byte
)

// Regular is DejaVu Sans (TrueType). The bytes are shared: do not change them.
func Regular() []byte { return regular }

// Bold is DejaVu Sans Bold (TrueType). The bytes are shared: do not change them.
func Bold() []byte { return bold }
