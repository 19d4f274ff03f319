package config

import (
	"fmt"
	"slices"
)

// DefaultPolicyName is the policy that applies when none is named, and
// when a named one does not exist (SPEC S4.4). It always exists.
const DefaultPolicyName = "default"

// PolicyReference is a policy named in the configuration.
type PolicyReference struct {
	Key  string // where: radius.clients[0].policy, directory.ldap.groups[1].policy
	Name string
	Who  string // what names it: `client "vpn"`, `directory group "CN=…"`
}

// PolicyReferences lists the policies the configuration names: each
// RADIUS client's `policy` and each directory group's.
func (c *Config) PolicyReferences() []PolicyReference {
	var refs []PolicyReference
	for i, cl := range c.Radius.Clients {
		if cl.Policy != "" {
			refs = append(refs, PolicyReference{Key: fmt.Sprintf("radius.clients[%d].policy", i), Name: cl.Policy,
				Who: fmt.Sprintf("client %q", cl.Name)})
		}
	}
	if l := c.Directory.LDAP; l != nil {
		for i, g := range l.Groups {
			if g.Policy != "" {
				refs = append(refs, PolicyReference{Key: fmt.Sprintf("directory.ldap.groups[%d].policy", i), Name: g.Policy,
					Who: fmt.Sprintf("directory group %q", g.DN)})
			}
		}
	}
	return refs
}

// MissingPolicies warns about each policy the configuration names that is
// not among stored (the names of the policies in the store): logins it
// governs would silently use the default policy.
func (c *Config) MissingPolicies(stored []string) []Warning {
	var out []Warning
	for _, r := range c.PolicyReferences() {
		if r.Name == DefaultPolicyName || slices.Contains(stored, r.Name) {
			continue
		}
		out = append(out, c.source.warning(r.Key, display(r.Name),
			fmt.Sprintf("%s names policy %q, which does not exist: its logins use the default policy until it is created (pushctl policy set %s KEY=VALUE)",
				r.Who, r.Name, r.Name), false))
	}
	return out
}
