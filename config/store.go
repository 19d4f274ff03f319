package config

import (
	"os"
	"strings"

	"github.com/pushauth/pushauth/store/pgdsn"
)

// Store drivers (`store.driver`).
const (
	StoreSQLite   = "sqlite"   // default: data_dir/pushauth.db, one node
	StorePostgres = "postgres" // a database shared by every node of a cluster
)

// Store selects where pushauth keeps users, tokens, policies and audit
// records.
type Store struct {
	// Driver is StoreSQLite (default) or StorePostgres.
	Driver string
	// DSN is the PostgreSQL connection string (libpq URL or key=value),
	// from `dsn`, from PUSHAUTH_STORE_DSN, or read from `dsn_file`. It holds
	// the database password: log Redacted(), never DSN.
	DSN string
	// DSNFile is `dsn_file` as written; relative paths are relative to the
	// working directory.
	DSNFile string
}

// Redacted is the DSN with its password replaced by xxxxx, for logs.
func (s Store) Redacted() string { return pgdsn.Redact(s.DSN) }

// store decodes `store`. The DSN is parsed (never connected to), and its
// password never appears in a message. PUSHAUTH_STORE_DSN wins over both
// `dsn` and `dsn_file` (the file is then not read).
func (d *decoder) store(v any) Store {
	const path = "store"
	m := d.object(v, path, "driver", "dsn", "dsn_file")
	dsn, ok := d.secretStr(m, path, "dsn")
	s := Store{
		Driver:  d.oneOf(m, path, "driver", StoreSQLite, StoreSQLite, StorePostgres),
		DSN:     dsn,
		DSNFile: d.str(m, path, "dsn_file", ""),
	}
	dsnKey := path + ".dsn"
	switch {
	case !ok:
		return s // already reported
	case d.fromEnv(dsnKey) || s.DSNFile == "":
	case s.DSN != "":
		d.errorf(path+".dsn_file", "cannot be set together with store.dsn; use one")
		return s
	default:
		s.DSN, dsnKey = d.readDSN(path+".dsn_file", s.DSNFile), path+".dsn_file"
		if s.DSN == "" {
			return s // already reported
		}
	}
	switch {
	case s.Driver == StorePostgres && s.DSN == "":
		d.errorf(dsnKey, "required when store.driver is postgres (or set store.dsn_file)")
	case s.Driver == StoreSQLite && s.DSN != "":
		d.errorf(dsnKey, "set, but store.driver is sqlite: set store.driver to postgres, or remove it")
	case s.DSN != "":
		if err := pgdsn.Check(s.DSN); err != nil {
			d.errorf(dsnKey, "invalid PostgreSQL connection string: %v", err)
		}
	}
	return s
}

// secretStr reads an optional string without ever echoing its value; ok
// is false (and the error reported) when the value is not a string.
func (d *decoder) secretStr(m map[string]any, path, key string) (s string, ok bool) {
	v, set := lookup(m, key)
	if !set {
		return "", true
	}
	s, ok = v.(string)
	if !ok {
		d.errorf(join(path, key), "must be a string, got %s (quote it)", typeName(v))
	}
	return strings.TrimSpace(s), ok
}

// readDSN reads a DSN file, trimming surrounding white space.
func (d *decoder) readDSN(key, file string) string {
	b, err := os.ReadFile(file)
	if err != nil {
		d.errorf(key, "cannot read DSN file: %v", err)
		return ""
	}
	dsn := strings.TrimSpace(string(b))
	if dsn == "" {
		d.errorf(key, "DSN file %q is empty", file)
	}
	return dsn
}
