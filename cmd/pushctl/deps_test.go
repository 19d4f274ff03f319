package main

import (
	"slices"
	"testing"

	"github.com/pushauth/pushauth/internal/deptest"
)

// pushctl is a client of pushauthd: it links none of the server
// (DESIGN.md "Clients do not link the server").
func TestDeps(t *testing.T) {
	deptest.Banned(t, ".", slices.Concat(deptest.ServerBans(), deptest.StoreDriverBans())...)
}
