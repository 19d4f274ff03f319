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

// PolicyReplyAttributes reads the reply attributes of every policy that
// has some, by policy name, from the PostgreSQL database at dsn, for
// `pushauthd --check-config`: one connection, nothing written. A database
// from before reply attributes (not migrated yet) has none.
func PolicyReplyAttributes(ctx context.Context, dsn string) (map[string][]string, error) {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return nil, fmt.Errorf("connect to postgres: %w", pgdsn.Scrub(err, dsn))
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var columns int
	if err := conn.QueryRow(ctx, sq.HasReplyAttributesPostgres).Scan(&columns); err != nil {
		return nil, fmt.Errorf("read the policies' columns: %w", pgdsn.Scrub(err, dsn))
	}
	if columns == 0 {
		return nil, nil
	}
	rows, err := conn.Query(ctx, sq.PolicyReplyAttributes)
	if err != nil {
		return nil, fmt.Errorf("read reply attributes: %w", pgdsn.Scrub(err, dsn))
	}
	out := map[string][]string{}
	var name, text string
	_, err = pgx.ForEachRow(rows, []any{&name, &text}, func() error {
		attrs, err := sq.DecodeReplyAttributes(text)
		if err != nil {
			return fmt.Errorf("policy %q: %w", name, err)
		}
		out[name] = attrs
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read reply attributes: %w", pgdsn.Scrub(err, dsn))
	}
	return out, nil
}
