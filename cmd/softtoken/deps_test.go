package main

import (
	"os"
	"testing"

	"github.com/pushauth/pushauth/internal/deptest"
)

// softtoken is a client of pushauthd: it links none of the server
// (DESIGN.md "Clients do not link the server"). It does link auth (for
// HOTP and TOTP, through deviceclient) and with it store.
func TestDeps(t *testing.T) {
	bans := deptest.ServerBans()
	// Until store's drivers move out to store/sqlite and store/postgres
	// (issue 19, the store split), store itself links SQLite and pgx, and
	// softtoken with it; from then on they are banned here too.
	// TODO(issue 19): once the store split is merged, drop this condition.
	if _, err := os.Stat("../../store/sqlite"); err == nil {
		bans = append(bans, deptest.StoreDriverBans()...)
	} else {
		t.Log("store/sqlite does not exist yet: the store-driver bans are not checked")
	}
	deptest.Banned(t, ".", bans...)
}
