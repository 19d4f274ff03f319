package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/pushauth/pushauth/store"
	sq "github.com/pushauth/pushauth/store/internal/sqlshared"
)

// The policies statements, rebound from sqlshared's once.
var (
	putPolicy    = sq.Dollar(sq.PutPolicy)
	policyByName = sq.Dollar(sq.PolicyByName)
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
	if _, err := s.pool.Exec(ctx, putPolicy, values...); err != nil {
		return fmt.Errorf("put policy %q: %w", p.Name, err)
	}
	return nil
}

// PolicyByName returns the named policy or ErrNotFound.
func (s *Store) PolicyByName(ctx context.Context, name string) (*store.Policy, error) {
	return sq.ReadPolicy(ctx, s.reads(), policyByName, name)
}

// ListPolicies returns all stored policies ordered by name.
func (s *Store) ListPolicies(ctx context.Context) ([]store.Policy, error) {
	return sq.ReadPolicies(ctx, s.reads())
}
