package postgres

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pushauth/pushauth/internal/testpg"
	"github.com/pushauth/pushauth/store"
	"github.com/pushauth/pushauth/store/storetest"
)

// TestContract runs the Store contract (store/storetest) on a private
// PostgreSQL server, one fresh database per behaviour; it skips without
// PostgreSQL's binaries (required under CI=true).
func TestContract(t *testing.T) {
	storetest.Run(t, backend(t))
}

// TestPendingActivation: see storetest.PendingActivation.
func TestPendingActivation(t *testing.T) {
	storetest.PendingActivation(t, backend(t))
}

// backend starts a private server and makes one database per test on it.
func backend(tb testing.TB) func(testing.TB) *storetest.DB {
	pg := testpg.Start(tb)
	return func(t testing.TB) *storetest.DB {
		t.Helper()
		dsn := pg.NewDatabase(t)
		open := func(t testing.TB, sealer *store.Sealer, opts ...store.Option) (store.Store, error) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			s, err := Open(ctx, dsn, sealer, opts...)
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
		return storetest.NewDB(t, open, raw)
	}
}
