// Package rsvpd carries the files the binary embeds: the example campaign (the 2012 dialogue
// meetings of KOMBIT) that `rsvpd demo` and the tests run on when no config is given.
package rsvpd

import (
	"embed"
	"io/fs"
)

//go:embed config.example.yaml municipalities-2012.csv
var example embed.FS

// ExampleConfig is the name of the example configuration inside ExampleFS.
const ExampleConfig = "config.example.yaml"

// ExampleFS holds config.example.yaml and the invitee list it names.
func ExampleFS() fs.FS { return example }
