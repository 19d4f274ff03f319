package store

import (
	"context"
	"fmt"
	"strings"
)

// goStep starts a migration step written in Go rather than SQL, for what
// SQL cannot do (Unicode case mapping); the rest of the step names it
// (runStep). It runs in the migration's transaction like any other step.
const goStep = "go:"

// stepFoldUserNames folds stored user names to their keys (user_names.go).
const stepFoldUserNames = goStep + "fold-user-names"

// stepTx is a migration's transaction as its steps use it; each driver
// adapts its own (sqliteStepTx, postgresStepTx). The Go steps' queries
// number their parameters ($1, $2…), which both databases take.
type stepTx interface {
	exec(ctx context.Context, query string, args ...any) error
	// each runs query and calls row for each result row with its Scan.
	each(ctx context.Context, query string, row func(scan func(dest ...any) error) error) error
}

// runStep runs one migration step in tx: SQL, or the Go step it names.
func runStep(ctx context.Context, tx stepTx, step string) error {
	if !strings.HasPrefix(step, goStep) {
		return tx.exec(ctx, step)
	}
	switch step {
	case stepFoldUserNames:
		return foldStoredNames(ctx, tx)
	}
	return fmt.Errorf("no migration step %q", step)
}

// eachRow calls row for each of rows (stepTx.each's loop).
func eachRow(rows userTokenRows, row func(scan func(dest ...any) error) error) error {
	for rows.Next() {
		if err := row(rows.Scan); err != nil {
			return err
		}
	}
	return rows.Err()
}

// scanAll runs query in tx and returns its rows, each scanned into the
// fields of a T.
func scanAll[T any](ctx context.Context, tx stepTx, query string, fields func(*T) []any) ([]T, error) {
	var all []T
	err := tx.each(ctx, query, func(scan func(dest ...any) error) error {
		var v T
		if err := scan(fields(&v)...); err != nil {
			return err
		}
		all = append(all, v)
		return nil
	})
	return all, err
}
