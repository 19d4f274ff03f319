package store

import (
	"cmp"
	"context"
	"errors"
	"fmt"
)

// DefaultAuditLimit is how many records ListAudit returns when q.Limit <= 0.
const DefaultAuditLimit = 100

const policyColumns = `name, push_enabled, method, attempt_limit, lockout_failures, lockout_seconds, pushes_per_minute, number_matching`

const auditColumns = `id, login_id, time, username, client, agent, token, provider, outcome, reason, duration_ms, reported, node`

// PutPolicy creates or replaces the policy named p.Name.
func (s *SQLite) PutPolicy(ctx context.Context, p *Policy) error {
	if p.Name == "" {
		return errors.New("put policy: empty name")
	}
	_, err := s.write.ExecContext(ctx,
		`INSERT INTO policies (`+policyColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
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
func (s *SQLite) PolicyByName(ctx context.Context, name string) (*Policy, error) {
	row := s.read.QueryRowContext(ctx, `SELECT `+policyColumns+` FROM policies WHERE name = ?`, name)
	p, err := scanPolicy(row)
	if err != nil {
		return nil, fmt.Errorf("policy %q: %w", name, notFound(err))
	}
	return p, nil
}

// ListPolicies returns all stored policies ordered by name.
func (s *SQLite) ListPolicies(ctx context.Context) ([]Policy, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT `+policyColumns+` FROM policies ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("list policies: %w", err)
	}
	defer rows.Close()
	policies := []Policy{}
	for rows.Next() {
		p, err := scanPolicy(rows)
		if err != nil {
			return nil, fmt.Errorf("list policies: %w", err)
		}
		policies = append(policies, *p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list policies: %w", err)
	}
	return policies, nil
}

// AppendAudit stores r and sets r.ID (and r.Time when zero, r.Node when
// empty).
func (s *SQLite) AppendAudit(ctx context.Context, r *AuditRecord) error {
	r.Time = orNow(r.Time)
	r.Node = cmp.Or(r.Node, s.node)
	return s.audit.append(ctx, r)
}

// ListAudit returns audit records newest first, only q.User's when set, at
// most q.Limit (DefaultAuditLimit when q.Limit <= 0).
func (s *SQLite) ListAudit(ctx context.Context, q AuditQuery) ([]AuditRecord, error) {
	limit := q.Limit
	if limit <= 0 {
		limit = DefaultAuditLimit
	}
	query, args := `SELECT `+auditColumns+` FROM audit`, []any{}
	if q.User != "" {
		query, args = query+` WHERE username = ?`, append(args, q.User)
	}
	query, args = query+` ORDER BY time DESC, id DESC LIMIT ?`, append(args, limit)
	rows, err := s.read.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list audit: %w", err)
	}
	defer rows.Close()
	records := []AuditRecord{}
	for rows.Next() {
		r, err := scanAudit(rows)
		if err != nil {
			return nil, fmt.Errorf("list audit: %w", err)
		}
		records = append(records, *r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list audit: %w", err)
	}
	return records, nil
}

func scanPolicy(row rowScanner) (*Policy, error) {
	var p Policy
	err := row.Scan(&p.Name, &p.PushEnabled, &p.Method, &p.AttemptLimit, &p.LockoutFailures,
		&p.LockoutSeconds, &p.PushesPerMinute, &p.NumberMatching)
	if err != nil {
		return nil, err
	}
	return &p, nil
}

func scanAudit(row rowScanner) (*AuditRecord, error) {
	var r AuditRecord
	var at int64
	err := row.Scan(&r.ID, &r.LoginID, &at, &r.User, &r.Client, &r.Agent, &r.Token, &r.Provider,
		&r.Outcome, &r.Reason, &r.DurationMS, &r.Reported, &r.Node)
	if err != nil {
		return nil, err
	}
	r.Time = fromUnixNano(at)
	return &r, nil
}
