package main

import (
	"time"
)

// Enrolment windows (docs/operations.md "Rolling out").

func (c *cli) enrollmentOpen(args []string) error {
	const usage = "enrollment open --group all|DN --until 7d|36h|RFC3339"
	fs := c.flagSet(usage)
	group := fs.String("group", "", "")
	until := fs.String("until", "", "")
	if _, err := c.parse(fs, args, usage, 0); err != nil {
		return err
	}
	if *group == "" || *until == "" {
		return usagef(usage, "enrollment open: --group and --until are required")
	}
	end, err := parseUntil(*until, time.Now())
	if err != nil {
		return usagef(usage, "enrollment open: --until: %v", err)
	}
	api, err := c.client()
	if err != nil {
		return err
	}
	w, err := api.OpenEnrollment(c.ctx(), *group, end)
	if err != nil {
		return err
	}
	if c.json {
		return c.printJSON(w)
	}
	t := c.table("GROUP", "OPEN UNTIL")
	t.row(w.Group, formatTime(w.Until))
	return t.flush()
}

func (c *cli) enrollmentClose(args []string) error {
	const usage = "enrollment close --group all|DN"
	fs := c.flagSet(usage)
	group := fs.String("group", "", "")
	if _, err := c.parse(fs, args, usage, 0); err != nil {
		return err
	}
	if *group == "" {
		return usagef(usage, "enrollment close: --group is required")
	}
	api, err := c.client()
	if err != nil {
		return err
	}
	return api.CloseEnrollment(c.ctx(), *group)
}

func (c *cli) enrollmentList(args []string) error {
	_, api, err := c.connect(args, "enrollment list", 0)
	if err != nil {
		return err
	}
	windows, err := api.EnrollWindows(c.ctx())
	if err != nil {
		return err
	}
	if c.json {
		return c.printJSON(map[string]any{"windows": windows})
	}
	t := c.table("GROUP", "OPEN UNTIL")
	for _, w := range windows {
		t.row(w.Group, formatTime(w.Until))
	}
	return t.flush()
}

// parseUntil reads --until: a time from now ("7d", "36h") or an RFC 3339
// time.
func parseUntil(s string, now time.Time) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	back, err := parseSince(s, now) // "7d" is 7 days back: mirror it forward
	if err != nil {
		return time.Time{}, err
	}
	return now.Add(now.Sub(back)), nil
}
