package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const testDSN = "postgres://pushauth:s3cret-pw@127.0.0.1:5432/pushauth?sslmode=disable"

func TestStoreDefaultsToSQLite(t *testing.T) {
	cfg, _ := mustLoad(t, "")
	if cfg.Store.Driver != StoreSQLite || cfg.Store.DSN != "" {
		t.Fatalf("store %+v, want sqlite without a DSN", cfg.Store)
	}
}

// The store section of issue 8 with its exact keys.
func TestStorePostgres(t *testing.T) {
	cfg, _ := mustLoad(t, "store:\n  driver: postgres\n  dsn: "+testDSN+"\n")
	if cfg.Store.Driver != StorePostgres || cfg.Store.DSN != testDSN {
		t.Fatalf("store %+v", cfg.Store)
	}
	if r := cfg.Store.Redacted(); strings.Contains(r, "s3cret-pw") || !strings.Contains(r, "pushauth:xxxxx@127.0.0.1:5432") {
		t.Fatalf("Redacted() = %q", r)
	}

	file := filepath.Join(t.TempDir(), "dsn")
	if err := os.WriteFile(file, []byte("  host=db user=pushauth password=s3cret-pw dbname=pushauth\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, _ = mustLoad(t, "store: {driver: postgres, dsn_file: "+file+"}\n")
	if cfg.Store.DSN != "host=db user=pushauth password=s3cret-pw dbname=pushauth" || cfg.Store.DSNFile != file {
		t.Fatalf("store from dsn_file %+v", cfg.Store)
	}
}

// PUSHAUTH_STORE_DRIVER and PUSHAUTH_STORE_DSN override the file; the DSN
// from the environment wins over dsn_file, which is then not read.
func TestStoreEnv(t *testing.T) {
	cfg, _ := mustLoad(t, "", "PUSHAUTH_STORE_DRIVER=postgres", "PUSHAUTH_STORE_DSN="+testDSN)
	if cfg.Store.Driver != StorePostgres || cfg.Store.DSN != testDSN {
		t.Fatalf("store %+v", cfg.Store)
	}
	cfg, _ = mustLoad(t, "store: {driver: postgres, dsn_file: /nonexistent/dsn}\n", "PUSHAUTH_STORE_DSN="+testDSN)
	if cfg.Store.DSN != testDSN {
		t.Fatalf("store %+v", cfg.Store)
	}
	cfg, _ = mustLoad(t, "store: {driver: postgres, dsn: '"+testDSN+"'}\n", "PUSHAUTH_STORE_DRIVER=sqlite", "PUSHAUTH_STORE_DSN=")
	if cfg.Store.Driver != StoreSQLite || cfg.Store.DSN != "" {
		t.Fatalf("back to sqlite by env: %+v", cfg.Store)
	}
}

// S1.5: every store problem is reported with its file (or variable) and
// key, and no message shows the DSN's password.
func TestStoreErrors(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty")
	if err := os.WriteFile(empty, []byte("\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, body string
		env        []string
		file, key  string
		msg        string
	}{
		{"unknown driver", "store: {driver: mysql}", nil, "", "store.driver", "want one of sqlite, postgres"},
		{"unknown driver from env", "", []string{"PUSHAUTH_STORE_DRIVER=oracle"}, "env PUSHAUTH_STORE_DRIVER", "store.driver", "oracle"},
		{"postgres without dsn", "store: {driver: postgres}", nil, "", "store.dsn", "required"},
		{"both dsn and dsn_file", "store: {driver: postgres, dsn: '" + testDSN + "', dsn_file: " + empty + "}", nil, "", "store.dsn_file", "cannot be set together"},
		{"unreadable dsn_file", "store: {driver: postgres, dsn_file: " + filepath.Join(dir, "missing") + "}", nil, "", "store.dsn_file", "cannot read"},
		{"empty dsn_file", "store: {driver: postgres, dsn_file: " + empty + "}", nil, "", "store.dsn_file", "empty"},
		{"dsn with sqlite", "store: {dsn: '" + testDSN + "'}", nil, "", "store.dsn", "driver is sqlite"},
		{"invalid dsn", "store: {driver: postgres, dsn: 'postgres://u:s3cret-pw@db:notaport/x'}", nil, "", "store.dsn", "invalid PostgreSQL connection string"},
		{"invalid dsn from env", "store: {driver: postgres}", []string{"PUSHAUTH_STORE_DSN=host=db port=x password=s3cret-pw"}, "env PUSHAUTH_STORE_DSN", "store.dsn", "invalid"},
		{"dsn not a string", "store: {driver: postgres, dsn: 5}", nil, "", "store.dsn", "must be a string"},
		{"unknown key", "store: {driver: postgres, dsn: '" + testDSN + "', pool: 3}", nil, "", "store.pool", "unknown key"},
		{"not a mapping", "store: postgres", nil, "", "store", "must be a mapping"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := writeConfig(t, tc.body+"\n")
			errs := loadErrors(t, path, tc.env...)
			if len(errs) != 1 {
				t.Fatalf("errors %v, want exactly one", errs)
			}
			e := errs[0]
			wantFile := tc.file
			if wantFile == "" {
				wantFile = path
			}
			if e.File != wantFile || e.Key != tc.key || !strings.Contains(e.Msg, tc.msg) {
				t.Fatalf("error %q, want file %q key %q containing %q", e.String(), wantFile, tc.key, tc.msg)
			}
			if strings.Contains(e.String(), "s3cret-pw") {
				t.Fatalf("error shows the password: %q", e.String())
			}
		})
	}
}
