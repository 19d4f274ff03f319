package store

import (
	"context"
	"crypto/sha256"
	"maps"
	"slices"
	"testing"
	"time"
)

// The device cache keeps the whole Store contract: the suite runs on SQLite
// through CacheDevices, as the server uses it.
func TestContractWithDeviceCache(t *testing.T) {
	plain := sqliteBackend(t)
	newDB := func(t testing.TB) *contractDB {
		db := plain(t)
		db.Store = CacheDevices(db.Store)
		open := db.open
		db.open = func(t testing.TB, sealer *Sealer, opts ...Option) (Store, error) {
			s, err := open(t, sealer, opts...)
			if err != nil {
				return nil, err
			}
			return CacheDevices(s), nil
		}
		return db
	}
	tests := contractTests()
	for _, name := range slices.Sorted(maps.Keys(tests)) {
		t.Run(name, func(t *testing.T) { tests[name](t, newDB(t)) })
	}
}

// activated makes a user with an activated device and returns the cached
// store, the device id and the token's serial.
func activated(t *testing.T, user, serial, device string) (*contractDB, Store) {
	t.Helper()
	db := sqliteBackend(t)(t)
	cached := CacheDevices(db.Store)
	activate(t, cached, mustToken(t, db, mustUser(t, db, user).ID, serial).ID, device)
	return db, cached
}

func activate(t *testing.T, s Store, tokenID int64, device string) {
	t.Helper()
	ctx := context.Background()
	code := sha256.Sum256([]byte(device))
	if err := s.CreateActivation(ctx, &Activation{CodeHash: code[:], TokenID: tokenID, ExpiresAt: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Activate(ctx, code[:], &Device{ID: device, PushKind: PushPoll, PublicKey: []byte{0x30, 0x59}}, time.Now()); err != nil {
		t.Fatal(err)
	}
}

// A cached device is served without reading the database: a row deleted
// behind the cache's back is still found (which is why only the store's
// sole writer may use the cache).
func TestDeviceCacheServesFromMemory(t *testing.T) {
	ctx := context.Background()
	db, cached := activated(t, "bob", "S1", "phone-1")
	if _, err := cached.DeviceByID(ctx, "phone-1"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Store.(*SQLite).write.ExecContext(ctx, `DELETE FROM tokens`); err != nil {
		t.Fatal(err)
	}
	_, err := db.DeviceByID(ctx, "phone-1")
	wantErr(t, err, ErrNotFound)
	got, err := cached.DeviceByID(ctx, "phone-1")
	if err != nil || got.Serial != "S1" {
		t.Fatalf("cached DeviceByID = %+v, %v; want the cached S1", got, err)
	}
	got.Device.PushKind = "changed by the caller"
	if again, _ := cached.DeviceByID(ctx, "phone-1"); again.Device.PushKind != PushPoll {
		t.Fatalf("a caller's change reached the cache: %q", again.Device.PushKind)
	}
}

// Every change that removes or alters a device through the store is seen
// by the next DeviceByID: a removed phone is refused at once.
func TestDeviceCacheInvalidation(t *testing.T) {
	ctx := context.Background()
	changes := map[string]func(t *testing.T, db *contractDB, s Store){
		"DeleteUser":  func(t *testing.T, _ *contractDB, s Store) { must(t, s.DeleteUser(ctx, "bob")) },
		"DeleteToken": func(t *testing.T, _ *contractDB, s Store) { must(t, s.DeleteToken(ctx, "S1")) },
		"Activate": func(t *testing.T, db *contractDB, s Store) {
			tok, err := s.TokenBySerial(ctx, "S1")
			must(t, err)
			activate(t, s, tok.ID, "phone-2") // the token's new phone replaces phone-1
		},
	}
	for name, change := range changes {
		t.Run(name, func(t *testing.T) {
			db, cached := activated(t, "bob", "S1", "phone-1")
			if _, err := cached.DeviceByID(ctx, "phone-1"); err != nil {
				t.Fatal(err)
			}
			change(t, db, cached)
			_, err := cached.DeviceByID(ctx, "phone-1")
			wantErr(t, err, ErrNotFound)
		})
	}
	t.Run("UpdateDevicePush", func(t *testing.T) {
		_, cached := activated(t, "bob", "S1", "phone-1")
		if _, err := cached.DeviceByID(ctx, "phone-1"); err != nil {
			t.Fatal(err)
		}
		must(t, cached.UpdateDevicePush(ctx, "phone-1", "", "unregistered"))
		got, err := cached.DeviceByID(ctx, "phone-1")
		if err != nil || got.Device.PushDisabled != "unregistered" {
			t.Fatalf("DeviceByID after UpdateDevicePush = %+v, %v", got, err)
		}
	})
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
