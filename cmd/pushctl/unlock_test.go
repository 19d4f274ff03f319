package main

import (
	"context"
	"testing"
	"time"

	"github.com/pushauth/pushauth/protocol/adminapi/adminapitest"
	"github.com/pushauth/pushauth/store"
)

// SPEC S2.9: `pushctl user unlock` clears a locked-out user's failures.
func TestUserUnlock(t *testing.T) {
	srv := adminapitest.Start(t, nil)
	pushctl(t, srv, "", "user", "add", "alice", "--no-password").ok(t)
	ctx := context.Background()
	u, err := srv.Store.UserByName(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	locked := func(c store.LoginCounter) (store.LoginCounter, error) {
		return store.LoginCounter{Failures: 5, LastFailure: time.Now(), LockedUntil: time.Now().Add(time.Hour)}, nil
	}
	if _, err := srv.Store.RecordFailure(ctx, u.ID, locked); err != nil {
		t.Fatal(err)
	}
	if r := pushctl(t, srv, "", "user", "unlock", "alice").ok(t); r.stdout != "user alice unlocked\n" {
		t.Errorf("unlock: %q", r.stdout)
	}
	if u, err = srv.Store.UserByName(ctx, "alice"); err != nil || u.Failures != 0 || u.LockedUntil.After(time.Now()) {
		t.Fatalf("after unlock: %+v, %v", u, err)
	}
	pushctl(t, srv, "", "user", "unlock", "bob").fails(t, 1, "pushctl: user \"bob\" not found\n")
}
