package main

import (
	"time"
)

func (c *cli) audit(args []string) error {
	const usage = "audit [--user NAME] [--limit N]"
	fs := c.flagSet(usage)
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
	records, err := api.Audit(c.ctx(), *user, *limit)
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
		t.row(formatTime(r.Time), r.Node, r.User, r.Client, r.Agent, r.Token, r.Provider, r.Outcome, r.Reason, reported,
			(time.Duration(r.DurationMS) * time.Millisecond).String())
	}
	return t.flush()
}

func (c *cli) loginList(args []string) error {
	_, api, err := c.connect(args, "login list", 0)
	if err != nil {
		return err
	}
	logins, err := api.Logins(c.ctx())
	if err != nil {
		return err
	}
	if c.json {
		return c.printJSON(map[string]any{"logins": logins})
	}
	t := c.table("USER", "CLIENT", "STATE", "AGE")
	for _, l := range logins {
		t.row(l.User, l.Client, l.State, (time.Duration(l.AgeMS) * time.Millisecond).Round(time.Second).String())
	}
	return t.flush()
}
