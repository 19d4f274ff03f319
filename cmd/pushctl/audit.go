package main

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/pushauth/pushauth/protocol/adminapi/apitype"
)

func (c *cli) audit(args []string) error {
	const usage = "audit [--user NAME] [--reason R] [--since 7d|24h|RFC3339] [--kind login|admin|all] [--users] [--limit N]"
	fs := c.flagSet(usage)
	kind := fs.String("kind", "login", "")
	user := fs.String("user", "", "")
	reason := fs.String("reason", "", "")
	since := fs.String("since", "", "")
	byUser := fs.Bool("users", false, "")
	limit := fs.Int("limit", 0, "")
	if _, err := c.parse(fs, args, usage, 0); err != nil {
		return err
	}
	if *limit < 0 {
		return usagef(usage, "audit: --limit must be positive")
	}
	f := apitype.AuditFilter{User: *user, Reason: *reason, Limit: *limit, Kind: *kind}
	if *since != "" {
		t, err := parseSince(*since, time.Now())
		if err != nil {
			return usagef(usage, "audit: --since: %v", err)
		}
		f.Since = t
	}
	api, err := c.client()
	if err != nil {
		return err
	}
	if *byUser {
		return c.auditUsers(api.AuditUsers(c.ctx(), f))
	}
	records, err := api.AuditWhere(c.ctx(), f)
	if err != nil {
		return err
	}
	if c.json {
		return c.printJSON(map[string]any{"records": records})
	}
	t := c.table("TIME", "NODE", "USER", "CLIENT", "AGENT", "TOKEN", "PROVIDER", "OUTCOME", "REASON", "REPORTED", "DURATION")
	for _, r := range records {
		reported := ""
		if r.Reported {
			reported = "yes" // "this wasn't me" (SPEC S5.4)
		}
		client, agent := r.Client, r.Agent
		if r.Admin != "" { // an operator's change: who, and which call
			client, agent = "admin:"+r.Admin, r.Action
		}
		t.row(formatTime(r.Time), r.Node, r.User, client, agent, r.Token, r.Provider, r.Outcome, r.Reason, reported,
			(time.Duration(r.DurationMS) * time.Millisecond).String())
	}
	return t.flush()
}

func (c *cli) loginList(args []string) error {
	const usage = "login list [--limit N]"
	fs := c.flagSet(usage)
	limit := fs.Int("limit", defaultLoginLimit, "")
	if _, err := c.parse(fs, args, usage, 0); err != nil {
		return err
	}
	if *limit < 0 {
		return usagef(usage, "login list: --limit must be 0 or more")
	}
	api, err := c.client()
	if err != nil {
		return err
	}
	page, err := api.LoginPage(c.ctx(), *limit)
	if err != nil {
		return err
	}
	if c.json {
		return c.printJSON(page)
	}
	t := c.table("USER", "CLIENT", "STATE", "AGE")
	for _, l := range page.Logins {
		t.row(l.User, l.Client, l.State, (time.Duration(l.AgeMS) * time.Millisecond).Round(time.Second).String())
	}
	if err := t.flush(); err != nil {
		return err
	}
	if len(page.Logins) < page.Total {
		fmt.Fprintf(c.stdout, "the %d oldest of %d logins in flight (%s); --limit N shows more\n",
			len(page.Logins), page.Total, formatStates(page.States))
	}
	return nil
}

// defaultLoginLimit is how many logins `login list` shows unless told.
const defaultLoginLimit = 1000

// formatStates is "waiting 3, challenged 1", by state name.
func formatStates(states map[string]int) string {
	parts := make([]string, 0, len(states))
	for _, s := range slices.Sorted(maps.Keys(states)) {
		parts = append(parts, fmt.Sprintf("%s %d", s, states[s]))
	}
	return strings.Join(parts, ", ")
}

// auditUsers prints the matching records counted by user, and how many
// users that is (docs/operations.md "Rolling out": who has not enrolled).
func (c *cli) auditUsers(users []apitype.AuditUser, err error) error {
	if err != nil {
		return err
	}
	if c.json {
		return c.printJSON(map[string]any{"users": users})
	}
	t := c.table("USER", "RECORDS", "LAST")
	for _, u := range users {
		t.row(u.User, strconv.Itoa(u.Count), formatTime(u.Last))
	}
	if err := t.flush(); err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "%d users\n", len(users))
	return nil
}

// parseSince reads --since: a number of days ("7d"), a Go duration
// ("36h") back from now, or an RFC 3339 time.
func parseSince(s string, now time.Time) (time.Time, error) {
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n < 0 {
			return time.Time{}, fmt.Errorf("%q is not a number of days", s)
		}
		return now.AddDate(0, 0, -n), nil
	}
	if d, err := time.ParseDuration(s); err == nil && d >= 0 {
		return now.Add(-d), nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	return time.Time{}, errors.New("want 7d, 36h or an RFC 3339 time")
}
