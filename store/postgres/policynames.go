package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	sq "github.com/pushauth/pushauth/store/internal/sqlshared"
	"github.com/pushauth/pushauth/store/pgdsn"
)

// PolicyNames lists the names of the policies in the PostgreSQL
// database at dsn, for `pushauthd --check-config`: one connection, one
// query, nothing written. Errors never show the DSN's password.
func PolicyNames(ctx context.Context, dsn string) ([]string, error) {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return nil, fmt.Errorf("connect to postgres: %w", pgdsn.Scrub(err, dsn))
	}
	defer conn.Close(context.WithoutCancel(ctx))
	rows, err := conn.Query(ctx, sq.PolicyNames)
	if err != nil {
		return nil, fmt.Errorf("read policy names: %w", pgdsn.Scrub(err, dsn))
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("read policy names: %w", pgdsn.Scrub(err, dsn))
	}
	return names, nil
}
