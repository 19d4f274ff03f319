package main

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/rs/zerolog"

	"github.com/pushauth/pushauth/config"
	"github.com/pushauth/pushauth/store/postgres"
	"github.com/pushauth/pushauth/store/sqlite"
)

// policyCheckTimeout bounds --check-config's read of the stored policies.
const policyCheckTimeout = 10 * time.Second

// checkPolicies is --check-config's look at the policies the
// configuration names (clients' `policy`, directory groups'): each one the
// store does not hold is a warning, since its logins would use the
// default policy (SPEC S4.4). The store is only read (a server may be
// running on it); when it cannot be read, one warning says the names were
// not checked. It returns the number of warnings logged.
func checkPolicies(log zerolog.Logger, cfg *config.Config) int {
	if len(cfg.PolicyReferences()) == 0 {
		return 0
	}
	ctx, cancel := context.WithTimeout(context.Background(), policyCheckTimeout)
	defer cancel()
	stored, err := storedPolicyNames(ctx, cfg)
	switch {
	case errors.Is(err, sqlite.ErrNoDatabase): // a first start: no policy exists yet
	case err != nil:
		log.Warn().Err(err).Msg("could not read the stored policies; the policy names in the configuration were not checked")
		return 1
	}
	warnings := cfg.MissingPolicies(stored)
	logWarnings(log, warnings)
	return len(warnings)
}

// storedPolicyNames reads the names of the policies in the configured
// store without changing it.
func storedPolicyNames(ctx context.Context, cfg *config.Config) ([]string, error) {
	if cfg.Store.Driver == config.StorePostgres {
		return postgres.PolicyNames(ctx, cfg.Store.DSN)
	}
	return sqlite.PolicyNames(ctx, cfg.DataDir)
}

// checkReplyAttributes is --check-config's check of the stored policies'
// reply attributes with the configured dictionaries (radius.dictionaries):
// the admin API checked them when they were set, but a dictionary taken
// out of the configuration since, or set on another node with other
// dictionaries, leaves attributes this server cannot send, and the
// policy's logins would all be rejected. Each such policy is an error,
// placed at radius.dictionaries. A store that cannot be read is one
// warning.
func checkReplyAttributes(log zerolog.Logger, cfg *config.Config) ([]config.FieldError, int) {
	ctx, cancel := context.WithTimeout(context.Background(), policyCheckTimeout)
	defer cancel()
	stored, err := storedReplyAttributes(ctx, cfg)
	switch {
	case errors.Is(err, sqlite.ErrNoDatabase):
		return nil, 0
	case err != nil:
		log.Warn().Err(err).Msg("could not read the stored policies; their reply attributes were not checked")
		return nil, 1
	}
	var errs []config.FieldError
	dict := cfg.Radius.Dictionary()
	for _, name := range slices.Sorted(maps.Keys(stored)) {
		if _, err := dict.Encode(stored[name]); err != nil {
			errs = append(errs, cfg.Problem("radius.dictionaries", fmt.Sprintf(
				"policy %q: %v: its logins would be rejected; fix the dictionaries or the policy (pushctl policy set %s reply_attributes=...)",
				name, err, name)))
		}
	}
	return errs, 0
}

// storedReplyAttributes reads the stored policies' reply attributes
// without changing the store.
func storedReplyAttributes(ctx context.Context, cfg *config.Config) (map[string][]string, error) {
	if cfg.Store.Driver == config.StorePostgres {
		return postgres.PolicyReplyAttributes(ctx, cfg.Store.DSN)
	}
	return sqlite.PolicyReplyAttributes(ctx, cfg.DataDir)
}
