package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// goStep starts a migration step written in Go rather than SQL, for what
// SQL cannot do (Unicode case mapping); the rest of the step names it
// (runSQLiteStep, runPostgresStep). It runs in the migration's
// transaction like any other step.
const goStep = "go:"

// stepFoldUserNames folds stored user names to their keys (user_names.go).
const stepFoldUserNames = goStep + "fold-user-names"

// sqliteMigrations returns the schema steps in order. Step i brings the
// database from PRAGMA user_version i to i+1. Steps are append-only: never
// edit a released step, add a new one.
func sqliteMigrations() []string {
	return []string{
		// 1: tables.
		`CREATE TABLE users (
			id            INTEGER PRIMARY KEY,
			name          TEXT    NOT NULL UNIQUE,
			password_hash TEXT    NOT NULL DEFAULT '',
			policy        TEXT    NOT NULL DEFAULT '',
			failures      INTEGER NOT NULL DEFAULT 0,
			locked_until  INTEGER NOT NULL DEFAULT 0,
			created_at    INTEGER NOT NULL
		);
		CREATE TABLE tokens (
			id          INTEGER PRIMARY KEY,
			user_id     INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
			type        TEXT    NOT NULL,
			serial      TEXT    NOT NULL UNIQUE,
			algorithm   TEXT    NOT NULL DEFAULT '',
			digits      INTEGER NOT NULL DEFAULT 0,
			period      INTEGER NOT NULL DEFAULT 0,
			seed_sealed BLOB    NOT NULL,
			last_step   INTEGER NOT NULL DEFAULT -1,
			push_on     INTEGER NOT NULL DEFAULT 0,
			created_at  INTEGER NOT NULL
		);
		CREATE TABLE devices (
			id            TEXT    PRIMARY KEY,
			token_id      INTEGER NOT NULL UNIQUE REFERENCES tokens(id) ON DELETE CASCADE,
			platform      TEXT    NOT NULL DEFAULT '',
			os_version    TEXT    NOT NULL DEFAULT '',
			push_kind     TEXT    NOT NULL DEFAULT '',
			push_token    TEXT    NOT NULL DEFAULT '',
			push_disabled TEXT    NOT NULL DEFAULT '',
			public_key    BLOB    NOT NULL,
			activated_at  INTEGER NOT NULL
		);
		CREATE TABLE activations (
			code_hash  BLOB    PRIMARY KEY,
			token_id   INTEGER NOT NULL REFERENCES tokens(id) ON DELETE CASCADE,
			expires_at INTEGER NOT NULL,
			used       INTEGER NOT NULL DEFAULT 0
		);
		CREATE TABLE policies (
			name              TEXT    PRIMARY KEY,
			push_enabled      INTEGER NOT NULL,
			method            TEXT    NOT NULL,
			attempt_limit     INTEGER NOT NULL,
			lockout_failures  INTEGER NOT NULL,
			lockout_seconds   INTEGER NOT NULL,
			pushes_per_minute INTEGER NOT NULL
		);
		CREATE TABLE audit (
			id          INTEGER PRIMARY KEY,
			login_id    TEXT    NOT NULL,
			time        INTEGER NOT NULL,
			username    TEXT    NOT NULL,
			client      TEXT    NOT NULL,
			agent       TEXT    NOT NULL,
			token       TEXT    NOT NULL,
			provider    TEXT    NOT NULL,
			outcome     TEXT    NOT NULL,
			reason      TEXT    NOT NULL,
			duration_ms INTEGER NOT NULL
		);`,
		// 2: indexes for cascading deletes and audit search.
		`CREATE INDEX tokens_user_id ON tokens(user_id);
		CREATE INDEX activations_token_id ON activations(token_id);
		CREATE INDEX audit_time ON audit(time, id);
		CREATE INDEX audit_username_time ON audit(username, time, id);`,
		// 3: OneLogin Protect links (SPEC S4.2).
		`ALTER TABLE tokens ADD COLUMN onelogin_user TEXT NOT NULL DEFAULT '';
		ALTER TABLE tokens ADD COLUMN onelogin_device TEXT NOT NULL DEFAULT '';`,
		// 4: push-bombing defences (SPEC S5.4): suspensions after "this
		// wasn't me", recent pushes for the per-user cap, reported audits.
		`CREATE TABLE push_suspensions (
			username TEXT    PRIMARY KEY,
			until    INTEGER NOT NULL,
			reason   TEXT    NOT NULL
		);
		CREATE TABLE pushes (
			username TEXT    NOT NULL,
			at       INTEGER NOT NULL
		);
		CREATE INDEX pushes_username_at ON pushes(username, at);
		CREATE INDEX pushes_at ON pushes(at);
		ALTER TABLE audit ADD COLUMN reported INTEGER NOT NULL DEFAULT 0;`,
		// 5: users linked to a directory entry by its stable id (SPEC S9.2).
		`ALTER TABLE users ADD COLUMN directory_id TEXT NOT NULL DEFAULT '';
		CREATE UNIQUE INDEX users_directory_id ON users(directory_id) WHERE directory_id != '';`,
		// 6: number matching per policy (SPEC S10.3).
		`ALTER TABLE policies ADD COLUMN number_matching INTEGER NOT NULL DEFAULT 0;`,
		// 7: the node that ran each login (cluster.node; empty on a single node).
		`ALTER TABLE audit ADD COLUMN node TEXT NOT NULL DEFAULT '';`,
		// 8: when the user's last failed attempt was counted, for the
		// lockout's back-off and its forgetting (SPEC S2.9).
		`ALTER TABLE users ADD COLUMN last_failure INTEGER NOT NULL DEFAULT 0;`,
		// 9: user names are case-insensitive (SPEC S4.6): stored names,
		// push suspensions and recent pushes folded to their keys.
		stepFoldUserNames,
	}
}

