package actors

import (
	"context"
	"errors"
	"sync"

	"github.com/pushauth/pushauth/auth"
	"github.com/pushauth/pushauth/store"
)

// maxWarnedPolicies bounds the names a warnedNames remembers; policy
// and client names come from the configuration and the users' records, so
// a handful is usual.
const maxWarnedPolicies = 1024

// warnedNames remembers the names already warned about, so that a warning
// about a name (a policy the store lacks, a client sending empty
// passwords) is logged once per name, not once per login. Deps holds one
// per warning (one per System).
type warnedNames struct {
	mu     sync.Mutex
	warned map[string]struct{}
}

// first reports whether name has not been warned about yet, and
// remembers it.
func (m *warnedNames) first(name string) bool {
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

// ClientPolicy calls done, off the caller's goroutine, with the policy a
// login through c gets when its user has no policy of their own (SPEC
// S4.4): the client's, else the default. The RADIUS adapter answers the
// agents' set-up probe with it (protocol/radius/agentprobe).
func (s *System) ClientPolicy(c *Client, done func(store.Policy)) {
	s.goWork(func(ctx context.Context) { done(s.deps.resolvePolicy(ctx, "", c)) })
}

// warnEmptyPassword logs, once per client, that a client sent an empty
// password to a login whose policy checks it as a password: such a login
// fails like a wrong password and counts toward the user's lockout (SPEC
// S2.2, S2.9), which is what a web agent (pushweb) pointed at the wrong
// client does to every user who signs in through it.
func (d *Deps) warnEmptyPassword(a *Attempt, p store.Policy) {
	if a.Password != "" || p.Method == policyToken || !d.emptyPasswords.first(a.Client.GetName()) {
		return
	}
	d.Log.Warn().Str("client", a.Client.GetName()).Str("kind", a.Client.GetKind()).Str("policy", p.Name).
		Str("method", p.Method).
		Msg("client sent an empty password, which its logins' policy checks as a password: they fail and count " +
			"toward the user's lockout; only a policy with method token (for isapi clients: web agents such as " +
			"pushweb) starts a push on an empty password (warned once per client)")
}

// replyAttributes encodes the policy's reply attributes for its accepts.
// Attributes this node cannot encode (a dictionary missing from its
// radius.dictionaries, while another node's admin API accepted them) fail
// the login: the gateway must not get an accept without the attributes
// that decide the user's access. Logged once per policy.
func (d *Deps) replyAttributes(p store.Policy) ([]byte, error) {
	if len(p.ReplyAttributes) == 0 {
		return nil, nil
	}
	encode := d.ReplyAttributes
	if encode == nil {
		encode = func([]string) ([]byte, error) { return nil, errNoDictionary }
	}
	b, err := encode(p.ReplyAttributes)
	if err != nil && d.badAttributes.first(p.Name) {
		d.Log.Error().Err(err).Str("policy", p.Name).
			Msg("the policy's reply attributes cannot be sent; its logins are rejected until the policy or " +
				"radius.dictionaries is fixed (pushauthd --check-config names the entry; logged once per policy)")
	}
	return b, err
}

// errNoDictionary is replyAttributes' error when Deps has no encoder.
var errNoDictionary = errors.New("no RADIUS dictionary to encode reply attributes with")

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
