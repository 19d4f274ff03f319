package postgres

import (
	"context"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/pushauth/pushauth/internal/testpg"
	"github.com/pushauth/pushauth/store/internal/sqlshared"
	"github.com/pushauth/pushauth/store/storetest"
)

// Issue 22: a prefix search among 100,000 users (the console's Users page)
// reads the index on name COLLATE "C" (migration step 9), not the whole
// table; the unique index on name, in the database's collation, could not
// serve it.
func TestPostgresSearchUsesIndex(t *testing.T) {
	pg := testpg.Start(t)
	for _, c := range []struct {
		steps int
		index bool
	}{{8, false}, {len(migrations()), true}} {
		dsn := postgresAtStep(t, pg, storetest.KeySealer(t, 1), c.steps)
		fillUsers(t, dsn, storetest.SearchUsersCount)
		plan := explain(t, dsn, "user0999")
		t.Logf("after %d steps:\n%s", c.steps, plan)
		if used := strings.Contains(plan, "users_name_c"); used != c.index {
			t.Errorf("after %d steps: plan uses users_name_c %v, want %v:\n%s", c.steps, used, c.index, plan)
		}
		if c.index && strings.Contains(plan, "Seq Scan") {
			t.Errorf("plan reads the whole table:\n%s", plan)
		}
	}
}

// fillUsers adds n users user000000… in one statement, and analyzes them.
func fillUsers(tb testing.TB, dsn string, n int) {
	tb.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		tb.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `INSERT INTO users (name, created_at)
		SELECT 'user' || lpad(g::text, 6, '0'), 0 FROM generate_series(0, $1::int - 1) g`, n); err != nil {
		tb.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `ANALYZE users`); err != nil {
		tb.Fatal(err)
	}
}

// explain is the plan of the store's search for the first page of prefix.
func explain(t *testing.T, dsn, prefix string) string {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, `EXPLAIN `+searchUsers, prefix, sqlshared.SearchBound(prefix), "", 50)
	if err != nil {
		t.Fatal(err)
	}
	lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(lines, "\n")
}
