package storetest

import (
	"context"
	"crypto/sha256"
	"testing"
	"time"

	"github.com/pushauth/pushauth/store"
)

// PendingActivation: a code is shown while usable and never consumed by
// looking, also through store.CacheReads; used, expired and unknown codes
// are ErrActivation.
func PendingActivation(t *testing.T, newDB func(t testing.TB) *DB) {
	db := newDB(t)
	ctx := context.Background()
	p := store.CacheReads(db.Store) // what pushauthd uses with SQLite
	tok := MustToken(t, db, MustUser(t, db, "ann").ID, "S1")
	now := time.Now()
	code := sha256.Sum256([]byte("code"))
	exp := now.Add(time.Minute)
	if err := db.CreateActivation(ctx, &store.Activation{CodeHash: code[:], TokenID: tok.ID, ExpiresAt: exp}); err != nil {
		t.Fatal(err)
	}
	a, err := p.PendingActivation(ctx, code[:], now)
	if err != nil || a.TokenID != tok.ID || !a.ExpiresAt.Equal(exp) {
		t.Fatalf("PendingActivation = %+v, %v", a, err)
	}
	_, err = p.PendingActivation(ctx, code[:], exp)
	WantErr(t, err, store.ErrActivation)
	unknown := sha256.Sum256([]byte("other"))
	_, err = p.PendingActivation(ctx, unknown[:], now)
	WantErr(t, err, store.ErrActivation)
	if _, err := db.Activate(ctx, code[:], &store.Device{ID: "d"}, now); err != nil {
		t.Fatalf("looking consumed the code: %v", err)
	}
	_, err = p.PendingActivation(ctx, code[:], now)
	WantErr(t, err, store.ErrActivation)
}
