package main

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

func (c *cli) audit(args []string) error {
	const usage = "audit [--user NAME] [--limit N] [--kind login|admin|all]"
	fs := c.flagSet(usage)
	kind := fs.String("kind", "login", "")
	user := fs.String("user", "", "")
	limit := fs.Int("limit", 0, "")
	if _, err := c.parse(fs, args, usage, 0); err != nil {
		return err
	}
	if *limit < 0 {
		return usagef(usage, "audit: --limit must be positive")
	}
	api, err := c.client()
	if err != nil {
		return err
	}
	records, err := api.AuditOf(c.ctx(), *kind, *user, *limit)
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
