package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/pushauth/pushauth/store/internal/sqlshared"
)

// migrations returns the schema steps in order. Step i brings the
// database from PRAGMA user_version i to i+1. Steps are append-only: never
// edit a released step, add a new one.
func migrations() []string {
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
		sqlshared.StepFoldUserNames,
		// 10: reply attributes per policy (docs/operations.md "Authorization").
		sqlshared.StepPolicyReplyAttributes,
		// 11: the helpdesk (docs/operations.md): bypass codes (SPEC S3.2),
		// kept as keyed hashes; admin API tokens with roles, kept as
		// SHA-256; admin actions in the audit.
		`CREATE TABLE bypass_codes (
			id         INTEGER PRIMARY KEY,
			user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
			code_hash  BLOB    NOT NULL UNIQUE,
			uses_left  INTEGER NOT NULL,
			expires_at INTEGER NOT NULL,
			created_at INTEGER NOT NULL,
			created_by TEXT    NOT NULL
		);
		CREATE INDEX bypass_codes_user_id ON bypass_codes(user_id);
		CREATE TABLE admin_tokens (
			name       TEXT    PRIMARY KEY,
			role       TEXT    NOT NULL,
			token_hash BLOB    NOT NULL UNIQUE,
			created_at INTEGER NOT NULL,
			created_by TEXT    NOT NULL
		);
		ALTER TABLE audit ADD COLUMN admin TEXT NOT NULL DEFAULT '';
		ALTER TABLE audit ADD COLUMN action TEXT NOT NULL DEFAULT '';`,
		// 12: enrolment (issue 21): the policy keys new_user, self_enrollment
		// and self_enrollment_otp, single-use enrolment links, and the
		// enrolment windows operators open.
		sqlshared.StepEnrollment,
		// 13: the console's audit search (issue 22): one login's records,
		// and a client's records newest first.
		sqlshared.StepAuditSearch,
		// 14: when each device was last seen (issue 22).
		sqlshared.StepDeviceLastSeen,
		// 15: the phone's answer time in the audit (issue 22).
		sqlshared.StepAuditPhoneMS,
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
	if err := sqlshared.RunSteps(ctx, sqlshared.StepsIn(sqlWriter[*sql.Tx]{sqlQuerier[*sql.Tx]{tx}}), version, steps); err != nil {
		return err
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
