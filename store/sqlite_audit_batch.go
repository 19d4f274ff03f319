package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// sqliteAuditCommit returns the audit writer's commit for SQLite: the batch
// in one transaction on the write pool, each record's ID set afterwards.
func sqliteAuditCommit(db *sql.DB) func(context.Context, []*auditJob) error {
	return func(ctx context.Context, batch []*auditJob) error {
		return commitSQLiteAudit(ctx, db, batch)
	}
}

func commitSQLiteAudit(ctx context.Context, db *sql.DB, batch []*auditJob) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("append audit: begin: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // no-op after Commit
	ids, err := insertAudit(ctx, tx, batch)
	if err != nil {
		return err
	}
	if err := insertPushes(ctx, tx, batch); err != nil {
		return err
	}
	if err := consumeOTPSteps(ctx, tx, batch); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("append audit: commit: %w", err)
	}
	for i, j := range batch {
		if j.rec != nil {
			j.rec.ID = ids[i]
		}
	}
	return nil
}

func insertAudit(ctx context.Context, tx *sql.Tx, batch []*auditJob) ([]int64, error) {
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO audit (login_id, time, username, client, agent, token, provider, outcome, reason, duration_ms, reported, node)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return nil, fmt.Errorf("append audit: prepare: %w", err)
	}
	defer stmt.Close()
	ids := make([]int64, len(batch))
	for i, j := range batch {
		r := j.rec
		if r == nil {
			continue
		}
		res, err := stmt.ExecContext(ctx, r.LoginID, unixNano(r.Time), r.User, r.Client, r.Agent, r.Token,
			r.Provider, r.Outcome, r.Reason, r.DurationMS, r.Reported, r.Node)
		if err != nil {
			return nil, fmt.Errorf("append audit of login %q: %w", r.LoginID, err)
		}
		if ids[i], err = res.LastInsertId(); err != nil {
			return nil, fmt.Errorf("append audit of login %q: %w", r.LoginID, err)
		}
	}
	return ids, nil
}

// errStepNotConsumed marks an OTP job whose step was not newer than the
// token's last one, or whose token is gone (ConsumeOTPStep tells which).
var errStepNotConsumed = errors.New("otp step not consumed")

// consumeOTPSteps records the batch's used-OTP steps, in order, each with
// the conditional UPDATE that makes exactly one of two equal steps win.
func consumeOTPSteps(ctx context.Context, tx *sql.Tx, batch []*auditJob) error {
	for _, j := range batch {
		if j.otp == nil {
			continue
		}
		res, err := tx.ExecContext(ctx, `UPDATE tokens SET last_step = ?1 WHERE id = ?2 AND last_step < ?1`,
			j.otp.step, j.otp.tokenID)
		if err != nil {
			return fmt.Errorf("consume otp step of token %d: %w", j.otp.tokenID, err)
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			j.err = errStepNotConsumed
		}
	}
	return nil
}

// insertPushes stores the batch's push records and forgets pushes older
// than PushRetention before the newest one, so the table stays small.
func insertPushes(ctx context.Context, tx *sql.Tx, batch []*auditJob) error {
	for _, j := range batch {
		if j.push == nil {
			continue
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO pushes (username, at) VALUES (?, ?)`,
			j.push.user, unixNano(j.push.at)); err != nil {
			return fmt.Errorf("record push to %q: %w", j.push.user, err)
		}
	}
	cutoff := prunePushesBefore(batch)
	if cutoff.IsZero() {
		return nil
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM pushes WHERE at < ?`, cutoff.UnixNano()); err != nil {
		return fmt.Errorf("record push: prune: %w", err)
	}
	return nil
}
