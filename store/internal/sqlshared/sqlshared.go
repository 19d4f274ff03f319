// Package sqlshared is what store/sqlite and store/postgres share: the SQL
// statements that differ only by their placeholders (written once, with
// SQLite's ?, and rebound for PostgreSQL with Dollar), the scanning of
// their rows, the encoding of times, the lockout counter's body, the
// migration loop and its steps written in Go, and the Store methods'
// bodies that are the same on both: the Read… functions (over Querier)
// and the Write… functions (over Execer), each given the driver's
// statement. Each driver adapts its pool (database/sql, pgx) to Querier
// and Execer and keeps what differs: transactions, locking, mapping its
// error codes, the group commit and its own statements.
package sqlshared

import (
	"strconv"
	"strings"
	"time"
)

// Dollar rebinds query's ? placeholders to PostgreSQL's $1, $2, … in
// order. Queries given to it hold no ? other than placeholders (no
// numbered ?NNN, no ? in literals).
func Dollar(query string) string {
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r != '?' {
			b.WriteRune(r)
			continue
		}
		n++
		b.WriteString("$" + strconv.Itoa(n))
	}
	return b.String()
}

// Question leaves query's ? placeholders as they are: SQLite's bind of
// the queries built per call (PostgreSQL's is Dollar).
func Question(query string) string { return query }

// RowScanner is *sql.Row, *sql.Rows, pgx.Row or pgx.Rows.
type RowScanner interface {
	Scan(dest ...any) error
}

// Rows is what both drivers' result rows offer.
type Rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
}

// UnixNano stores a time as Unix nanoseconds; the zero time is 0.
func UnixNano(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

// FromUnixNano is the inverse of UnixNano; times come back in UTC.
func FromUnixNano(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

// OrNow returns t, or now when t is zero.
func OrNow(t time.Time) time.Time {
	if t.IsZero() {
		return time.Now()
	}
	return t
}

// NonNilBytes stores nil as an empty blob, not NULL.
func NonNilBytes(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}
