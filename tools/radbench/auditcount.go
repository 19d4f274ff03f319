package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"time"

	_ "modernc.org/sqlite" // the server's SQLite store, read-only
)

// auditSettle bounds the wait for the audit records of the logins that
// finished last: a login counts as finished just before its record commits.
const auditSettle = 5 * time.Second

// auditCount compares the audit records in the server's SQLite store with
// the logins its metrics say finished: every finished login leaves one
// record (SPEC S6.1), so any difference is a lost record. The store is
// opened read-only beside the running server (WAL mode allows it).
func (s *serverProc) auditCount(ctx context.Context) string {
	if s.dbPath == "" {
		return "not counted (the store is PostgreSQL)"
	}
	if _, err := os.Stat(s.dbPath); err != nil {
		return fmt.Sprintf("not counted: %v", err)
	}
	db, err := sql.Open("sqlite", "file:"+s.dbPath+"?mode=ro&_pragma=busy_timeout(5000)")
	if err != nil {
		return fmt.Sprintf("not counted: %v", err)
	}
	defer db.Close()
	deadline := time.Now().Add(auditSettle)
	for {
		records, finished, err := s.auditAndFinished(ctx, db)
		if err != nil {
			return fmt.Sprintf("not counted: %v", err)
		}
		if records >= finished || time.Now().After(deadline) {
			return fmt.Sprintf("%d records for %d finished logins, %d missing", records, finished, max(finished-records, 0))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// auditAndFinished reads the number of audit records and of finished
// logins (pushauth_logins_total, all outcomes).
func (s *serverProc) auditAndFinished(ctx context.Context, db *sql.DB) (records, finished int64, err error) {
	m, err := s.Metrics(ctx)
	if err != nil {
		return 0, 0, err
	}
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM audit WHERE outcome <> 'admin'`).Scan(&records); err != nil {
		return 0, 0, errors.Join(errors.New("count audit records"), err)
	}
	return records, int64(m.sum("pushauth_logins_total")), nil
}
