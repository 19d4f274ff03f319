package sqlshared

import (
	"context"
	"fmt"
	"strings"
)

// GoStep starts a migration step written in Go rather than SQL, for what
// SQL cannot do (Unicode case mapping); the rest of the step names it
// (RunStep). It runs in the migration's transaction like any other step.
const GoStep = "go:"

// StepFoldUserNames folds stored user names to their keys (foldnames.go).
const StepFoldUserNames = GoStep + "fold-user-names"

// StepTx is a migration's transaction as its steps use it; each driver
// adapts its own. The Go steps' queries
// number their parameters ($1, $2…), which both databases take.
type StepTx interface {
	Exec(ctx context.Context, query string, args ...any) error
	// Each runs query and calls row for each result row with its Scan.
	Each(ctx context.Context, query string, row func(scan func(dest ...any) error) error) error
}

// StepsIn is e, a driver's migration transaction, as its steps use it.
func StepsIn(e Execer) StepTx { return execerSteps{e} }

// execerSteps is an Execer as a StepTx.
type execerSteps struct{ e Execer }

func (s execerSteps) Exec(ctx context.Context, query string, args ...any) error {
	_, err := s.e.Exec(ctx, query, args...)
	return err
}

func (s execerSteps) Each(ctx context.Context, query string, row func(scan func(dest ...any) error) error) error {
	rows, err := s.e.Query(ctx, query)
	if err != nil {
		return err
	}
	defer rows.Close()
	return EachRow(rows, row)
}

// RunSteps brings a schema at version to len(steps) in tx, the rest of
// steps one by one. A version newer than steps is refused.
func RunSteps(ctx context.Context, tx StepTx, version int, steps []string) error {
	if version > len(steps) {
		return fmt.Errorf("migrate: database schema version %d is newer than this program's %d", version, len(steps))
	}
	for i := version; i < len(steps); i++ {
		if err := RunStep(ctx, tx, steps[i]); err != nil {
			return fmt.Errorf("migrate: step %d: %w", i+1, err)
		}
	}
	return nil
}

// RunStep runs one migration step in tx: SQL, or the Go step it names.
func RunStep(ctx context.Context, tx StepTx, step string) error {
	if !strings.HasPrefix(step, GoStep) {
		return tx.Exec(ctx, step)
	}
	switch step {
	case StepFoldUserNames:
		return foldStoredNames(ctx, tx)
	}
	return fmt.Errorf("no migration step %q", step)
}

// EachRow calls row for each of rows (StepTx.Each's loop).
func EachRow(rows Rows, row func(scan func(dest ...any) error) error) error {
	for rows.Next() {
		if err := row(rows.Scan); err != nil {
			return err
		}
	}
	return rows.Err()
}

// scanAll runs query in tx and returns its rows, each scanned into the
// fields of a T.
func scanAll[T any](ctx context.Context, tx StepTx, query string, fields func(*T) []any) ([]T, error) {
	var all []T
	err := tx.Each(ctx, query, func(scan func(dest ...any) error) error {
		var v T
		if err := scan(fields(&v)...); err != nil {
			return err
		}
		all = append(all, v)
		return nil
	})
	return all, err
}
