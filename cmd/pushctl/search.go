package main

import (
	"fmt"

	"github.com/pushauth/pushauth/protocol/adminapi/apitype"
)

// defaultSearchLimit is how many users "user search" shows unless told.
const defaultSearchLimit = 50

// userSearch lists the users whose names start with PREFIX, page by page
// (GET /v1/users?prefix=&after=&limit=), at most --limit of them.
func (c *cli) userSearch(args []string) error {
	const usage = "user search PREFIX [--limit N]"
	fs := c.flagSet(usage)
	limit := fs.Int("limit", defaultSearchLimit, "")
	pos, err := c.parse(fs, args, usage, 1)
	if err != nil {
		return err
	}
	if *limit < 1 {
		return usagef(usage, "user search: --limit must be 1 or more")
	}
	api, err := c.client()
	if err != nil {
		return err
	}
	var users []apitype.User
	more := false
	for after := ""; len(users) < *limit; {
		page, err := api.SearchUsers(c.ctx(), pos[0], after, min(*limit-len(users), maxSearchPage))
		if err != nil {
			return err
		}
		users = append(users, page.Users...)
		if after, more = page.Next, page.Next != ""; !more {
			break
		}
	}
	if c.json {
		return c.printJSON(map[string]any{"users": users, "more": more})
	}
	t := c.table("NAME", "SOURCE", "POLICY", "PASSWORD", "FAILURES", "LOCKED UNTIL", "CREATED")
	for _, u := range users {
		t.row(u.Name, u.Source, u.Policy, yesNo(u.HasPassword), fmt.Sprint(u.Failures), formatTimePtr(u.LockedUntil), formatTime(u.CreatedAt))
	}
	if err := t.flush(); err != nil {
		return err
	}
	if more {
		fmt.Fprintf(c.stdout, "the first %d users starting with %q; --limit N shows more\n", len(users), pos[0])
	}
	return nil
}

// maxSearchPage is the most users the API answers in one page.
const maxSearchPage = 500
