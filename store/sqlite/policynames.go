package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	sq "github.com/pushauth/pushauth/store/internal/sqlshared"
)

// ErrNoDatabase is PolicyNames's answer for a data directory that
// has no database yet (the server never ran there).
var ErrNoDatabase = errors.New("no database in data_dir yet")

// PolicyNames lists the names of the policies in the SQLite
// database of dataDir, for `pushauthd --check-config`: it only reads,
// never creates, migrates or locks anything, so a server may be running
// on the directory meanwhile.
func PolicyNames(ctx context.Context, dataDir string) ([]string, error) {
	path := filepath.Join(dataDir, DBFileName)
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s: %w", path, ErrNoDatabase)
	}
	db, err := sql.Open("sqlite", sqliteDSN(path, true)+"&mode=ro") // the store's reader, on a file opened read-only
	if err != nil {
		return nil, fmt.Errorf("open sqlite %s read-only: %w", path, err)
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, sq.PolicyNames)
	if err != nil {
		return nil, fmt.Errorf("read policy names from %s: %w", path, err)
	}
	return scanNames(rows)
}

func scanNames(rows *sql.Rows) ([]string, error) {
	defer rows.Close()
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, fmt.Errorf("read policy names: %w", err)
		}
		names = append(names, n)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read policy names: %w", err)
	}
	return names, nil
}

// PolicyReplyAttributes reads the reply attributes of every policy that
// has some, by policy name, from the SQLite database of dataDir, for
// `pushauthd --check-config` to check against the configured
// dictionaries. Like PolicyNames it only reads; a database from before
// reply attributes (not migrated yet) has none.
func PolicyReplyAttributes(ctx context.Context, dataDir string) (map[string][]string, error) {
	path := filepath.Join(dataDir, DBFileName)
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s: %w", path, ErrNoDatabase)
	}
	db, err := sql.Open("sqlite", sqliteDSN(path, true)+"&mode=ro")
	if err != nil {
		return nil, fmt.Errorf("open sqlite %s read-only: %w", path, err)
	}
	defer db.Close()
	var columns int
	if err := db.QueryRowContext(ctx, sq.HasReplyAttributesSQLite).Scan(&columns); err != nil {
		return nil, fmt.Errorf("read the policies' columns from %s: %w", path, err)
	}
	if columns == 0 {
		return nil, nil
	}
	rows, err := db.QueryContext(ctx, sq.PolicyReplyAttributes)
	if err != nil {
		return nil, fmt.Errorf("read reply attributes from %s: %w", path, err)
	}
	defer rows.Close()
	out := map[string][]string{}
	for rows.Next() {
		var name, text string
		if err := rows.Scan(&name, &text); err != nil {
			return nil, fmt.Errorf("read reply attributes: %w", err)
		}
		if out[name], err = sq.DecodeReplyAttributes(text); err != nil {
			return nil, fmt.Errorf("policy %q: %w", name, err)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read reply attributes: %w", err)
	}
	return out, nil
}
