package postgres

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/pushauth/pushauth/internal/testpg"
	"github.com/pushauth/pushauth/store"
	"github.com/pushauth/pushauth/store/internal/sqlshared"
	"github.com/pushauth/pushauth/store/storetest"
)

// PostgreSQL's own machinery: migrations under an advisory lock, the key
// fingerprint, errors without the password. The store.Store behaviours are in
// the contract suite (store/storetest, run by contract_test.go).

func openPostgres(t testing.TB, dsn string, sealer *store.Sealer) (*Store, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := Open(ctx, dsn, sealer)
	if err == nil {
		t.Cleanup(func() { s.Close() })
	}
	return s, err
}

func pgScalar(t testing.TB, dsn, query string, dest ...any) {
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

func TestPostgres(t *testing.T) {
	pg := testpg.Start(t)
	t.Run("NodesStartingTogetherMigrateOnce", func(t *testing.T) { testPostgresMigrateTogether(t, pg) })
	t.Run("RefusesNewerSchema", func(t *testing.T) { testPostgresRefusesNewerSchema(t, pg) })
	t.Run("RefusesOtherKey", func(t *testing.T) { testPostgresRefusesOtherKey(t, pg) })
	t.Run("ErrorsHidePassword", func(t *testing.T) { testPostgresErrorsHidePassword(t, pg) })
	t.Run("MigrateAuditNode", func(t *testing.T) { testPostgresMigrateAuditNode(t, pg) })
	t.Run("MigrateFoldsUserNames", func(t *testing.T) { testPostgresMigrateFoldsUserNames(t, pg) })
	t.Run("MigratePolicyReplyAttributes", func(t *testing.T) { testPostgresMigratePolicyReplyAttributes(t, pg) })
	t.Run("MigrateDeviceLastSeen", func(t *testing.T) { testPostgresMigrateDeviceLastSeen(t, pg) })
	t.Run("MigrateAuditPhoneMS", func(t *testing.T) { testPostgresMigrateAuditPhoneMS(t, pg) })
}

// postgresAtStep is the DSN of a new database migrated through its first
// steps only (its key sealer's), holding rows (INSERT statements): a
// database an older release wrote, for Open to migrate the rest
// of the way.
func postgresAtStep(t *testing.T, pg *testpg.Server, sealer *store.Sealer, steps int, rows ...string) string {
	t.Helper()
	ctx := context.Background()
	dsn := pg.NewDatabase(t)
	pool, err := pgxpool.New(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	if err := migrate(ctx, pool, migrations()[:steps], sealer); err != nil {
		t.Fatal(err)
	}
	for _, q := range rows {
		if _, err := pool.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	return dsn
}

// Step 3 adds the audit node column to a database that already holds
// audit records: they keep an empty node, new ones carry the node's name.
func testPostgresMigrateAuditNode(t *testing.T, pg *testpg.Server) {
	ctx := context.Background()
	sealer := storetest.KeySealer(t, 1)
	dsn := postgresAtStep(t, pg, sealer, 2, storetest.OldAuditRecord)
	s, err := Open(ctx, dsn, sealer, store.WithNode("node-a"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.AppendAudit(ctx, &store.AuditRecord{LoginID: "new", Time: time.Now(), User: "alice", Outcome: "accept"}); err != nil {
		t.Fatal(err)
	}
	got, err := s.ListAudit(ctx, store.AuditQuery{User: "alice"})
	if err != nil || len(got) != 2 || got[0].Node != "node-a" || got[1].LoginID != "old" || got[1].Node != "" {
		t.Fatalf("audit after step 3: %+v, %v", got, err)
	}
}

// Step 6 adds reply attributes to a database that already holds a
// policy: it keeps its settings, with no attributes.
func testPostgresMigratePolicyReplyAttributes(t *testing.T, pg *testpg.Server) {
	ctx := context.Background()
	sealer := storetest.KeySealer(t, 1)
	dsn := postgresAtStep(t, pg, sealer, 5, storetest.OldPolicy)
	s, err := Open(ctx, dsn, sealer)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	storetest.CheckMigratedPolicy(t, s)
}

// Four nodes open an empty database at the same moment: the advisory lock
// lets one migrate while the others wait, then all find the schema
// current.
func testPostgresMigrateTogether(t *testing.T, pg *testpg.Server) {
	dsn := pg.NewDatabase(t)
	sealer := storetest.KeySealer(t, 1)
	const nodes = 4
	stores := make([]*Store, nodes)
	errs := make([]error, nodes)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			stores[i], errs[i] = openPostgres(t, dsn, sealer)
		}()
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("node %d: %v", i, err)
		}
	}
	var version, rows int
	pgScalar(t, dsn, `SELECT max(schema_version), count(*) FROM pushauth_meta`, &version, &rows)
	if version != len(migrations()) || rows != 1 {
		t.Fatalf("schema version %d in %d rows, want %d in 1", version, rows, len(migrations()))
	}
	storetest.MustUser(t, stores[0], "bob")
	if u, err := stores[nodes-1].UserByName(context.Background(), "bob"); err != nil || u.Name != "bob" {
		t.Fatalf("another node: %+v, %v", u, err)
	}
	if !strings.HasPrefix(stores[0].Target(), testpg.AppUser+"@127.0.0.1:") {
		t.Fatalf("Target() = %q", stores[0].Target())
	}
}

func testPostgresRefusesNewerSchema(t *testing.T, pg *testpg.Server) {
	dsn := pg.NewDatabase(t)
	s, err := openPostgres(t, dsn, storetest.KeySealer(t, 1))
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	var n int
	pgScalar(t, dsn, `WITH u AS (UPDATE pushauth_meta SET schema_version = 99 RETURNING 1) SELECT count(*) FROM u`, &n)
	_, err = openPostgres(t, dsn, storetest.KeySealer(t, 1))
	if err == nil || !strings.Contains(err.Error(), "newer") {
		t.Fatalf("opened a database with a newer schema: %v", err)
	}
}

// A node with another server key is refused before it can write seeds
// the other nodes could not read, and told which file to copy from the
// first node and where (issue 24 item 6), as a node with another
// push-signing key is (cluster/keys.go).
func testPostgresRefusesOtherKey(t *testing.T, pg *testpg.Server) {
	dsn := pg.NewDatabase(t)
	first, err := store.DirSealer(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := openPostgres(t, dsn, first); err != nil {
		t.Fatal(err)
	}
	secondDir := t.TempDir()
	second, err := store.DirSealer(secondDir, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = openPostgres(t, dsn, second)
	storetest.WantErr(t, err, store.ErrSealed)
	for _, want := range []string{first.Fingerprint(), second.Fingerprint(), "copy data_dir/server.key",
		filepath.Join(secondDir, store.KeyFileName)} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not say %q: %v", want, err)
		}
	}
	// With server_key in the config, the advice is that key.
	configured, err := store.DirSealer(t.TempDir(), storetest.KeySealerKey(2))
	if err != nil {
		t.Fatal(err)
	}
	_, err = openPostgres(t, dsn, configured)
	storetest.WantErr(t, err, store.ErrSealed)
	if !strings.Contains(err.Error(), first.Fingerprint()) || !strings.Contains(err.Error(), "set server_key to the first node's") {
		t.Fatalf("error does not name the key and server_key: %v", err)
	}
}

// No error of Open shows the DSN's password.
func testPostgresErrorsHidePassword(t *testing.T, pg *testpg.Server) {
	const secret = "s3cr3t-PW"
	dsn := pg.NewDatabase(t)
	port := pg.Port()
	for _, bad := range []string{
		strings.Replace(dsn, testpg.AppPassword, secret, 1),                               // wrong password
		"postgres://pushauth:" + secret + "@127.0.0.1:1/x?sslmode=disable",                // nothing listening
		"postgres://pushauth:" + secret + "@127.0.0.1:notaport/x",                         // unparsable URL
		"host=127.0.0.1 port=" + strconv.Itoa(port) + " user=pushauth password=" + secret, // key=value form, wrong password
		"host=127.0.0.1 port=bad user=pushauth password=" + secret,                        // key=value form, unparsable
	} {
		_, err := openPostgres(t, bad, storetest.KeySealer(t, 1))
		if err == nil {
			t.Fatalf("opened %q", strings.ReplaceAll(bad, secret, "***"))
		}
		if strings.Contains(err.Error(), secret) {
			t.Errorf("error shows the password: %v", err)
		}
	}
}

// Step 10 adds the devices' last seen to a database that already holds
// an activated device: it was never seen, and can be now.
func testPostgresMigrateDeviceLastSeen(t *testing.T, pg *testpg.Server) {
	sealer := storetest.KeySealer(t, 1)
	blob := func(b []byte) string { return fmt.Sprintf(`'\x%x'::bytea`, b) }
	dsn := postgresAtStep(t, pg, sealer, slices.Index(migrations(), sqlshared.StepDeviceLastSeen), storetest.OldDevice(t, blob)...)
	s, err := Open(context.Background(), dsn, sealer)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	storetest.CheckMigratedDevice(t, s)
}

// Step 11 adds the phone's answer time to a database that already holds
// an audit record: it reads 0 (not kept), and new records keep theirs.
func testPostgresMigrateAuditPhoneMS(t *testing.T, pg *testpg.Server) {
	sealer := storetest.KeySealer(t, 1)
	dsn := postgresAtStep(t, pg, sealer, slices.Index(migrations(), sqlshared.StepAuditPhoneMS), storetest.OldAuditRecord)
	s, err := Open(context.Background(), dsn, sealer)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	storetest.CheckMigratedAuditPhoneMS(t, s)
}

// SPEC S4.6: the migration folds a PostgreSQL database's names.
func testPostgresMigrateFoldsUserNames(t *testing.T, pg *testpg.Server) {
	sealer := storetest.KeySealer(t, 1)
	dsn := postgresAtStep(t, pg, sealer, slices.Index(migrations(), sqlshared.StepFoldUserNames), storetest.OldNames()...)
	s, err := Open(context.Background(), dsn, sealer)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	storetest.CheckFoldedNames(t, s)
}

// store.WriteFailureCause knows PostgreSQL's errors without importing the
// driver.
func TestWriteFailureCauseOfPgError(t *testing.T) {
	for _, c := range []struct {
		err  error
		want string
	}{
		{fmt.Errorf("x: %w", &pgconn.PgError{Code: "53100"}), store.CauseDiskFull},
		{&pgconn.PgError{Code: "25006"}, store.CauseReadOnly},
		{&pgconn.PgError{Code: "08006"}, store.CauseWrite},
	} {
		if got := store.WriteFailureCause(c.err); got != c.want {
			t.Errorf("%v: %q, want %q", c.err, got, c.want)
		}
	}
}
