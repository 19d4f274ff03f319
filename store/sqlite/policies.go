package sqlite

import (
	"context"

	"github.com/pushauth/pushauth/store"
	sq "github.com/pushauth/pushauth/store/internal/sqlshared"
)

// PutPolicy creates or replaces the policy named p.Name.
func (s *Store) PutPolicy(ctx context.Context, p *store.Policy) error {
	return sq.WritePolicy(ctx, s.writer(), sq.PutPolicy, p)
}

// PolicyByName returns the named policy or ErrNotFound.
func (s *Store) PolicyByName(ctx context.Context, name string) (*store.Policy, error) {
	return sq.ReadPolicy(ctx, s.reads(), sq.PolicyByName, name)
}

// ListPolicies returns all stored policies ordered by name.
func (s *Store) ListPolicies(ctx context.Context) ([]store.Policy, error) {
	return sq.ReadPolicies(ctx, s.reads())
}
