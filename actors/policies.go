package actors

import (
	"context"
	"sync"

	"github.com/pushauth/pushauth/auth"
	"github.com/pushauth/pushauth/store"
)

// maxWarnedPolicies bounds the names missingPolicies remembers; policy
// names come from the configuration and the users' records, so a handful
// is usual.
const maxWarnedPolicies = 1024

// missingPolicies remembers the policy names already reported missing, so
// that logins naming a policy the store lacks warn once per name, not once
// per login. It lives on Deps (one per System).
type missingPolicies struct {
	mu     sync.Mutex
	warned map[string]struct{}
}

// first reports whether name has not been warned about yet, and
// remembers it.
func (m *missingPolicies) first(name string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, seen := m.warned[name]; seen || len(m.warned) >= maxWarnedPolicies {
		return false
	}
	if m.warned == nil {
		m.warned = map[string]struct{}{}
	}
	m.warned[name] = struct{}{}
	return true
}

// resolvePolicy is the policy of a login through client (SPEC S4.4): the
// user's policy, else the client's, else the default, from the store. A
// named policy that does not exist gives the default policy, and a
// warning the first time the name is seen. A client with number matching
// (on by default for isapi clients, SPEC S10.3) turns it on whatever the
// policy says.
func (d *Deps) resolvePolicy(ctx context.Context, userPolicy string, client *Client) store.Policy {
	p, missing := auth.LookupPolicy(userPolicy, client.GetPolicy(), func(name string) (*store.Policy, error) {
		return d.Store.PolicyByName(ctx, name)
	})
	if missing != "" && d.missingPolicies.first(missing) {
		namedBy := "client"
		if userPolicy != "" {
			namedBy = "user"
		}
		d.Log.Warn().Str("policy", missing).Str("named_by", namedBy).
			Msg("policy does not exist; its logins use the default policy (warned once per name)")
	}
	p.NumberMatching = p.NumberMatching || client.GetNumberMatching()
	return p
}
