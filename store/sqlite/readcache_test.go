package sqlite

import (
	"context"
	"crypto/sha256"
	"testing"
	"time"

	"github.com/pushauth/pushauth/store"
	"github.com/pushauth/pushauth/store/storetest"
)

// The read cache keeps the whole store.Store contract: the suite runs on SQLite
// through store.CacheReads, as the server uses it.
func TestContractWithReadCache(t *testing.T) {
	storetest.Run(t, func(t testing.TB) *storetest.DB {
		db := newDB(t)
		db.Store = store.CacheReads(db.Store)
		open := db.Open
		db.Open = func(t testing.TB, sealer *store.Sealer, opts ...store.Option) (store.Store, error) {
			s, err := open(t, sealer, opts...)
			if err != nil {
				return nil, err
			}
			return store.CacheReads(s), nil
		}
		return db
	})
}

// activated makes a user with an activated device and returns the cached
// store, the device id and the token's serial.
func activated(t *testing.T, user, serial, device string) (*storetest.DB, store.Store) {
	t.Helper()
	db := newDB(t)
	cached := store.CacheReads(db.Store)
	activate(t, cached, storetest.MustToken(t, db, storetest.MustUser(t, db, user).ID, serial).ID, device)
	return db, cached
}

func activate(t *testing.T, s store.Store, tokenID int64, device string) {
	t.Helper()
	ctx := context.Background()
	code := sha256.Sum256([]byte(device))
	if err := s.CreateActivation(ctx, &store.Activation{CodeHash: code[:], TokenID: tokenID, ExpiresAt: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Activate(ctx, code[:], &store.Device{ID: device, PushKind: store.PushPoll, PublicKey: []byte{0x30, 0x59}}, time.Now()); err != nil {
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
	if _, err := db.Store.(*Store).write.ExecContext(ctx, `DELETE FROM tokens`); err != nil {
		t.Fatal(err)
	}
	_, err := db.DeviceByID(ctx, "phone-1")
	storetest.WantErr(t, err, store.ErrNotFound)
	got, err := cached.DeviceByID(ctx, "phone-1")
	if err != nil || got.Serial != "S1" {
		t.Fatalf("cached DeviceByID = %+v, %v; want the cached S1", got, err)
	}
	got.Device.PushKind = "changed by the caller"
	if again, _ := cached.DeviceByID(ctx, "phone-1"); again.Device.PushKind != store.PushPoll {
		t.Fatalf("a caller's change reached the cache: %q", again.Device.PushKind)
	}
}

// Every change that removes or alters a device through the store is seen
// by the next DeviceByID: a removed phone is refused at once.
func TestDeviceCacheInvalidation(t *testing.T) {
	ctx := context.Background()
	changes := map[string]func(t *testing.T, db *storetest.DB, s store.Store){
		"DeleteUser":  func(t *testing.T, _ *storetest.DB, s store.Store) { must(t, s.DeleteUser(ctx, "bob")) },
		"DeleteToken": func(t *testing.T, _ *storetest.DB, s store.Store) { must(t, s.DeleteToken(ctx, "S1")) },
		"Activate": func(t *testing.T, db *storetest.DB, s store.Store) {
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
			storetest.WantErr(t, err, store.ErrNotFound)
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

// Every write that can change a user, a token, a device or a policy
// empties the whole cache; the writes a login makes (counters included)
// keep it. Each case warms the cache, deletes every row behind its back,
// makes one write through it, and looks at what the cached reads say.
func TestReadCacheWrites(t *testing.T) {
	ctx := context.Background()
	now := time.Now()
	invalidating := map[string]func(s store.Store, u *store.User) error{
		"CreateUser":     func(s store.Store, _ *store.User) error { return s.CreateUser(ctx, &store.User{Name: "new"}) },
		"DeleteUser":     func(s store.Store, _ *store.User) error { return s.DeleteUser(ctx, "nobody") },
		"SetPassword":    func(s store.Store, _ *store.User) error { return s.SetPassword(ctx, "nobody", "x") },
		"SetUserPolicy":  func(s store.Store, _ *store.User) error { return s.SetUserPolicy(ctx, "nobody", "p") },
		"SetDirectoryID": func(s store.Store, _ *store.User) error { return s.SetDirectoryID(ctx, "nobody", "d") },
		"RenameUser":     func(s store.Store, _ *store.User) error { return s.RenameUser(ctx, "nobody", "nobody2") },
		"CreateToken": func(s store.Store, u *store.User) error {
			return s.CreateToken(ctx, &store.Token{UserID: u.ID, Serial: "X"})
		},
		"DeleteToken": func(s store.Store, _ *store.User) error { return s.DeleteToken(ctx, "nothing") },
		"Activate": func(s store.Store, _ *store.User) error {
			_, err := s.Activate(ctx, []byte("no such code"), &store.Device{ID: "x"}, now)
			return err
		},
		"UpdateDevicePush": func(s store.Store, _ *store.User) error { return s.UpdateDevicePush(ctx, "nothing", "", "") },
		"PutPolicy":        func(s store.Store, _ *store.User) error { return s.PutPolicy(ctx, &store.Policy{Name: "other"}) },
	}
	keeping := map[string]func(s store.Store, u *store.User) error{ // the writes a login makes
		"RecordFailure": func(s store.Store, u *store.User) error {
			_, err := s.RecordFailure(ctx, u.ID, storetest.OneMoreFailure)
			return err
		},
		"ResetLoginFailures": func(s store.Store, u *store.User) error { return s.ResetLoginFailures(ctx, u.ID) },
		"AcceptWithOTP":      func(s store.Store, _ *store.User) error { return storetest.Consume(s, 424242, 1) },
		"AppendAudit": func(s store.Store, _ *store.User) error {
			return s.AppendAudit(ctx, &store.AuditRecord{LoginID: "l", User: "bob"})
		},
		"RecordPush":  func(s store.Store, _ *store.User) error { return s.RecordPush(ctx, "bob", now) },
		"SuspendPush": func(s store.Store, _ *store.User) error { return s.SuspendPush(ctx, "bob", now, "test") },
		"CreateActivation": func(s store.Store, u *store.User) error {
			return s.CreateActivation(ctx, &store.Activation{CodeHash: []byte("c"), TokenID: 1, ExpiresAt: now.Add(time.Hour)})
		},
	}
	run := func(name string, write func(store.Store, *store.User) error, keeps bool) {
		t.Run(name, func(t *testing.T) {
			db, cached := activated(t, "bob", "S1", "phone-1")
			must(t, cached.PutPolicy(ctx, &store.Policy{Name: "pol"}))
			u, err := cached.UserByName(ctx, "bob")
			must(t, err)
			warm := func() (n int) {
				if _, err := cached.PolicyByName(ctx, "pol"); err == nil {
					n++
				}
				if _, err := cached.DeviceByID(ctx, "phone-1"); err == nil {
					n++
				}
				return n
			}
			if warm() != 2 {
				t.Fatal("the cache could not be warmed")
			}
			for _, table := range []string{"devices", "tokens", "users", "policies"} {
				_, err := db.Store.(*Store).write.ExecContext(ctx, "DELETE FROM "+table)
				must(t, err)
			}
			_ = write(cached, u) // the write's own outcome does not matter here
			got, want := warm(), 0
			if keeps {
				want = 2
			}
			if got != want {
				t.Fatalf("after %s, %d of 2 cached reads still found their deleted rows, want %d", name, got, want)
			}
		})
	}
	for name, write := range invalidating {
		run(name, write, false)
	}
	for name, write := range keeping {
		run(name, write, true)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
