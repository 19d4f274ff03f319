package storetest

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/pushauth/pushauth/store"
)

// OldAuditRecord is an audit record written before the audit node column
// (SQLite's migration step 7, PostgreSQL's 3) and the phone's answer time
// (SQLite's 15, PostgreSQL's 11), for the drivers' migration tests.
const OldAuditRecord = `INSERT INTO audit (login_id, time, username, client, agent, token, provider, outcome, reason, duration_ms)
	VALUES ('old', 1, 'alice', 'vpn', 'ddl', 'S1', 'fcm', 'accept', 'push approved', 5)`

// OldNames are the rows of a database written before user names were case-insensitive:
// three spellings of alice, a name that one of their new names would take,
// and mixed-case suspensions, pushes and audit records. Renamed users keep
// their ids, hence their tokens and counters.
func OldNames() []string {
	return []string{
		`INSERT INTO users (id, name, created_at) VALUES (1, 'Alice', 1), (2, 'alice', 1), (3, 'ALICE', 1),
		(4, 'BOB', 1), (5, 'alice~3', 1)`,
		`INSERT INTO push_suspensions (username, until, reason) VALUES ('BOB', 100, 'a'), ('bob', 9000000000000000000, 'b')`,
		`INSERT INTO pushes (username, at) VALUES ('BOB', 1), ('Bob', 2), ('bob', 3)`,
		`INSERT INTO audit (login_id, time, username, client, agent, token, provider, outcome, reason, duration_ms)
		VALUES ('old', 1, 'BOB', 'vpn', 'ddl', 'S1', 'fcm', 'accept', 'push approved', 5)`,
	}
}

// CheckFoldedNames checks a store opened on OldNames after the migration
// that folds user names (SPEC S4.6).
func CheckFoldedNames(t *testing.T, s store.Store) {
	t.Helper()
	ctx := context.Background()
	for name, id := range map[string]int64{"ALICE": 2, "alice~1": 1, "alice~3~": 3, "Bob": 4, "alice~3": 5} {
		if u, err := s.UserByName(ctx, name); err != nil || u.ID != id {
			t.Errorf("UserByName(%q) = %+v, %v; want id %d", name, u, err, id)
		}
	}
	if until, reason, err := s.PushSuspension(ctx, "bob"); err != nil || reason != "b" || until.IsZero() {
		t.Errorf("bob's suspension: %v %q %v", until, reason, err)
	}
	if n, err := s.PushesSince(ctx, "bob", time.Unix(0, 0)); err != nil || n != 3 {
		t.Errorf("bob's pushes: %d, %v", n, err)
	}
	if recs, err := s.ListAudit(ctx, store.AuditQuery{User: "BOB"}); err != nil || len(recs) != 1 {
		t.Errorf("audit records keep their names: %+v, %v", recs, err)
	}
	if err := s.CreateUser(ctx, &store.User{Name: "Alice"}); err == nil {
		t.Error("created Alice beside alice")
	}
}

// OldPolicy is a policy written before policies had reply attributes
// (SQLite's migration step 10, PostgreSQL's 6), for the drivers'
// migration tests (CheckMigratedPolicy).
const OldPolicy = `INSERT INTO policies (name, push_enabled, method, attempt_limit, lockout_failures, lockout_seconds, pushes_per_minute, number_matching)
	VALUES ('vpn-admins', TRUE, 'password+token', 3, 5, 300, 4, FALSE)`

// CheckMigratedPolicy proves the migration that adds reply attributes to
// a database holding OldPolicy: the policy keeps its settings and has no
// attributes, and attributes stored now read back.
func CheckMigratedPolicy(t *testing.T, db store.Store) {
	t.Helper()
	ctx := context.Background()
	got, err := db.PolicyByName(ctx, "vpn-admins")
	want := store.Policy{Name: "vpn-admins", PushEnabled: true, Method: "password+token", AttemptLimit: 3,
		LockoutFailures: 5, LockoutSeconds: 300, PushesPerMinute: 4,
		NewUser: store.NewUserReject, SelfEnrollment: store.SelfEnrollOff} // the later enrolment step's defaults
	if err != nil || !reflect.DeepEqual(*got, want) {
		t.Fatalf("migrated policy = %+v, %v; want %+v", got, err, want)
	}
	want.ReplyAttributes = []string{"Class: OU=VPN-Admins;"}
	if err := db.PutPolicy(ctx, &want); err != nil {
		t.Fatal(err)
	}
	if got, err = db.PolicyByName(ctx, "vpn-admins"); err != nil || !reflect.DeepEqual(*got, want) {
		t.Fatalf("policy with reply attributes after migration = %+v, %v; want %+v", got, err, want)
	}
}

// OldDevice are the rows of a user "dora" with soft token "OLD1" activated
// on device "old-phone", written before devices had a last seen (SQLite's
// migration step 14, PostgreSQL's 10). blob is the driver's literal of a
// byte string; the seed is sealed with KeySealer(t, 1).
func OldDevice(t testing.TB, blob func([]byte) string) []string {
	t.Helper()
	seed := KeySealer(t, 1).Seal([]byte("old-seed"))
	return []string{
		`INSERT INTO users (id, name, created_at) VALUES (7, 'dora', 1)`,
		`INSERT INTO tokens (id, user_id, type, serial, seed_sealed, created_at) VALUES (70, 7, 'softtoken', 'OLD1', ` +
			blob(seed) + `, 1)`,
		`INSERT INTO devices (id, token_id, push_kind, public_key, activated_at) VALUES ('old-phone', 70, 'poll', ` +
			blob([]byte{1}) + `, 1)`,
	}
}

// CheckMigratedDevice proves the migration that adds the last seen to a
// database holding OldDevice: the device was never seen, and a sight
// recorded now reads back.
func CheckMigratedDevice(t *testing.T, s store.Store) {
	t.Helper()
	ctx := context.Background()
	got, err := s.DeviceByID(ctx, "old-phone")
	if err != nil || got.Serial != "OLD1" || !got.Device.LastSeen.IsZero() {
		t.Fatalf("migrated device = %+v, %v; want OLD1 never seen", got, err)
	}
	at := time.Date(2026, 12, 7, 16, 40, 0, 0, time.UTC)
	if err := s.SeenDevice(ctx, "old-phone", at); err != nil {
		t.Fatal(err)
	}
	if got, err = s.DeviceByID(ctx, "old-phone"); err != nil || !got.Device.LastSeen.Equal(at) {
		t.Fatalf("migrated device after SeenDevice = %+v, %v; want last seen %v", got, err, at)
	}
}
