package main

import (
	"testing"

	"github.com/pushauth/pushauth/internal/deptest"
)

// softtoken is a client of pushauthd: it links none of the server
// (DESIGN.md "Clients do not link the server") and no database driver. It
// does link auth (for HOTP and TOTP, through deviceclient) and with it
// store's types, which import no driver.
func TestDeps(t *testing.T) {
	deptest.Banned(t, ".", append(deptest.ServerBans(), deptest.StoreDriverBans()...)...)
}
