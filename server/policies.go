package server

import "context"

// warnMissingPolicies logs a warning for each policy the configuration
// names (clients' `policy`, directory groups') that the store does not
// hold: until an operator creates it, its logins use the default policy
// (SPEC S4.4), and each login that falls back warns once per name too
// (actors).
func (s *Server) warnMissingPolicies(ctx context.Context) {
	if len(s.cfg.PolicyReferences()) == 0 {
		return
	}
	policies, err := s.store.ListPolicies(ctx)
	if err != nil {
		s.log.Warn().Err(err).Msg("could not list the stored policies; the policy names in the configuration were not checked")
		return
	}
	names := make([]string, len(policies))
	for i, p := range policies {
		names[i] = p.Name
	}
	for _, w := range s.cfg.MissingPolicies(names) {
		s.log.Warn().Fields(w.Fields()).Msg(w.Msg)
	}
}
