package sqlshared

import (
	"fmt"
	"strings"
	"time"

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
	where, args := auditWhere(q)
	return `SELECT ` + AuditColumns + ` FROM audit` + where + ` ORDER BY time DESC, id DESC LIMIT ?`, append(args, limit)
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
	if q.User != "" {
		conds, args = append(conds, `username = ?`), append(args, q.User)
	}
	if q.Reason != "" {
		conds, args = append(conds, `reason = ?`), append(args, q.Reason)
	}
	if !q.Since.IsZero() {
		conds, args = append(conds, `time >= ?`), append(args, UnixNano(q.Since))
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
		&r.Outcome, &r.Reason, &r.DurationMS, &r.Reported, &r.Node, &r.Admin, &r.Action)
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

// AuditStatsOutcomes is q's count of login records by minute and outcome,
// with its arguments; rows scan with ScanOutcomeCount.
func AuditStatsOutcomes(q store.AuditStatsQuery) (string, []any) {
	where, args := statsWhere(q)
	return `SELECT ` + minuteOf + `, outcome, COUNT(*) FROM audit` + where + ` GROUP BY 1, 2`, args
}

// AuditStatsAnswers is q's histogram of the durations of the logins the
// phone answered, by minute and bucket (store.AnswerBoundsMS), with its
// arguments; rows scan with ScanAnswerCount.
func AuditStatsAnswers(q store.AuditStatsQuery) (string, []any) {
	where, args := statsWhere(q)
	if len(q.Answered) == 0 {
		where += ` AND 1 = 0`
	} else {
		where += ` AND provider <> '' AND reason IN (?` + strings.Repeat(`, ?`, len(q.Answered)-1) + `)`
		for _, r := range q.Answered {
			args = append(args, r)
		}
	}
	return `SELECT ` + minuteOf + `, ` + answerBucket() + `, COUNT(*) FROM audit` + where + ` GROUP BY 1, 2`, args
}

// answerBucket is the CASE naming a duration's bucket by its upper bound
// (0 past the last one). The bounds are the store's constants, not input.
func answerBucket() string {
	var b strings.Builder
	b.WriteString(`CASE`)
	for _, bound := range store.AnswerBoundsMS() {
		fmt.Fprintf(&b, ` WHEN duration_ms <= %d THEN %d`, bound, bound)
	}
	b.WriteString(` ELSE 0 END`)
	return b.String()
}

// statsWhere selects the logins' records of q's minutes; its first
// argument is From, for minuteOf in the select list.
func statsWhere(q store.AuditStatsQuery) (string, []any) {
	from := UnixNano(q.From)
	to := UnixNano(q.From.Add(time.Duration(q.Minutes) * time.Minute))
	return ` WHERE time >= ? AND time < ? AND outcome <> ?`, []any{from, from, to, store.OutcomeAdmin}
}

// ScanOutcomeCount reads a row of AuditStatsOutcomes.
func ScanOutcomeCount(row RowScanner) (*store.OutcomeCount, error) {
	var c store.OutcomeCount
	if err := row.Scan(&c.Minute, &c.Outcome, &c.Count); err != nil {
		return nil, err
	}
	return &c, nil
}

// ScanAnswerCount reads a row of AuditStatsAnswers.
func ScanAnswerCount(row RowScanner) (*store.AnswerCount, error) {
	var c store.AnswerCount
	if err := row.Scan(&c.Minute, &c.UpToMS, &c.Count); err != nil {
		return nil, err
	}
	return &c, nil
}
