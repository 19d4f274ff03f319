package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/pushauth/pushauth/store/internal/groupcommit"
	sq "github.com/pushauth/pushauth/store/internal/sqlshared"
)

// The audit group commit's statements (an accept's is queueAccept's own).
var (
	insertAudit = sq.Dollar(sq.InsertAudit) + ` RETURNING id`
	insertPush  = sq.Dollar(sq.InsertPush)
)

// commitAudit is the audit writer's commit: one transaction per group,
// its statements sent as one pipelined batch (one round trip), each
// record's ID set after the commit. Pushes older than PushRetention before
// the group's newest push are pruned in the same transaction; rows another
// node is pruning at that moment are skipped (SKIP LOCKED), so concurrent
// groups on several nodes never wait on or deadlock with each other.
func (s *Store) commitAudit(ctx context.Context, batch []*groupcommit.Job) error {
	ctx, cancel := context.WithTimeout(ctx, postgresCommitTimeout)
	defer cancel()
	b := &pgx.Batch{}
	for _, j := range batch {
		switch {
		case j.Accept():
			queueAccept(b, j)
		case j.Rec != nil:
			b.Queue(insertAudit, sq.AuditValues(j.Rec)...)
		case j.Push != nil:
			b.Queue(insertPush, j.Push.User, sq.UnixNano(j.Push.At))
		}
	}
	cutoff := groupcommit.PrunePushesBefore(batch)
	if !cutoff.IsZero() {
		b.Queue(`DELETE FROM pushes WHERE ctid IN (SELECT ctid FROM pushes WHERE at < $1 FOR UPDATE SKIP LOCKED)`,
			cutoff.UnixNano())
	}
	ids := make([]int64, len(batch))
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		br := tx.SendBatch(ctx, b)
		if err := readAuditBatch(br, batch, ids, !cutoff.IsZero()); err != nil {
			br.Close()
			return err
		}
		return br.Close()
	})
	if err != nil {
		return fmt.Errorf("append audit: %w", err)
	}
	for i, j := range batch {
		if j.Rec != nil && j.Err == nil {
			j.Rec.ID = ids[i]
		}
	}
	return nil
}

// queueAccept queues an OTPAccept, claimed first: the step's conditional
// UPDATE and, in the same statement, the record's INSERT only if the
// UPDATE consumed the step (it returns no row otherwise). A withdrawn
// accept consumes its step only.
func queueAccept(b *pgx.Batch, j *groupcommit.Job) {
	j.ClaimAccept()
	if j.Err != nil {
		b.Queue(`UPDATE tokens SET last_step = $1 WHERE id = $2 AND last_step < $1`, j.OTP.Step, j.OTP.TokenID)
		return
	}
	r := j.Rec
	b.Queue(`WITH consumed AS (
			UPDATE tokens SET last_step = $1 WHERE id = $2 AND last_step < $1 RETURNING id
		)
		INSERT INTO audit (login_id, time, username, client, agent, token, provider, outcome, reason,
			duration_ms, reported, node, phone_ms)
		SELECT $3::text, $4::bigint, $5::text, $6::text, $7::text, $8::text, $9::text, $10::text, $11::text,
			$12::bigint, $13::boolean, $14::text, $15::bigint
		WHERE EXISTS (SELECT 1 FROM consumed)
		RETURNING id`,
		j.OTP.Step, j.OTP.TokenID,
		r.LoginID, sq.UnixNano(r.Time), r.User, r.Client, r.Agent, r.Token, r.Provider, r.Outcome, r.Reason,
		r.DurationMS, r.Reported, r.Node, r.PhoneMS)
}

// readAccept reads an OTPAccept's result: no row means its step was not
// consumed (the job's error, not the group's).
func readAccept(br pgx.BatchResults, j *groupcommit.Job, id *int64) error {
	if j.Err != nil { // withdrawn: the step's UPDATE only
		if _, err := br.Exec(); err != nil {
			return fmt.Errorf("consume otp step of token %d: %w", j.OTP.TokenID, err)
		}
		return nil
	}
	err := br.QueryRow().Scan(id)
	if errors.Is(err, pgx.ErrNoRows) {
		j.Err = groupcommit.ErrStepNotConsumed
		return nil
	}
	if err != nil {
		return fmt.Errorf("login %q: %w", j.Rec.LoginID, err)
	}
	return nil
}

// readAuditBatch reads the batch's results in the order they were queued.
func readAuditBatch(br pgx.BatchResults, batch []*groupcommit.Job, ids []int64, pruned bool) error {
	for i, j := range batch {
		switch {
		case j.Accept():
			if err := readAccept(br, j, &ids[i]); err != nil {
				return err
			}
		case j.Rec != nil:
			if err := br.QueryRow().Scan(&ids[i]); err != nil {
				return fmt.Errorf("login %q: %w", j.Rec.LoginID, err)
			}
		case j.Push != nil:
			if _, err := br.Exec(); err != nil {
				return fmt.Errorf("record push to %q: %w", j.Push.User, err)
			}
		}
	}
	if pruned {
		if _, err := br.Exec(); err != nil {
			return fmt.Errorf("record push: prune: %w", err)
		}
	}
	return nil
}
