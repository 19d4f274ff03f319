package console

import (
	"context"
	"fmt"
	"time"
)

// GroupChecker tells which of groupDNs a user is a member of (none for a
// user the directory does not know); the server wraps its directory as
// one.
type GroupChecker interface {
	InGroups(ctx context.Context, user string, groupDNs []string) ([]string, error)
}

// GroupRole makes the members of a directory group operators with Role
// (console.groups).
type GroupRole struct {
	DN   string
	Role string
}

// groupRecheck is how long a group operator's membership is trusted
// before the directory is asked again (at their next request).
const groupRecheck = 5 * time.Minute

// roleOf is user's operator role ("" when they are none) and whether it
// comes from a directory group: console.operators first, then the first
// of console.groups the user is in.
func (c *Console) roleOf(ctx context.Context, user string) (role string, viaGroup bool, err error) {
	if r, ok := c.deps.Operators[user]; ok {
		return r, false, nil
	}
	if len(c.deps.Groups) == 0 || c.deps.Directory == nil {
		return "", false, nil
	}
	dns := make([]string, len(c.deps.Groups))
	for i, g := range c.deps.Groups {
		dns[i] = g.DN
	}
	in, err := c.deps.Directory.InGroups(ctx, user, dns)
	if err != nil {
		return "", false, fmt.Errorf("operator groups of %s: %w", user, err)
	}
	for _, g := range c.deps.Groups {
		for _, dn := range in {
			if dn == g.DN {
				return g.Role, true, nil
			}
		}
	}
	return "", false, nil
}

// stillOperator tells whether s's operator still has s's role: a listed
// operator at once; a group operator from the directory, asked again
// every groupRecheck (a directory that does not answer keeps the console
// closed to them until it does).
func (c *Console) stillOperator(ctx context.Context, s *session, now time.Time) bool {
	listed, ok := c.deps.Operators[s.User]
	if !s.Group || ok {
		return ok && !s.Group && listed == s.Role
	}
	if now.Sub(time.Unix(s.Checked, 0)) < groupRecheck {
		return true
	}
	role, viaGroup, err := c.roleOf(ctx, s.User)
	if err != nil {
		c.deps.Log.Warn().Err(err).Str("user", s.User).Msg("console cannot check an operator's groups")
		return false
	}
	if !viaGroup || role != s.Role {
		return false
	}
	s.Checked = now.Unix()
	return true
}
