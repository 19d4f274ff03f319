package sqlite

import (
	"context"
	"fmt"

	"github.com/pushauth/pushauth/store/internal/groupcommit"
	sq "github.com/pushauth/pushauth/store/internal/sqlshared"
)

// The statements of the audit group commit, prepared when the store opens.
const (
	sqlInsertAudit    = sq.InsertAudit
	sqlConsumeOTPStep = `UPDATE tokens SET last_step = ?1 WHERE id = ?2 AND last_step < ?1`
	sqlInsertPush     = sq.InsertPush
	sqlPrunePushes    = `DELETE FROM pushes WHERE at < ?`
)

// prepareAuditWrites prepares the group commit's statements on the write
// pool, while no transaction holds its one connection.
func prepareAuditWrites(ctx context.Context, writes *preparedDB) error {
	return writes.prepare(ctx, sqlInsertAudit, sqlConsumeOTPStep, sqlInsertPush, sqlPrunePushes)
}

// auditCommit returns the audit writer's commit for SQLite: the batch in
// one transaction on the write pool, each record's ID set afterwards.
func auditCommit(db *preparedDB) func(context.Context, []*groupcommit.Job) error {
	return func(ctx context.Context, batch []*groupcommit.Job) error {
		return commitAudit(ctx, db, batch)
	}
}

func commitAudit(ctx context.Context, db *preparedDB, batch []*groupcommit.Job) error {
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
		if j.Rec != nil && j.Err == nil {
			j.Rec.ID = ids[i]
		}
	}
	return nil
}

func insertAudit(ctx context.Context, st *txStatements, batch []*groupcommit.Job) ([]int64, error) {
	ids := make([]int64, len(batch))
	for i, j := range batch {
		r := j.Rec
		if r == nil || j.Err != nil { // an OTPAccept whose step was not consumed
			continue
		}
		res, err := st.exec(ctx, sqlInsertAudit, sq.AuditValues(r)...)
		if err != nil {
			return nil, fmt.Errorf("append audit of login %q: %w", r.LoginID, err)
		}
		if ids[i], err = res.LastInsertId(); err != nil {
			return nil, fmt.Errorf("append audit of login %q: %w", r.LoginID, err)
		}
	}
	return ids, nil
}

// consumeOTPSteps records the steps of the batch's OTPAccepts, in order,
// each with the conditional UPDATE that makes exactly one of two equal
// steps win. Each accept is claimed first; withdrawn or not, its step is
// consumed.
func consumeOTPSteps(ctx context.Context, st *txStatements, batch []*groupcommit.Job) error {
	for _, j := range batch {
		if !j.Accept() {
			continue
		}
		j.ClaimAccept()
		res, err := st.exec(ctx, sqlConsumeOTPStep, j.OTP.Step, j.OTP.TokenID)
		if err != nil {
			return fmt.Errorf("consume otp step of token %d: %w", j.OTP.TokenID, err)
		}
		if n, err := res.RowsAffected(); (err != nil || n == 0) && j.Err == nil {
			j.Err = groupcommit.ErrStepNotConsumed
		}
	}
	return nil
}

// insertPushes stores the batch's push records and forgets pushes older
// than PushRetention before the newest one, so the table stays small.
func insertPushes(ctx context.Context, st *txStatements, batch []*groupcommit.Job) error {
	for _, j := range batch {
		if j.Push == nil {
			continue
		}
		if _, err := st.exec(ctx, sqlInsertPush, j.Push.User, sq.UnixNano(j.Push.At)); err != nil {
			return fmt.Errorf("record push to %q: %w", j.Push.User, err)
		}
	}
	cutoff := groupcommit.PrunePushesBefore(batch)
	if cutoff.IsZero() {
		return nil
	}
	if _, err := st.exec(ctx, sqlPrunePushes, cutoff.UnixNano()); err != nil {
		return fmt.Errorf("record push: prune: %w", err)
	}
	return nil
}
