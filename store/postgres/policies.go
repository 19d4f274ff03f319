package postgres

import (
	"context"

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
	return sq.WritePolicy(ctx, s.writer(), putPolicy, p)
}

// PolicyByName returns the named policy or ErrNotFound.
func (s *Store) PolicyByName(ctx context.Context, name string) (*store.Policy, error) {
	return sq.ReadPolicy(ctx, s.reads(), policyByName, name)
}

// ListPolicies returns all stored policies ordered by name.
func (s *Store) ListPolicies(ctx context.Context) ([]store.Policy, error) {
	return sq.ReadPolicies(ctx, s.reads())
}
