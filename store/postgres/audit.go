package postgres

import (
	"cmp"
	"context"
	"fmt"

	"github.com/pushauth/pushauth/store"
	sq "github.com/pushauth/pushauth/store/internal/sqlshared"
)

// AppendAudit stores r, group-committed with this node's concurrent audit
// and push records, and sets r.ID (and r.Time when zero).
func (s *Store) AppendAudit(ctx context.Context, r *store.AuditRecord) error {
	r.Time = sq.OrNow(r.Time)
	r.Node = cmp.Or(r.Node, s.node)
	return s.audit.Append(ctx, r)
}

// ListAudit returns audit records newest first, only q.User's when set, at
// most q.Limit (DefaultAuditLimit when q.Limit <= 0).
func (s *Store) ListAudit(ctx context.Context, q store.AuditQuery) ([]store.AuditRecord, error) {
	query, args := sq.ListAudit(q)
	records, err := sq.List(ctx, s.reads(), sq.ScanAudit, sq.Dollar(query), args...)
	if err != nil {
		return nil, fmt.Errorf("list audit: %w", err)
	}
	return records, nil
}

// AuditUsers counts the records q matches by user.
func (s *Store) AuditUsers(ctx context.Context, q store.AuditQuery) ([]store.AuditUser, error) {
	query, args := sq.AuditUsers(q)
	users, err := sq.List(ctx, s.reads(), sq.ScanAuditUser, sq.Dollar(query), args...)
	if err != nil {
		return nil, fmt.Errorf("audit users: %w", err)
	}
	return users, nil
}

// AuditStats summarises the logins' records of q's minutes, in one pass.
func (s *Store) AuditStats(ctx context.Context, q store.AuditStatsQuery) (*store.AuditStats, error) {
	if err := sq.CheckAuditStats(q); err != nil {
		return nil, err
	}
	query, args := sq.AuditStats(q)
	rows, err := sq.List(ctx, s.reads(), sq.ScanStatsRow, sq.Dollar(query), args...)
	if err != nil {
		return nil, fmt.Errorf("audit stats: %w", err)
	}
	return sq.StatsOf(rows), nil
}
