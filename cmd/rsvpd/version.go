package main

import (
	"context"
	"fmt"
	"io"
	"runtime/debug"
)

// runVersion prints the module's version, the VCS revision it was built from (with its time,
// and "modified" when the tree had changes) and the Go version, from the build information Go
// embeds in every binary.
func runVersion(_ context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("version", "", "", stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: rsvpd version\n\nPrint the module version, the VCS revision and the Go version rsvpd was built with.")
	}
	if st, ok := parseFlags(fs, args); !ok {
		return st
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "rsvpd version: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		fmt.Fprintln(stdout, "rsvpd (no build information)")
		return 0
	}
	fmt.Fprintln(stdout, versionLine(bi))
	return 0
}

// versionLine is "rsvpd MODULE VERSION (REVISION, TIME[, modified]) GO", leaving out what the
// build did not record: `go run` and `go test` builds have no VCS stamp, and a build outside a
// module download says "(devel)".
func versionLine(bi *debug.BuildInfo) string {
	s := fmt.Sprintf("rsvpd %s %s", bi.Main.Path, bi.Main.Version)
	settings := map[string]string{}
	for _, kv := range bi.Settings {
		settings[kv.Key] = kv.Value
	}
	if rev := settings["vcs.revision"]; rev != "" {
		s += " (" + rev
		if t := settings["vcs.time"]; t != "" {
			s += ", " + t
		}
		if settings["vcs.modified"] == "true" {
			s += ", modified"
		}
		s += ")"
	} else {
		s += " (no VCS revision recorded)"
	}
	return s + " " + bi.GoVersion
}