// migrate brings the database to len(steps) in one transaction. It refuses a
// database whose schema is newer than steps.
func migrate(ctx context.Context, db *sql.DB, steps []string) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("migrate: begin: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // no-op after Commit
	var version int
	if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		return fmt.Errorf("migrate: read schema version: %w", err)
	}
	if version > len(steps) {
		return fmt.Errorf("migrate: database schema version %d is newer than this program's %d", version, len(steps))
	}
	for i := version; i < len(steps); i++ {
		if err := runSQLiteStep(ctx, tx, steps[i]); err != nil {
			return fmt.Errorf("migrate: step %d: %w", i+1, err)
		}
	}
	// PRAGMA takes no bound parameters; len(steps) is a program constant.
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", len(steps))); err != nil {
		return fmt.Errorf("migrate: set schema version: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("migrate: commit: %w", err)
	}
	return nil
}

// runSQLiteStep runs one migration step: SQL, or the Go step it names.
func runSQLiteStep(ctx context.Context, tx *sql.Tx, step string) error {
	if !strings.HasPrefix(step, goStep) {
		_, err := tx.ExecContext(ctx, step)
		return err
	}
	switch step {
	case stepFoldUserNames:
		return sqliteFoldUserNames(ctx, tx)
	}
	return fmt.Errorf("no migration step %q", step)
}

// sqliteFoldUserNames files every stored user name, push suspension and
// recent push under the name's key (foldUserNames, foldSuspensions).
// Audit records keep the names they were written with.
func sqliteFoldUserNames(ctx context.Context, tx *sql.Tx) error {
	users, err := sqliteScanAll(ctx, tx, `SELECT id, name FROM users`, func(r *sql.Rows, u *storedName) error {
		return r.Scan(&u.id, &u.name)
	})
	if err != nil {
		return fmt.Errorf("read user names: %w", err)
	}
	for id, name := range foldUserNames(users) {
		if _, err := tx.ExecContext(ctx, `UPDATE users SET name = ? WHERE id = ?`, name, id); err != nil {
			return fmt.Errorf("rename user %d to %q: %w", id, name, err)
		}
	}
	if err := sqliteFoldSuspensions(ctx, tx); err != nil {
		return err
	}
	pushed, err := sqliteScanAll(ctx, tx, `SELECT DISTINCT username FROM pushes`, func(r *sql.Rows, n *string) error {
		return r.Scan(n)
	})
	if err != nil {
		return fmt.Errorf("read pushes: %w", err)
	}
	for old, key := range foldPushUsers(pushed) {
		if _, err := tx.ExecContext(ctx, `UPDATE pushes SET username = ? WHERE username = ?`, key, old); err != nil {
			return fmt.Errorf("fold pushes of %q: %w", old, err)
		}
	}
	return nil
}

// sqliteFoldSuspensions merges push suspensions whose names fold alike.
func sqliteFoldSuspensions(ctx context.Context, tx *sql.Tx) error {
	rows, err := sqliteScanAll(ctx, tx, `SELECT username, until, reason FROM push_suspensions`,
		func(r *sql.Rows, s *suspension) error { return r.Scan(&s.user, &s.until, &s.reason) })
	if err != nil {
		return fmt.Errorf("read push suspensions: %w", err)
	}
	drop, put := foldSuspensions(rows)
	for _, user := range drop {
		if _, err := tx.ExecContext(ctx, `DELETE FROM push_suspensions WHERE username = ?`, user); err != nil {
			return fmt.Errorf("fold push suspension of %q: %w", user, err)
		}
	}
	for _, s := range put {
		if _, err := tx.ExecContext(ctx, `INSERT INTO push_suspensions (username, until, reason) VALUES (?, ?, ?)`,
			s.user, s.until, s.reason); err != nil {
			return fmt.Errorf("fold push suspension of %q: %w", s.user, err)
		}
	}
	return nil
}

// sqliteScanAll runs query in tx and scans every row with scan.
func sqliteScanAll[T any](ctx context.Context, tx *sql.Tx, query string, scan func(*sql.Rows, *T) error) ([]T, error) {
	rows, err := tx.QueryContext(ctx, query)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var all []T
	for rows.Next() {
		var v T
		if err := scan(rows, &v); err != nil {
			return nil, err
		}
		all = append(all, v)
	}
	return all, rows.Err()
}
