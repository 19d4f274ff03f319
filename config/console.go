package config

import (
	"fmt"
	"time"

	"github.com/pushauth/pushauth/auth"
)

// DefaultSessionIdle is console.session_idle's default.
const DefaultSessionIdle = 15 * time.Minute

// Console is the operator console on the admin API's listener.
type Console struct {
	Operators map[string]string // user name → role: admin, helpdesk or readonly
	// Groups make the members of directory groups operators, with the role
	// of the first group (in this order) they are in; Operators win over
	// Groups. They need directory.ldap.
	Groups      []ConsoleGroup
	SessionIdle time.Duration // default DefaultSessionIdle
}

// ConsoleGroup is one of `console.groups`: a directory group's members
// are operators with Role.
type ConsoleGroup struct {
	DN   string
	Role string
}

// console decodes `console`.
func (d *decoder) console(v any) Console {
	const path = "console"
	m := d.object(v, path, "operators", "groups", "session_idle")
	c := Console{Operators: map[string]string{}, SessionIdle: d.duration(m, path, "session_idle", DefaultSessionIdle)}
	if c.SessionIdle <= 0 {
		d.errorf(path+".session_idle", "must be positive")
	}
	c.Groups = d.consoleGroups(m["groups"], path+".groups")
	if m["operators"] == nil {
		return c
	}
	list, ok := m["operators"].([]any)
	if !ok {
		d.errorf(path+".operators", "must be a list of {user, role}, got %s", typeName(m["operators"]))
		return c
	}
	for i, item := range list {
		d.operator(fmt.Sprintf("%s.operators[%d]", path, i), item, c.Operators)
	}
	return c
}

// operator decodes one {user, role} into ops.
func (d *decoder) operator(path string, v any, ops map[string]string) {
	m := d.object(v, path, "user", "role")
	raw, role := d.str(m, path, "user", ""), d.str(m, path, "role", "")
	user, err := auth.NormalizeUserName(raw)
	switch {
	case err != nil:
		d.errorf(path+".user", "%v", err)
	case !d.operatorRole(path, role):
	case ops[user] != "":
		d.errorf(path+".user", "operator %q is listed twice", user)
	default:
		ops[user] = role
	}
}

// operatorRole tells whether role is one an operator may have, and
// reports the error at path.role when not.
func (d *decoder) operatorRole(path, role string) bool {
	if role != "admin" && role != "helpdesk" && role != "readonly" {
		d.errorf(path+".role", "role %q is not admin, helpdesk or readonly", role)
		return false
	}
	return true
}

// consoleGroups decodes `console.groups`: {dn, role} entries.
func (d *decoder) consoleGroups(v any, path string) []ConsoleGroup {
	if v == nil {
		return nil
	}
	list, ok := v.([]any)
	if !ok {
		d.errorf(path, "must be a list of {dn, role}, got %s", typeName(v))
		return nil
	}
	out := make([]ConsoleGroup, 0, len(list))
	for i, item := range list {
		key := fmt.Sprintf("%s[%d]", path, i)
		m := d.object(item, key, "dn", "role")
		if m == nil {
			continue
		}
		g := ConsoleGroup{DN: d.dn(m, key, "dn"), Role: d.str(m, key, "role", "")}
		if d.operatorRole(key, g.Role) && g.DN != "" {
			out = append(out, g)
		}
	}
	return out
}

// checkConsoleGroups refuses console.groups without a directory to ask.
func (d *decoder) checkConsoleGroups(c *Config) {
	if len(c.Console.Groups) > 0 && c.Directory.LDAP == nil {
		d.errorf("console.groups", "directory groups need directory.ldap")
	}
}
