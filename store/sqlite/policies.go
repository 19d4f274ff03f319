package sqlite

import (
	"context"
	"errors"
	"fmt"

	"github.com/pushauth/pushauth/store"
	sq "github.com/pushauth/pushauth/store/internal/sqlshared"
)

// PutPolicy creates or replaces the policy named p.Name.
func (s *Store) PutPolicy(ctx context.Context, p *store.Policy) error {
	if p.Name == "" {
		return errors.New("put policy: empty name")
	}
	values, err := sq.PolicyValues(p)
	if err != nil {
		return fmt.Errorf("put policy %q: %w", p.Name, err)
	}
	if _, err := s.write.ExecContext(ctx, sq.PutPolicy, values...); err != nil {
		return fmt.Errorf("put policy %q: %w", p.Name, err)
	}
	return nil
}

// PolicyByName returns the named policy or ErrNotFound.
func (s *Store) PolicyByName(ctx context.Context, name string) (*store.Policy, error) {
	return sq.ReadPolicy(ctx, s.reads(), sq.PolicyByName, name)
}

// ListPolicies returns all stored policies ordered by name.
func (s *Store) ListPolicies(ctx context.Context) ([]store.Policy, error) {
	return sq.ReadPolicies(ctx, s.reads())
}
