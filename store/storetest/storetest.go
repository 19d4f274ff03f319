// Package storetest is the store.Store contract: every behaviour in it
// runs against every driver (store/sqlite, store/postgres), so SQLite and
// PostgreSQL answer alike (same values, same errors). A driver's tests
// call Run with a maker of empty databases; tests that are about one
// driver's own machinery (files, pragmas, migrations, advisory locks) live
// with that driver.
package storetest

import (
	"bytes"
	"context"
	"errors"
	"maps"
	"slices"
	"testing"

	"github.com/pushauth/pushauth/store"
)

// DB is an empty database of one driver and the handle the suite works
// with.
type DB struct {
	store.Store
	Sealer *store.Sealer
	// Open opens another handle on the same database, as another node or
	// the same node after a restart would; it is closed when the test ends.
	Open func(t testing.TB, sealer *store.Sealer, opts ...store.Option) (store.Store, error)
	// Raw runs query bypassing the store and scans its single row.
	Raw func(t testing.TB, query string, dest ...any)
}

// NewDB opens the first handle of a database with open, sealed with
// KeySealer(t, 1).
func NewDB(t testing.TB, open func(testing.TB, *store.Sealer, ...store.Option) (store.Store, error), raw func(testing.TB, string, ...any)) *DB {
	t.Helper()
	db := &DB{Sealer: KeySealer(t, 1), Open: open, Raw: raw}
	db.Store = db.Another(t)
	return db
}

// Another opens a second handle (another node) with the same key.
func (db *DB) Another(t testing.TB) store.Store {
	t.Helper()
	s, err := db.Open(t, db.Sealer)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// Reopen closes the handle and opens the database again (a restart).
func (db *DB) Reopen(t testing.TB) {
	t.Helper()
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db.Store = db.Another(t)
}

// Run runs every behaviour of the contract as a subtest, each on a fresh
// database from newDB.
func Run(t *testing.T, newDB func(t testing.TB) *DB) {
	tests := contract()
	for _, name := range slices.Sorted(maps.Keys(tests)) {
		t.Run(name, func(t *testing.T) { tests[name](t, newDB(t)) })
	}
}

// contract is the behaviours every driver must show, by aggregate: users
// (users.go), the lockout counter (lockout.go), tokens, devices and
// activations (tokens.go), policies, audit and pushes (audit.go).
func contract() map[string]func(*testing.T, *DB) {
	return map[string]func(*testing.T, *DB){
		"Users":                     testUsers,
		"SearchUsers":               testSearchUsers,
		"DirectoryLinks":            testDirectoryLinks,
		"RenameUser":                testRenameUser,
		"DeleteUserCascades":        testDeleteUserCascades,
		"LoginFailures":             testLoginFailures,
		"RecordFailureRace":         testRecordFailureRace,
		"Tokens":                    testTokens,
		"UserWithTokens":            testUserWithTokens,
		"SeedSealedAtRest":          testSeedSealedAtRest,
		"WrongKeyCannotReadSeeds":   testWrongKeyCannotReadSeeds,
		"OneLoginLink":              testOneLoginLink,
		"OTPStep":                   testOTPStep,
		"OTPStepConcurrent":         testOTPStepConcurrent,
		"AcceptWithOTP":             testAcceptWithOTP,
		"AcceptWithOTPTwoNodes":     testAcceptWithOTPTwoNodes,
		"Activation":                testActivation,
		"ActivateConcurrent":        testActivateConcurrent,
		"ActivationExpiry":          testActivationExpiry,
		"ActivationReplacesOldCode": testActivationReplacesOldCode,
		"DeviceIDUnique":            testDeviceIDUnique,
		"UpdateDevicePush":          testUpdateDevicePush,
		"WebPushDevice":             testWebPushDevice,
		"DeleteDevice":              testDeleteDevice,
		"SeenDevice":                testSeenDevice,
		"Policies":                  testPolicies,
		"EnrollLinks":               testEnrollLinks,
		"EnrollWindows":             testEnrollWindows,
		"AuditByReason":             testAuditByReason,
		"Audit":                     testAudit,
		"AuditGroupCommit":          testAuditGroupCommit,
		"AuditReported":             testAuditReported,
		"AuditNode":                 testAuditNode,
		"AuditSearch":               testAuditSearch,
		"PushSuspension":            testPushSuspension,
		"RecordPushAndPushesSince":  testRecordPushAndPushesSince,
		"ConcurrentWritersTwoNodes": testConcurrentWritersTwoNodes,
		"ReopenKeepsData":           testReopenKeepsData,
		"BypassCodes":               testBypassCodes,
		"BypassCodeCap":             testBypassCodeCap,
		"BypassCodeRace":            testBypassCodeRace,
		"BypassWithdrawn":           testBypassWithdrawn,
		"AdminTokens":               testAdminTokens,
		"AuditAdminAction":          testAuditAdminAction,
		"AuditStats":                testAuditStats,
		"AuditPhoneMS":              testAuditPhoneMS,
	}
}

// KeySealer is a Sealer whose key is 32 bytes of fill.
func KeySealer(t testing.TB, fill byte) *store.Sealer {
	t.Helper()
	s, err := store.NewSealer(KeySealerKey(fill))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// KeySealerKey is the key of KeySealer(t, fill).
func KeySealerKey(fill byte) []byte { return bytes.Repeat([]byte{fill}, store.KeySize) }

// MustUser creates the user name in s.
func MustUser(t testing.TB, s store.Store, name string) *store.User {
	t.Helper()
	u := &store.User{Name: name, PasswordHash: "$argon2id$x"}
	if err := s.CreateUser(context.Background(), u); err != nil {
		t.Fatal(err)
	}
	return u
}

// MustToken creates a soft token with serial for the user userID in s.
func MustToken(t testing.TB, s store.Store, userID int64, serial string) *store.Token {
	t.Helper()
	tok := &store.Token{
		UserID: userID, Type: store.TokenSoftToken, Serial: serial, Algorithm: store.OTPTOTP,
		Digits: 6, Period: 30, Seed: []byte("seed-of-" + serial), PushOn: true,
	}
	if err := s.CreateToken(context.Background(), tok); err != nil {
		t.Fatal(err)
	}
	return tok
}

// WantErr fails t unless err is target.
func WantErr(t testing.TB, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("error %v, want %v", err, target)
	}
}
