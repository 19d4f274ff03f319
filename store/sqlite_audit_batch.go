package store

import (
	"context"
	"errors"
	"fmt"
)

// The statements of the audit group commit, prepared when the store opens.
const (
	sqlInsertAudit = `INSERT INTO audit (login_id, time, username, client, agent, token, provider, outcome, reason, duration_ms, reported, node)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	sqlConsumeOTPStep = `UPDATE tokens SET last_step = ?1 WHERE id = ?2 AND last_step < ?1`
	sqlInsertPush     = `INSERT INTO pushes (username, at) VALUES (?, ?)`
	sqlPrunePushes    = `DELETE FROM pushes WHERE at < ?`
)

// prepareAuditWrites prepares the group commit's statements on the write
// pool, while no transaction holds its one connection.
func prepareAuditWrites(ctx context.Context, writes *preparedDB) error {
	return writes.prepare(ctx, sqlInsertAudit, sqlConsumeOTPStep, sqlInsertPush, sqlPrunePushes)
}

// sqliteAuditCommit returns the audit writer's commit for SQLite: the batch
// in one transaction on the write pool, each record's ID set afterwards.
func sqliteAuditCommit(db *preparedDB) func(context.Context, []*auditJob) error {
	return func(ctx context.Context, batch []*auditJob) error {
		return commitSQLiteAudit(ctx, db, batch)
	}
}

func commitSQLiteAudit(ctx context.Context, db *preparedDB, batch []*auditJob) error {
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("append audit: begin: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // no-op after Commit
	st := db.inTx(tx)
	// The steps first: an OTPAccept's record is written only if its step
	// was consumed.
	if err := consumeOTPSteps(ctx, st, batch); err != nil {
		return err
	}
	ids, err := insertAudit(ctx, st, batch)
	if err != nil {
		return err
	}
	if err := insertPushes(ctx, st, batch); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("append audit: commit: %w", err)
	}
	for i, j := range batch {
		if j.rec != nil && j.err == nil {
			j.rec.ID = ids[i]
		}
	}
	return nil
}

func insertAudit(ctx context.Context, st *txStatements, batch []*auditJob) ([]int64, error) {
	ids := make([]int64, len(batch))
	for i, j := range batch {
		r := j.rec
		if r == nil || j.err != nil { // an OTPAccept whose step was not consumed
			continue
		}
		res, err := st.exec(ctx, sqlInsertAudit, r.LoginID, unixNano(r.Time), r.User, r.Client, r.Agent, r.Token,
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

// errStepNotConsumed marks an OTPAccept whose step was not newer than the
// token's last one, or whose token is gone (AcceptWithOTP tells which).
var errStepNotConsumed = errors.New("otp step not consumed")

// consumeOTPSteps records the steps of the batch's OTPAccepts, in order,
// each with the conditional UPDATE that makes exactly one of two equal
// steps win. Each accept is claimed first; withdrawn or not, its step is
// consumed.
func consumeOTPSteps(ctx context.Context, st *txStatements, batch []*auditJob) error {
	for _, j := range batch {
		if !j.accept() {
			continue
		}
		j.claimAccept()
		res, err := st.exec(ctx, sqlConsumeOTPStep, j.otp.step, j.otp.tokenID)
		if err != nil {
			return fmt.Errorf("consume otp step of token %d: %w", j.otp.tokenID, err)
		}
		if n, err := res.RowsAffected(); (err != nil || n == 0) && j.err == nil {
			j.err = errStepNotConsumed
		}
	}
	return nil
}

// insertPushes stores the batch's push records and forgets pushes older
// than PushRetention before the newest one, so the table stays small.
func insertPushes(ctx context.Context, st *txStatements, batch []*auditJob) error {
	for _, j := range batch {
		if j.push == nil {
			continue
		}
		if _, err := st.exec(ctx, sqlInsertPush, j.push.user, unixNano(j.push.at)); err != nil {
			return fmt.Errorf("record push to %q: %w", j.push.user, err)
		}
	}
	cutoff := prunePushesBefore(batch)
	if cutoff.IsZero() {
		return nil
	}
	if _, err := st.exec(ctx, sqlPrunePushes, cutoff.UnixNano()); err != nil {
		return fmt.Errorf("record push: prune: %w", err)
	}
	return nil
}
