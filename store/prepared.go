package store

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
)

// preparedDB runs queries through statements prepared once per query
// text: SQLite's parser otherwise runs on every login's reads (measured at
// 18% of server CPU in push-throughput). The set of query texts is fixed
// by the code, so the cache stays small.
type preparedDB struct {
	db    *sql.DB
	stmts sync.Map // query text → *sql.Stmt
}

func (p *preparedDB) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if st, ok := p.stmts.Load(query); ok {
		return st.(*sql.Stmt), nil
	}
	st, err := p.db.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if prev, loaded := p.stmts.LoadOrStore(query, st); loaded {
		st.Close()
		return prev.(*sql.Stmt), nil
	}
	return st, nil
}

// QueryContext runs query as a prepared statement.
func (p *preparedDB) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	st, err := p.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(ctx, args...)
}

// QueryRowContext runs query as a prepared statement; a statement that
// cannot be prepared reports its error through the row.
func (p *preparedDB) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	st, err := p.stmt(ctx, query)
	if err != nil {
		return p.db.QueryRowContext(ctx, query, args...)
	}
	return st.QueryRowContext(ctx, args...)
}

// inTx returns query, prepared on p's pool by prepare, bound to tx: the
// writes of each audit group commit would otherwise be parsed again per
// batch. The statement ends with tx. A query not prepared beforehand is an
// error, never a wait: on the write pool of one connection, preparing
// while tx holds that connection would wait forever.
func (p *preparedDB) inTx(ctx context.Context, tx *sql.Tx, query string) (*sql.Stmt, error) {
	st, ok := p.stmts.Load(query)
	if !ok {
		return nil, fmt.Errorf("statement not prepared: %s", query)
	}
	return tx.StmtContext(ctx, st.(*sql.Stmt)), nil
}

// prepare prepares each query on p's pool for inTx.
func (p *preparedDB) prepare(ctx context.Context, queries ...string) error {
	for _, q := range queries {
		if _, err := p.stmt(ctx, q); err != nil {
			return fmt.Errorf("prepare %q: %w", q, err)
		}
	}
	return nil
}

// close closes every prepared statement.
func (p *preparedDB) close() {
	p.stmts.Range(func(_, st any) bool {
		st.(*sql.Stmt).Close()
		return true
	})
}
