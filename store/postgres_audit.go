package store

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
)

// PutPolicy creates or replaces the policy named p.Name.
func (s *Postgres) PutPolicy(ctx context.Context, p *Policy) error {
	if p.Name == "" {
		return errors.New("put policy: empty name")
	}
	_, err := s.pool.Exec(ctx,
		`INSERT INTO policies (`+policyColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
		ON CONFLICT (name) DO UPDATE SET
			push_enabled = excluded.push_enabled, method = excluded.method,
			attempt_limit = excluded.attempt_limit, lockout_failures = excluded.lockout_failures,
			lockout_seconds = excluded.lockout_seconds, pushes_per_minute = excluded.pushes_per_minute,
			number_matching = excluded.number_matching`,
		p.Name, p.PushEnabled, p.Method, p.AttemptLimit, p.LockoutFailures, p.LockoutSeconds, p.PushesPerMinute,
		p.NumberMatching)
	if err != nil {
		return fmt.Errorf("put policy %q: %w", p.Name, err)
	}
	return nil
}

// PolicyByName returns the named policy or ErrNotFound.
func (s *Postgres) PolicyByName(ctx context.Context, name string) (*Policy, error) {
	p, err := scanPolicy(s.pool.QueryRow(ctx, `SELECT `+policyColumns+` FROM policies WHERE name = $1`, name))
	if err != nil {
		return nil, fmt.Errorf("policy %q: %w", name, pgError(err))
	}
	return p, nil
}

// ListPolicies returns all stored policies ordered by name.
func (s *Postgres) ListPolicies(ctx context.Context) ([]Policy, error) {
	policies, err := pgList(ctx, s.pool, scanPolicy, `SELECT `+policyColumns+` FROM policies ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("list policies: %w", err)
	}
	return policies, nil
}

// AppendAudit stores r, group-committed with this node's concurrent audit
// and push records, and sets r.ID (and r.Time when zero).
func (s *Postgres) AppendAudit(ctx context.Context, r *AuditRecord) error {
	r.Time = orNow(r.Time)
	r.Node = cmp.Or(r.Node, s.node)
	return s.audit.append(ctx, r)
}

// ListAudit returns audit records newest first, only q.User's when set, at
// most q.Limit (DefaultAuditLimit when q.Limit <= 0).
func (s *Postgres) ListAudit(ctx context.Context, q AuditQuery) ([]AuditRecord, error) {
	limit := q.Limit
	if limit <= 0 {
		limit = DefaultAuditLimit
	}
	query, args := `SELECT `+auditColumns+` FROM audit`, []any{}
	if q.User != "" {
		args = append(args, q.User)
		query += ` WHERE username = $1`
	}
	args = append(args, limit)
	query += ` ORDER BY time DESC, id DESC LIMIT $` + strconv.Itoa(len(args))
	records, err := pgList(ctx, s.pool, scanAudit, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list audit: %w", err)
	}
	return records, nil
}

// commitAudit is the audit writer's commit: one transaction per group,
// its statements sent as one pipelined batch (one round trip), each
// record's ID set after the commit. Pushes older than PushRetention before
// the group's newest push are pruned in the same transaction; rows another
// node is pruning at that moment are skipped (SKIP LOCKED), so concurrent
// groups on several nodes never wait on or deadlock with each other.
func (s *Postgres) commitAudit(ctx context.Context, batch []*auditJob) error {
	ctx, cancel := context.WithTimeout(ctx, postgresCommitTimeout)
	defer cancel()
	b := &pgx.Batch{}
	for _, j := range batch {
		switch {
		case j.accept():
			queueAccept(b, j)
		case j.rec != nil:
			r := j.rec
			b.Queue(`INSERT INTO audit (login_id, time, username, client, agent, token, provider, outcome, reason,
					duration_ms, reported, node)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id`,
				r.LoginID, unixNano(r.Time), r.User, r.Client, r.Agent, r.Token, r.Provider, r.Outcome, r.Reason,
				r.DurationMS, r.Reported, r.Node)
		case j.push != nil:
			b.Queue(`INSERT INTO pushes (username, at) VALUES ($1, $2)`, j.push.user, unixNano(j.push.at))
		}
	}
	cutoff := prunePushesBefore(batch)
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
		if j.rec != nil && j.err == nil {
			j.rec.ID = ids[i]
		}
	}
	return nil
}

