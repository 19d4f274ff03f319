package main

import (
	"context"
	"errors"
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
