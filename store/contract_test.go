package store

import (
	"context"
	"database/sql"
	"errors"
	"maps"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pushauth/pushauth/internal/testpg"
)

// The Store contract: every behaviour below runs against every driver, so
// SQLite and PostgreSQL answer alike (same values, same errors). Tests that
// are about one driver's own machinery (files, pragmas, migrations, advisory
// locks) live in sqlite_test.go and postgres_test.go.

// contractDB is an empty database of one driver and the handle the suite
// works with.
type contractDB struct {
	Store
	sealer *Sealer
	// open opens another handle on the same database, as another node or
	// the same node after a restart would; it is closed when the test ends.
	open func(t testing.TB, sealer *Sealer, opts ...Option) (Store, error)
	// raw runs query bypassing the store and scans its single row.
	raw func(t testing.TB, query string, dest ...any)
}

// another opens a second handle (another node) with the same key.
func (db *contractDB) another(t testing.TB) Store {
	t.Helper()
	s, err := db.open(t, db.sealer)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// reopen closes the handle and opens the database again (a restart).
func (db *contractDB) reopen(t testing.TB) {
	t.Helper()
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db.Store = db.another(t)
}

// backend makes empty databases of one driver, each with a first handle.
type backend func(t testing.TB) *contractDB

// contractTests are the behaviours every driver must show.
func contractTests() map[string]func(*testing.T, *contractDB) {
	return map[string]func(*testing.T, *contractDB){
		"Users":                     testUsers,
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
		"Policies":                  testPolicies,
		"Audit":                     testAudit,
		"AuditGroupCommit":          testAuditGroupCommit,
		"AuditReported":             testAuditReported,
		"AuditNode":                 testAuditNode,
		"PushSuspension":            testPushSuspension,
		"RecordPushAndPushesSince":  testRecordPushAndPushesSince,
		"ConcurrentWritersTwoNodes": testConcurrentWritersTwoNodes,
		"ReopenKeepsData":           testReopenKeepsData,
	}
}

// TestContract runs the Store contract on SQLite and, when PostgreSQL's
// binaries are installed (required under CI=true), on a private
// PostgreSQL server, one fresh database per behaviour.
func TestContract(t *testing.T) {
	drivers := []struct {
		name  string
		start func(testing.TB) backend
	}{{"sqlite", sqliteBackend}, {"postgres", postgresBackend}}
	for _, d := range drivers {
		t.Run(d.name, func(t *testing.T) {
			newDB := d.start(t)
			tests := contractTests()
			for _, name := range slices.Sorted(maps.Keys(tests)) {
				t.Run(name, func(t *testing.T) { tests[name](t, newDB(t)) })
			}
		})
	}
}

// sqliteBackend makes database files in temporary directories.
func sqliteBackend(testing.TB) backend {
	return func(t testing.TB) *contractDB {
		t.Helper()
		path := filepath.Join(t.TempDir(), DBFileName)
		open := func(t testing.TB, sealer *Sealer, opts ...Option) (Store, error) {
			s, err := OpenSQLite(path, sealer, opts...)
			if err == nil {
				t.Cleanup(func() { s.Close() })
			}
			return s, err
		}
		raw := func(t testing.TB, query string, dest ...any) {
			t.Helper()
			db, err := sql.Open("sqlite", path)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if err := db.QueryRow(query).Scan(dest...); err != nil {
				t.Fatalf("%s: %v", query, err)
			}
		}
		return newContractDB(t, open, raw)
	}
}

// postgresBackend starts a private server and makes one database per
// test on it.
func postgresBackend(tb testing.TB) backend {
	pg := testpg.Start(tb)
	return func(t testing.TB) *contractDB {
		t.Helper()
		dsn := pg.NewDatabase(t)
		open := func(t testing.TB, sealer *Sealer, opts ...Option) (Store, error) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			s, err := OpenPostgres(ctx, dsn, sealer, opts...)
			if err == nil {
				t.Cleanup(func() { s.Close() })
			}
			return s, err
		}
		raw := func(t testing.TB, query string, dest ...any) {
			t.Helper()
			ctx := context.Background()
			conn, err := pgx.Connect(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close(ctx)
			if err := conn.QueryRow(ctx, query).Scan(dest...); err != nil {
				t.Fatalf("%s: %v", query, err)
			}
		}
		return newContractDB(t, open, raw)
	}
}

func newContractDB(t testing.TB, open func(testing.TB, *Sealer, ...Option) (Store, error), raw func(testing.TB, string, ...any)) *contractDB {
	t.Helper()
	db := &contractDB{sealer: testSealer(t, 1), open: open, raw: raw}
	db.Store = db.another(t)
	return db
}

func mustUser(t testing.TB, s Store, name string) *User {
	t.Helper()
	u := &User{Name: name, PasswordHash: "$argon2id$x"}
	if err := s.CreateUser(context.Background(), u); err != nil {
		t.Fatal(err)
	}
	return u
}

func mustToken(t testing.TB, s Store, userID int64, serial string) *Token {
	t.Helper()
	tok := &Token{
		UserID: userID, Type: TokenSoftToken, Serial: serial, Algorithm: OTPTOTP,
		Digits: 6, Period: 30, Seed: []byte("seed-of-" + serial), PushOn: true,
	}
	if err := s.CreateToken(context.Background(), tok); err != nil {
		t.Fatal(err)
	}
	return tok
}

func wantErr(t testing.TB, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("error %v, want %v", err, target)
	}
}
