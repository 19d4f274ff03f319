package main

import (
	"fmt"
	"strings"

	"github.com/pushauth/pushauth/protocol/adminapi/apitype"
)

// directoryTest shows what the server would use for a directory user:
// DN, stable id, groups, policy, the linked local user (SPEC S9). No
// password is involved.
func (c *cli) directoryTest(args []string) error {
	const usage = "directory test NAME"
	pos, api, err := c.connect(args, usage, 1)
	if err != nil {
		return err
	}
	if err := checkUserName(usage, pos[0]); err != nil {
		return err
	}
	du, err := api.DirectoryUser(c.ctx(), pos[0])
	if err != nil {
		return err
	}
	if c.json {
		return c.printJSON(du)
	}
	return c.printf("%s", formatDirectoryUser(du))
}

// formatDirectoryUser is one "key: value" line per fact.
func formatDirectoryUser(du *apitype.DirectoryUser) string {
	orNone := func(s, none string) string {
		if s == "" {
			return none
		}
		return s
	}
	lines := [][2]string{
		{"user", du.Name},
		{"dn", du.DN},
		{"stable id", du.ID},
		{"groups", orNone(strings.Join(du.Groups, "; "), "(none of the configured groups)")},
		{"policy", orNone(du.Policy, "(no configured group: the user's own, the client's or the default policy)")},
		{"account", orNone(prefixed("refused: ", du.Refused), "usable")},
		{"local user", orNone(du.LocalUser, "(none yet: created with the first token)")},
	}
	if len(du.MemberOf) > 0 {
		lines = append(lines, [2]string{"member of", strings.Join(du.MemberOf, "; ")})
	}
	var b strings.Builder
	for _, l := range lines {
		fmt.Fprintf(&b, "%-12s %s\n", l[0]+":", visible(l[1]))
	}
	return b.String()
}

// prefixed is prefix+s, or "" for an empty s.
func prefixed(prefix, s string) string {
	if s == "" {
		return ""
	}
	return prefix + s
}