// queueAccept queues an OTPAccept, claimed first: the step's conditional
// UPDATE and, in the same statement, the record's INSERT only if the
// UPDATE consumed the step (it returns no row otherwise). A withdrawn
// accept consumes its step only.
func queueAccept(b *pgx.Batch, j *auditJob) {
	j.claimAccept()
	if j.err != nil {
		b.Queue(`UPDATE tokens SET last_step = $1 WHERE id = $2 AND last_step < $1`, j.otp.step, j.otp.tokenID)
		return
	}
	r := j.rec
	b.Queue(`WITH consumed AS (
			UPDATE tokens SET last_step = $1 WHERE id = $2 AND last_step < $1 RETURNING id
		)
		INSERT INTO audit (login_id, time, username, client, agent, token, provider, outcome, reason,
			duration_ms, reported, node)
		SELECT $3::text, $4::bigint, $5::text, $6::text, $7::text, $8::text, $9::text, $10::text, $11::text,
			$12::bigint, $13::boolean, $14::text
		WHERE EXISTS (SELECT 1 FROM consumed)
		RETURNING id`,
		j.otp.step, j.otp.tokenID,
		r.LoginID, unixNano(r.Time), r.User, r.Client, r.Agent, r.Token, r.Provider, r.Outcome, r.Reason,
		r.DurationMS, r.Reported, r.Node)
}

// readAccept reads an OTPAccept's result: no row means its step was not
// consumed (the job's error, not the group's).
func readAccept(br pgx.BatchResults, j *auditJob, id *int64) error {
	if j.err != nil { // withdrawn: the step's UPDATE only
		if _, err := br.Exec(); err != nil {
			return fmt.Errorf("consume otp step of token %d: %w", j.otp.tokenID, err)
		}
		return nil
	}
	err := br.QueryRow().Scan(id)
	if errors.Is(err, pgx.ErrNoRows) {
		j.err = errStepNotConsumed
		return nil
	}
	if err != nil {
		return fmt.Errorf("login %q: %w", j.rec.LoginID, err)
	}
	return nil
}

// readAuditBatch reads the batch's results in the order they were queued.
func readAuditBatch(br pgx.BatchResults, batch []*auditJob, ids []int64, pruned bool) error {
	for i, j := range batch {
		switch {
		case j.accept():
			if err := readAccept(br, j, &ids[i]); err != nil {
				return err
			}
		case j.rec != nil:
			if err := br.QueryRow().Scan(&ids[i]); err != nil {
				return fmt.Errorf("login %q: %w", j.rec.LoginID, err)
			}
		case j.push != nil:
			if _, err := br.Exec(); err != nil {
				return fmt.Errorf("record push to %q: %w", j.push.user, err)
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

// SuspendPush replaces user's push suspension with one until until
// (SPEC S5.4), for every node. The user need not exist.
func (s *Postgres) SuspendPush(ctx context.Context, user string, until time.Time, reason string) error {
	if user == "" {
		return errors.New("suspend push: empty user")
	}
	_, err := s.pool.Exec(ctx,
		`INSERT INTO push_suspensions (username, until, reason) VALUES ($1, $2, $3)
		ON CONFLICT (username) DO UPDATE SET until = excluded.until, reason = excluded.reason`,
		user, unixNano(until), reason)
	if err != nil {
		return fmt.Errorf("suspend push to %q: %w", user, err)
	}
	return nil
}

// PushSuspension returns the end and reason of user's push suspension, or
// the zero time and "" when there is none or it ended (by time.Now).
func (s *Postgres) PushSuspension(ctx context.Context, user string) (time.Time, string, error) {
	var until int64
	var reason string
	err := s.pool.QueryRow(ctx,
		`SELECT until, reason FROM push_suspensions WHERE username = $1`, user).Scan(&until, &reason)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return time.Time{}, "", nil
	case err != nil:
		return time.Time{}, "", fmt.Errorf("push suspension of %q: %w", user, err)
	}
	end := fromUnixNano(until)
	if !end.After(time.Now()) {
		return time.Time{}, "", nil
	}
	return end, reason, nil
}

// RecordPush stores a push to user at at (now when zero), group-committed
// with audit records, and prunes pushes older than PushRetention.
func (s *Postgres) RecordPush(ctx context.Context, user string, at time.Time) error {
	if user == "" {
		return errors.New("record push: empty user")
	}
	return s.audit.appendPush(ctx, user, orNow(at))
}

// PushesSince counts user's pushes at or after since, from every node.
func (s *Postgres) PushesSince(ctx context.Context, user string, since time.Time) (int, error) {
	var n int
	err := s.pool.QueryRow(ctx,
		`SELECT count(*) FROM pushes WHERE username = $1 AND at >= $2`, user, unixNano(since)).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("pushes to %q since %s: %w", user, since.Format(time.RFC3339), err)
	}
	return n, nil
}
