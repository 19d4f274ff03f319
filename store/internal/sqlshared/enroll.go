package sqlshared

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/pushauth/pushauth/store"
)

// The enrolment statements both drivers run (issue 21): single-use
// enrolment links and the enrolment windows operators open.
const (
	// StepEnrollment is the migration step that adds them, with the
	// policy keys new_user, self_enrollment and self_enrollment_otp.
	// BOOLEAN columns: SQLite stores them as integers.
	StepEnrollment = `ALTER TABLE policies ADD COLUMN new_user TEXT NOT NULL DEFAULT 'reject';
		ALTER TABLE policies ADD COLUMN self_enrollment TEXT NOT NULL DEFAULT 'off';
		ALTER TABLE policies ADD COLUMN self_enrollment_otp BOOLEAN NOT NULL DEFAULT FALSE;
		ALTER TABLE policies ADD COLUMN self_enrollment_window BOOLEAN NOT NULL DEFAULT FALSE;
		CREATE TABLE enroll_links (
			code_hash  BYTEA   PRIMARY KEY,
			id         TEXT    NOT NULL,
			username   TEXT    NOT NULL,
			expires_at BIGINT  NOT NULL,
			used       BOOLEAN NOT NULL DEFAULT FALSE
		);
		CREATE INDEX enroll_links_expires_at ON enroll_links(expires_at);
		CREATE TABLE enroll_windows (
			grp   TEXT   PRIMARY KEY,
			until BIGINT NOT NULL
		);`

	PurgeEnrollLinks = `DELETE FROM enroll_links WHERE expires_at <= ?`
	CreateEnrollLink = `INSERT INTO enroll_links (code_hash, id, username, expires_at, used) VALUES (?, ?, ?, ?, ?)`
	// UseEnrollLink's values: true, the hash, false, now.
	UseEnrollLink = `UPDATE enroll_links SET used = ? WHERE code_hash = ? AND used = ? AND expires_at > ?
		RETURNING id, username, expires_at`
	PutEnrollWindow = `INSERT INTO enroll_windows (grp, until) VALUES (?, ?)
		ON CONFLICT (grp) DO UPDATE SET until = excluded.until`
	DeleteEnrollWindow = `DELETE FROM enroll_windows WHERE grp = ?`
	ListEnrollWindows  = `SELECT grp, until FROM enroll_windows WHERE until > ? ORDER BY grp`
)

// EnrollWindowRow scans a row of ListEnrollWindows.
func EnrollWindowRow(row RowScanner) (group string, until int64, err error) {
	err = row.Scan(&group, &until)
	return group, until, err
}

// ReadEnrollWindows lists the enrolment windows open at now by query (the
// driver's ListEnrollWindows).
func ReadEnrollWindows(ctx context.Context, q Querier, query string, now time.Time) ([]store.EnrollWindow, error) {
	rows, err := q.Query(ctx, query, UnixNano(now))
	if err != nil {
		return nil, fmt.Errorf("enrolment windows: %w", err)
	}
	defer rows.Close()
	out := []store.EnrollWindow{}
	for rows.Next() {
		g, until, err := EnrollWindowRow(rows)
		if err != nil {
			return nil, fmt.Errorf("enrolment windows: %w", err)
		}
		out = append(out, store.EnrollWindow{Group: g, Until: FromUnixNano(until)})
	}
	return out, rows.Err()
}

// WriteEnrollLink stores l by create (the driver's CreateEnrollLink),
// having forgotten the links expired before now by purge (its
// PurgeEnrollLinks).
func WriteEnrollLink(ctx context.Context, e Execer, purge, create string, l *store.EnrollLink, now time.Time) error {
	if _, err := e.Exec(ctx, purge, UnixNano(now)); err != nil {
		return fmt.Errorf("purge enrolment links: %w", err)
	}
	if _, err := e.Exec(ctx, create, l.CodeHash, l.ID, l.User, UnixNano(l.ExpiresAt), false); err != nil {
		return fmt.Errorf("create enrolment link: %w", err)
	}
	return nil
}

// ConsumeEnrollLink consumes the link with codeHash by query (the driver's
// UseEnrollLink); store.ErrEnrollLink when it is unknown, used or expired
// at now.
func ConsumeEnrollLink(ctx context.Context, e Execer, query string, codeHash []byte, now time.Time) (*store.EnrollLink, error) {
	l := &store.EnrollLink{CodeHash: codeHash}
	var expires int64
	err := e.QueryRow(ctx, query, true, codeHash, false, UnixNano(now)).Scan(&l.ID, &l.User, &expires)
	if errors.Is(err, store.ErrNotFound) {
		return nil, store.ErrEnrollLink
	}
	if err != nil {
		return nil, fmt.Errorf("use enrolment link: %w", err)
	}
	l.ExpiresAt = FromUnixNano(expires)
	return l, nil
}

// WriteEnrollWindow opens w's group's window by put (the driver's
// PutEnrollWindow) or, with a zero Until, closes it by del (its
// DeleteEnrollWindow).
func WriteEnrollWindow(ctx context.Context, e Execer, put, del string, w store.EnrollWindow) error {
	var err error
	if w.Until.IsZero() {
		_, err = e.Exec(ctx, del, w.Group)
	} else {
		_, err = e.Exec(ctx, put, w.Group, UnixNano(w.Until))
	}
	if err != nil {
		return fmt.Errorf("enrolment window %q: %w", w.Group, err)
	}
	return nil
}
