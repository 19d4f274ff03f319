package sqlite

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

// txStatements binds statements prepared on a pool (by prepare) to one
// transaction, each at most once: the writes of an audit group commit
// would otherwise be parsed again per batch. A query not prepared
// beforehand is an error, never a wait: on the write pool of one
// connection, preparing while tx holds that connection would wait forever.
type txStatements struct {
	db    *preparedDB
	tx    *sql.Tx
	bound map[string]*sql.Stmt
}

// inTx binds p's statements to tx.
func (p *preparedDB) inTx(tx *sql.Tx) *txStatements {
	return &txStatements{db: p, tx: tx, bound: make(map[string]*sql.Stmt)}
}

// exec runs query in the transaction. The statements end with it.
func (s *txStatements) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	st, ok := s.bound[query]
	if !ok {
		prepared, found := s.db.stmts.Load(query)
		if !found {
			return nil, fmt.Errorf("statement not prepared: %s", query)
		}
		st = s.tx.StmtContext(ctx, prepared.(*sql.Stmt))
		s.bound[query] = st
	}
	return st.ExecContext(ctx, args...)
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
