package sqlshared

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/pushauth/pushauth/store"
)

// StepAuditSearch is the migration step of the audit search's indexes
// (issue 22): a login's records (GET /v1/audit/logins/{id}) and a
// client's records newest first.
const StepAuditSearch = `CREATE INDEX audit_login_id ON audit(login_id);
		CREATE INDEX audit_client_time ON audit(client, time, id);`

// StepAuditPhoneMS is the migration step that adds audit.phone_ms, the
// phone's answer time (store.AuditRecord.PhoneMS; issue 22): 0 for the
// records already written. BIGINT is SQLite's INTEGER too.
const StepAuditPhoneMS = `ALTER TABLE audit ADD COLUMN phone_ms BIGINT NOT NULL DEFAULT 0;`

// AuditColumns are an AuditRecord's columns, as ScanAudit reads them.
const AuditColumns = `id, login_id, time, username, client, agent, token, provider, outcome, reason, duration_ms, reported, node, admin, action, phone_ms`

// InsertAudit stores a record; its values are AuditValues (PostgreSQL
// appends RETURNING id).
const InsertAudit = `INSERT INTO audit (login_id, time, username, client, agent, token, provider, outcome, reason, duration_ms, reported, node, admin, action, phone_ms)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

// AuditValues are InsertAudit's values for r.
func AuditValues(r *store.AuditRecord) []any {
	return []any{r.LoginID, UnixNano(r.Time), r.User, r.Client, r.Agent, r.Token,
		r.Provider, r.Outcome, r.Reason, r.DurationMS, r.Reported, r.Node, r.Admin, r.Action, r.PhoneMS}
}

// ListAudit is q's query, with ? placeholders, and its arguments: records
// newest first (oldest first by id when q.Tail is set), of q.Kind,
// matching q's filters, at most q.Limit (store.DefaultAuditLimit when
// q.Limit <= 0).
func ListAudit(q store.AuditQuery) (string, []any) {
	limit := q.Limit
	if limit <= 0 {
		limit = store.DefaultAuditLimit
	}
	where, args := auditWhere(q)
	order := ` ORDER BY time DESC, id DESC`
	if q.Tail {
		order = ` ORDER BY id`
	}
	return `SELECT ` + AuditColumns + ` FROM audit` + where + order + ` LIMIT ?`, append(args, limit)
}

// AuditUsers is q's count of records by user, with its arguments.
func AuditUsers(q store.AuditQuery) (string, []any) {
	limit := q.Limit
	if limit <= 0 {
		limit = store.DefaultAuditLimit
	}
	where, args := auditWhere(q)
	return `SELECT username, COUNT(*), MAX(time) FROM audit` + where +
		` GROUP BY username ORDER BY username LIMIT ?`, append(args, limit)
}

// auditWhere is q's WHERE clause (or "") and its arguments.
func auditWhere(q store.AuditQuery) (string, []any) {
	var conds []string
	var args []any
	// In a fixed order, so that equal filters are the same statement.
	for _, eq := range [...]struct{ column, value string }{{`username`, q.User}, {`reason`, q.Reason},
		{`client`, q.Client}, {`outcome`, q.Outcome}, {`node`, q.Node}, {`login_id`, q.LoginID}} {
		if eq.value != "" {
			conds, args = append(conds, eq.column+` = ?`), append(args, eq.value)
		}
	}
	if !q.Since.IsZero() {
		conds, args = append(conds, `time >= ?`), append(args, UnixNano(q.Since))
	}
	if !q.Until.IsZero() {
		conds, args = append(conds, `time < ?`), append(args, UnixNano(q.Until))
	}
	if !q.Before.IsZero() {
		at := UnixNano(q.Before.Time)
		conds, args = append(conds, `(time < ? OR (time = ? AND id < ?))`), append(args, at, at, q.Before.ID)
	}
	if q.Tail {
		conds, args = append(conds, `id > ?`), append(args, q.AfterID)
	}
	switch q.Kind {
	case store.AuditLogins:
		conds, args = append(conds, `outcome <> ?`), append(args, store.OutcomeAdmin)
	case store.AuditAdmin:
		conds, args = append(conds, `outcome = ?`), append(args, store.OutcomeAdmin)
	}
	if len(conds) == 0 {
		return "", args
	}
	return ` WHERE ` + strings.Join(conds, ` AND `), args
}

// ScanAuditUser reads a row of AuditUsers.
func ScanAuditUser(row RowScanner) (*store.AuditUser, error) {
	var u store.AuditUser
	var last int64
	if err := row.Scan(&u.User, &u.Count, &last); err != nil {
		return nil, err
	}
	u.Last = FromUnixNano(last)
	return &u, nil
}

// ScanAudit reads a row of AuditColumns.
func ScanAudit(row RowScanner) (*store.AuditRecord, error) {
	var r store.AuditRecord
	var at int64
	err := row.Scan(&r.ID, &r.LoginID, &at, &r.User, &r.Client, &r.Agent, &r.Token, &r.Provider,
		&r.Outcome, &r.Reason, &r.DurationMS, &r.Reported, &r.Node, &r.Admin, &r.Action, &r.PhoneMS)
	if err != nil {
		return nil, err
	}
	r.Time = FromUnixNano(at)
	return &r, nil
}

// minuteOf is an audit record's minute from the first argument (From).
const minuteOf = `(time - ?) / 60000000000`

// CheckAuditStats refuses a query over no minutes or more than
// store.MaxAuditStatsMinutes.
func CheckAuditStats(q store.AuditStatsQuery) error {
	if q.Minutes < 1 || q.Minutes > store.MaxAuditStatsMinutes {
		return fmt.Errorf("audit stats: %d minutes is not in 1..%d", q.Minutes, store.MaxAuditStatsMinutes)
	}
	return nil
}

// AuditStats is q's count of login records by minute, outcome and
// answer-time bucket (store.AnswerBoundsMS; -1 for a login the phone did
// not answer), with its arguments: one pass over the window's records.
// The answer time is phone_ms, or duration_ms for a record written before
// the audit kept phone_ms (0).
// Rows scan with ScanStatsRow.
func AuditStats(q store.AuditStatsQuery) (string, []any) {
	from := UnixNano(q.From)
	to := UnixNano(q.From.Add(time.Duration(q.Minutes) * time.Minute))
	answered := `1 = 0`
	args := []any{from}
	if len(q.Answered) > 0 {
		answered = `provider <> '' AND reason IN (?` + strings.Repeat(`, ?`, len(q.Answered)-1) + `)`
		for _, r := range q.Answered {
			args = append(args, r)
		}
	}
	return `SELECT (time - ?) / 60000000000, outcome, CASE WHEN ` + answered + ` THEN ` + answerBucket() + ` ELSE -1 END, COUNT(*)
		FROM audit WHERE time >= ? AND time < ? AND outcome <> ? GROUP BY 1, 2, 3`,
		append(args, from, to, store.OutcomeAdmin)
}

// answerTime is a record's answer time: the phone's, else (a record from
// before the audit kept it) the whole login's.
const answerTime = `(CASE WHEN phone_ms > 0 THEN phone_ms ELSE duration_ms END)`

// answerBucket is the CASE naming an answer time's bucket by its upper
// bound (0 past the last one). The bounds are the store's constants, not
// input.
func answerBucket() string {
	var b strings.Builder
	b.WriteString(`CASE`)
	for _, bound := range store.AnswerBoundsMS() {
		fmt.Fprintf(&b, ` WHEN %s <= %d THEN %d`, answerTime, bound, bound)
	}
	b.WriteString(` ELSE 0 END`)
	return b.String()
}

// StatsRow is a row of AuditStats.
type StatsRow struct {
	Minute  int
	Outcome string
	Bucket  int64 // -1: not answered by the phone
	Count   int
}

// ScanStatsRow reads a row of AuditStats.
func ScanStatsRow(row RowScanner) (*StatsRow, error) {
	var r StatsRow
	if err := row.Scan(&r.Minute, &r.Outcome, &r.Bucket, &r.Count); err != nil {
		return nil, err
	}
	return &r, nil
}

// StatsOf folds AuditStats' rows into the store's summary.
func StatsOf(rows []StatsRow) *store.AuditStats {
	outcomes := map[store.OutcomeCount]int{} // keyed with Count 0
	answers := map[store.AnswerCount]int{}
	for _, r := range rows {
		outcomes[store.OutcomeCount{Minute: r.Minute, Outcome: r.Outcome}] += r.Count
		if r.Bucket >= 0 {
			answers[store.AnswerCount{Minute: r.Minute, UpToMS: r.Bucket}] += r.Count
		}
	}
	out := &store.AuditStats{}
	for k, n := range outcomes {
		k.Count = n
		out.Outcomes = append(out.Outcomes, k)
	}
	for k, n := range answers {
		k.Count = n
		out.Answers = append(out.Answers, k)
	}
	return out
}

// ReadAudit returns the audit records q matches, newest first (ListAudit),
// its query's placeholders rebound by bind (Question or Dollar).
func ReadAudit(ctx context.Context, db Querier, bind func(string) string, q store.AuditQuery) ([]store.AuditRecord, error) {
	query, args := ListAudit(q)
	records, err := List(ctx, db, ScanAudit, bind(query), args...)
	if err != nil {
		return nil, fmt.Errorf("list audit: %w", err)
	}
	return records, nil
}

// ReadAuditUsers counts the records q matches by user (AuditUsers), its
// query's placeholders rebound by bind.
func ReadAuditUsers(ctx context.Context, db Querier, bind func(string) string, q store.AuditQuery) ([]store.AuditUser, error) {
	query, args := AuditUsers(q)
	users, err := List(ctx, db, ScanAuditUser, bind(query), args...)
	if err != nil {
		return nil, fmt.Errorf("audit users: %w", err)
	}
	return users, nil
}

// ReadAuditStats summarises the logins' records of q's minutes in one pass
// (AuditStats), its query's placeholders rebound by bind.
func ReadAuditStats(ctx context.Context, db Querier, bind func(string) string, q store.AuditStatsQuery) (*store.AuditStats, error) {
	if err := CheckAuditStats(q); err != nil {
		return nil, err
	}
	query, args := AuditStats(q)
	rows, err := List(ctx, db, ScanStatsRow, bind(query), args...)
	if err != nil {
		return nil, fmt.Errorf("audit stats: %w", err)
	}
	return StatsOf(rows), nil
}
