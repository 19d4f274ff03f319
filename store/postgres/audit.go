package postgres

import (
	"cmp"
	"context"

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
	return sq.ReadAudit(ctx, s.reads(), sq.Dollar, q)
}

// AuditUsers counts the records q matches by user.
func (s *Store) AuditUsers(ctx context.Context, q store.AuditQuery) ([]store.AuditUser, error) {
	return sq.ReadAuditUsers(ctx, s.reads(), sq.Dollar, q)
}

// AuditStats summarises the logins' records of q's minutes, in one pass.
func (s *Store) AuditStats(ctx context.Context, q store.AuditStatsQuery) (*store.AuditStats, error) {
	return sq.ReadAuditStats(ctx, s.reads(), sq.Dollar, q)
}
