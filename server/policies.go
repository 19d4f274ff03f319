package server

import (
	"context"

	"github.com/pushauth/pushauth/store"
)

// checkStoredPolicies looks at the stored policies as the server starts:
// it warns about the policies the configuration names that the store
// lacks (warnMissingPolicies) and logs an error for each policy whose
// reply attributes cannot be sent (checkReplyAttributes).
func (s *Server) checkStoredPolicies(ctx context.Context) {
	policies, err := s.store.ListPolicies(ctx)
	if err != nil {
		s.log.Warn().Err(err).Msg("could not list the stored policies; the policy names in the configuration " +
			"and the policies' reply attributes were not checked")
		return
	}
	s.warnMissingPolicies(policies)
	s.checkReplyAttributes(policies)
}

// warnMissingPolicies logs a warning for each policy the configuration
// names (clients' `policy`, directory groups') that the store does not
// hold: until an operator creates it, its logins use the default policy
// (SPEC S4.4), and each login that falls back warns once per name too
// (actors).
func (s *Server) warnMissingPolicies(policies []store.Policy) {
	if len(s.cfg.PolicyReferences()) == 0 {
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

// checkReplyAttributes logs an error for each stored policy whose reply
// attributes this server's dictionaries (radius.dictionaries) cannot
// encode: its logins are rejected (reason reply-attributes) until the
// policy or the configuration is fixed. --check-config refuses the same.
func (s *Server) checkReplyAttributes(policies []store.Policy) {
	dict := s.cfg.Radius.Dictionary()
	for _, p := range policies {
		if _, err := dict.Encode(p.ReplyAttributes); err != nil {
			s.log.Error().Err(err).Str("policy", p.Name).
				Msg("the policy's reply attributes cannot be sent with radius.dictionaries: its logins are rejected")
		}
	}
}
