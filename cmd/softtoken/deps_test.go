package main

import (
	"testing"

	"github.com/pushauth/pushauth/internal/deptest"
)

// softtoken is a client of pushauthd: it links none of the server
// (DESIGN.md "Clients do not link the server"), no database driver, and
// neither auth nor store (its passcodes come from oath, which is
// standard library only).
func TestDeps(t *testing.T) {
	bans := append(deptest.ServerBans(), deptest.StoreDriverBans()...)
	bans = append(bans, deptest.Ban{Prefix: "github.com/pushauth/pushauth/store", Why: "the server's data"},
		deptest.Ban{Prefix: "github.com/pushauth/pushauth/auth", Why: "passcodes come from oath"})
	deptest.Banned(t, ".", bans...)
}
