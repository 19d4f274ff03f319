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
	Operators   map[string]string // user name → role: admin, helpdesk or readonly
	SessionIdle time.Duration     // default DefaultSessionIdle
}

// console decodes `console`.
func (d *decoder) console(v any) Console {
	const path = "console"
	m := d.object(v, path, "operators", "session_idle")
	c := Console{Operators: map[string]string{}, SessionIdle: d.duration(m, path, "session_idle", DefaultSessionIdle)}
	if c.SessionIdle <= 0 {
		d.errorf(path+".session_idle", "must be positive")
	}
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
	case role != "admin" && role != "helpdesk" && role != "readonly":
		d.errorf(path+".role", "role %q is not admin, helpdesk or readonly", role)
	case ops[user] != "":
		d.errorf(path+".user", "operator %q is listed twice", user)
	default:
		ops[user] = role
	}
}
