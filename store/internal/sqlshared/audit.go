package sqlshared

import (
	"strings"

	"github.com/pushauth/pushauth/store"
)

// AuditColumns are an AuditRecord's columns, as ScanAudit reads them.
const AuditColumns = `id, login_id, time, username, client, agent, token, provider, outcome, reason, duration_ms, reported, node, admin, action`

// InsertAudit stores a record; its values are AuditValues (PostgreSQL
// appends RETURNING id).
const InsertAudit = `INSERT INTO audit (login_id, time, username, client, agent, token, provider, outcome, reason, duration_ms, reported, node, admin, action)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

// AuditValues are InsertAudit's values for r.
func AuditValues(r *store.AuditRecord) []any {
	return []any{r.LoginID, UnixNano(r.Time), r.User, r.Client, r.Agent, r.Token,
		r.Provider, r.Outcome, r.Reason, r.DurationMS, r.Reported, r.Node, r.Admin, r.Action}
}

// ListAudit is q's query, with ? placeholders, and its arguments: records
// newest first, of q.Kind, only q.User's when set, at most q.Limit
// (store.DefaultAuditLimit when q.Limit <= 0).
func ListAudit(q store.AuditQuery) (string, []any) {
	limit := q.Limit
	if limit <= 0 {
		limit = store.DefaultAuditLimit
	}
	var where []string
	var args []any
	if q.User != "" {
		where, args = append(where, `username = ?`), append(args, q.User)
	}
	switch q.Kind {
	case store.AuditLogins:
		where, args = append(where, `outcome <> ?`), append(args, store.OutcomeAdmin)
	case store.AuditAdmin:
		where, args = append(where, `outcome = ?`), append(args, store.OutcomeAdmin)
	}
	query := `SELECT ` + AuditColumns + ` FROM audit`
	if len(where) > 0 {
		query += ` WHERE ` + strings.Join(where, ` AND `)
	}
	return query + ` ORDER BY time DESC, id DESC LIMIT ?`, append(args, limit)
}

// ScanAudit reads a row of AuditColumns.
func ScanAudit(row RowScanner) (*store.AuditRecord, error) {
	var r store.AuditRecord
	var at int64
	err := row.Scan(&r.ID, &r.LoginID, &at, &r.User, &r.Client, &r.Agent, &r.Token, &r.Provider,
		&r.Outcome, &r.Reason, &r.DurationMS, &r.Reported, &r.Node, &r.Admin, &r.Action)
	if err != nil {
		return nil, err
	}
	r.Time = FromUnixNano(at)
	return &r, nil
}
