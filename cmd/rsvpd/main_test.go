package main

import (
	"testing"

	"github.com/rsvpd/rsvpd/testenv"
)

// TestMain removes the rsvpd command testenv.Rsvpd built for these tests once they end.
func TestMain(m *testing.M) { testenv.Main(m) }
