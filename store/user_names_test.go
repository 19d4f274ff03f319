package store

import (
	"context"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/pushauth/pushauth/internal/testpg"
)

// Names that fold alike become one user: the one spelled as the key keeps
// it, else the oldest; the others get "key~id", never a taken name.
func TestFoldUserNames(t *testing.T) {
	got := foldUserNames([]storedName{
		{1, "Alice"}, {2, "alice"}, {3, "ALICE"}, {4, "BOB"}, {5, "alice~3"},
		{6, "Jose\u0301"}, {7, "CAROL"}, {8, "Carol"}, {9, "dave"}, {10, "X~11"}, {11, "x"}, {12, "X"},
	})
	want := map[int64]string{
		1: "alice~1", 3: "alice~3~", // 2 is spelled as the key; "alice~3" is taken by 5
		4: "bob", 6: "josé",
		7: "carol", 8: "carol~8", // neither spelled as the key: the oldest keeps it
		10: "x~11", 12: "x~12", // 10's key is "x~11" too: 12 cannot take it
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("foldUserNames = %v\nwant %v", got, want)
	}
	if got := foldUserNames([]storedName{{1, "alice"}, {2, "bob"}}); len(got) != 0 {
		t.Fatalf("folded names renamed: %v", got)
	}
}

// Suspensions that fold alike merge into the longest one, under the key.
func TestFoldSuspensions(t *testing.T) {
	drop, put := foldSuspensions([]suspension{
		{"BOB", 100, "a"}, {"bob", 200, "b"}, {"Carol", 50, "c"}, {"dave", 70, "d"},
	})
	if !reflect.DeepEqual(drop, []string{"BOB", "bob", "Carol"}) ||
		!reflect.DeepEqual(put, []suspension{{"bob", 200, "b"}, {"carol", 50, "c"}}) {
		t.Fatalf("drop %v, put %v", drop, put)
	}
}

// oldNames is a database written before user names were case-insensitive:
// three spellings of alice, a name that one of their new names would take,
// and mixed-case suspensions, pushes and audit records. Renamed users keep
// their ids, hence their tokens and counters.
var oldNames = []string{
	`INSERT INTO users (id, name, created_at) VALUES (1, 'Alice', 1), (2, 'alice', 1), (3, 'ALICE', 1),
		(4, 'BOB', 1), (5, 'alice~3', 1)`,
	`INSERT INTO push_suspensions (username, until, reason) VALUES ('BOB', 100, 'a'), ('bob', 9000000000000000000, 'b')`,
	`INSERT INTO pushes (username, at) VALUES ('BOB', 1), ('Bob', 2), ('bob', 3)`,
	`INSERT INTO audit (login_id, time, username, client, agent, token, provider, outcome, reason, duration_ms)
		VALUES ('old', 1, 'BOB', 'vpn', 'ddl', 'S1', 'fcm', 'accept', 'push approved', 5)`,
}

// checkFoldedNames checks a store opened on oldNames after the migration.
func checkFoldedNames(t *testing.T, s Store) {
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
	if recs, err := s.ListAudit(ctx, AuditQuery{User: "BOB"}); err != nil || len(recs) != 1 {
		t.Errorf("audit records keep their names: %+v, %v", recs, err)
	}
	if err := s.CreateUser(ctx, &User{Name: "Alice"}); err == nil {
		t.Error("created Alice beside alice")
	}
}

// SPEC S4.6: the migration folds a SQLite database's names.
func TestMigrateFoldsUserNames(t *testing.T) {
	path := sqliteAtStep(t, slices.Index(sqliteMigrations(), stepFoldUserNames), oldNames...)
	s, err := OpenSQLite(path, testSealer(t, 1))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	checkFoldedNames(t, s)
}

// SPEC S4.6: the migration folds a PostgreSQL database's names.
func testPostgresMigrateFoldsUserNames(t *testing.T, pg *testpg.Server) {
	sealer := testSealer(t, 1)
	dsn := postgresAtStep(t, pg, sealer, slices.Index(postgresMigrations(), stepFoldUserNames), oldNames...)
	s, err := OpenPostgres(context.Background(), dsn, sealer)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	checkFoldedNames(t, s)
}
