package storetest

import (
	"context"
	"crypto/sha256"
	"testing"
	"time"

	"github.com/pushauth/pushauth/store"
)

// testSeenDevice: a device's LastSeen is zero until it is seen, then
// written at most once per store.SeenInterval and never moved back; an
// unknown device is not an error. Through the read cache (store.CacheReads,
// what pushauthd uses with SQLite) a cached device shows the stored value
// at once.
func testSeenDevice(t *testing.T, db *DB) {
	ctx := context.Background()
	tok := MustToken(t, db, MustUser(t, db, "bob").ID, "S1")
	code := sha256.Sum256([]byte("c"))
	if err := db.CreateActivation(ctx, &store.Activation{CodeHash: code[:], TokenID: tok.ID, ExpiresAt: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Activate(ctx, code[:], &store.Device{ID: "d", PushKind: store.PushPoll}, time.Now()); err != nil {
		t.Fatal(err)
	}
	cache := store.CacheReads(db.Store)
	wantSeen(t, cache, time.Time{}) // cached now, never seen

	t0 := time.Date(2026, 12, 7, 16, 40, 0, 123, time.UTC)
	for _, step := range []struct {
		at, want time.Time
	}{
		{t0, t0}, // the first sight is written
		{t0.Add(time.Minute), t0},
		{t0.Add(store.SeenInterval - time.Nanosecond), t0},       // within the interval: not moved
		{t0.Add(store.SeenInterval), t0.Add(store.SeenInterval)}, // after it: moved
		{t0.Add(-time.Hour), t0.Add(store.SeenInterval)},         // never back
		{t0.Add(3 * store.SeenInterval), t0.Add(3 * store.SeenInterval)},
	} {
		if err := cache.SeenDevice(ctx, "d", step.at); err != nil {
			t.Fatal(err)
		}
		wantSeen(t, cache, step.want)    // the cached row
		wantSeen(t, db.Store, step.want) // the stored row
	}
	list, err := db.TokensByUser(ctx, tok.UserID)
	if err != nil || len(list) != 1 || !list[0].Device.LastSeen.Equal(t0.Add(3*store.SeenInterval)) {
		t.Fatalf("TokensByUser = %+v, %v", list, err)
	}
	if err := db.SeenDevice(ctx, "nope", t0); err != nil {
		t.Fatalf("SeenDevice(unknown) = %v, want nil", err)
	}
}

// wantSeen fails t unless device "d" of s was last seen at want.
func wantSeen(t *testing.T, s store.Store, want time.Time) {
	t.Helper()
	got, err := s.DeviceByID(context.Background(), "d")
	if err != nil {
		t.Fatal(err)
	}
	if !got.Device.LastSeen.Equal(want) {
		t.Fatalf("LastSeen = %v, want %v", got.Device.LastSeen, want)
	}
}
