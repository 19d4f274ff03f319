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
