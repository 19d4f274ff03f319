package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/pushauth/pushauth/protocol/adminapi/adminclient"
	"github.com/pushauth/pushauth/protocol/adminapi/apitype"
)

func (c *cli) audit(args []string) error {
	const usage = "audit [--user NAME] [--client C] [--outcome O] [--reason R] [--node N] [--login ID] " +
		"[--since 7d|24h|RFC3339] [--until 24h|RFC3339] [--kind login|admin|all] [--users] [--limit N] [--follow]"
	fs := c.flagSet(usage)
	var f apitype.AuditFilter
	fs.StringVar(&f.Kind, "kind", "login", "")
	fs.StringVar(&f.User, "user", "", "")
	fs.StringVar(&f.Reason, "reason", "", "")
	fs.StringVar(&f.Client, "client", "", "")
	fs.StringVar(&f.Outcome, "outcome", "", "")
	fs.StringVar(&f.Node, "node", "", "")
	fs.StringVar(&f.Login, "login", "", "")
	since := fs.String("since", "", "")
	until := fs.String("until", "", "")
	byUser := fs.Bool("users", false, "")
	follow := fs.Bool("follow", false, "")
	fs.IntVar(&f.Limit, "limit", 0, "")
	if _, err := c.parse(fs, args, usage, 0); err != nil {
		return err
	}
	if f.Limit < 0 {
		return usagef(usage, "audit: --limit must be positive")
	}
	if *follow && *byUser {
		return usagef(usage, "audit: --follow and --users do not go together")
	}
	now := time.Now()
	for _, t := range []struct {
		flag, value string
		into        *time.Time
	}{{"since", *since, &f.Since}, {"until", *until, &f.Until}} {
		if t.value == "" {
			continue
		}
		at, err := parseSince(t.value, now)
		if err != nil {
			return usagef(usage, "audit: --%s: %v", t.flag, err)
		}
		*t.into = at
	}
	api, err := c.client()
	if err != nil {
		return err
	}
	switch {
	case *byUser:
		return c.auditUsers(api.AuditUsers(c.ctx(), f))
	case *follow:
		return c.followAudit(api, f)
	}
	records, err := api.AuditWhere(c.ctx(), f)
	if err != nil {
		return err
	}
	if c.json {
		return c.printJSON(map[string]any{"records": records})
	}
	t := c.auditTable()
	for _, r := range records {
		t.auditRow(r)
	}
	return t.flush()
}

// followAudit prints each new record as it is written (GET
// /v1/audit/stream) until interrupted: a table row each (flushed at
// once), or with --json one JSON object a line.
func (c *cli) followAudit(api *adminclient.Client, f apitype.AuditFilter) error {
	ctx, stop := c.interrupted()
	defer stop()
	t := c.auditTable()
	if !c.json {
		if err := t.flush(); err != nil {
			return err
		}
	}
	enc := json.NewEncoder(c.stdout)
	return api.FollowAudit(ctx, f, func(r apitype.AuditRecord) error {
		if c.json {
			return enc.Encode(r)
		}
		t.auditRow(r)
		return t.flush()
	})
}

// interrupted is c.ctx() ended by SIGINT or SIGTERM (or c.stop, in tests).
func (c *cli) interrupted() (context.Context, context.CancelFunc) {
	if c.stop != nil {
		return c.stop(c.ctx())
	}
	return signal.NotifyContext(c.ctx(), os.Interrupt, syscall.SIGTERM)
}

// auditTable is a table of audit records with its header.
func (c *cli) auditTable() *table {
	return c.table("TIME", "NODE", "USER", "CLIENT", "AGENT", "TOKEN", "PROVIDER", "OUTCOME", "REASON", "REPORTED", "PHONE", "DURATION")
}

// auditRow adds r to an auditTable.
func (t *table) auditRow(r apitype.AuditRecord) {
	reported := ""
	if r.Reported {
		reported = "yes" // "this wasn't me" (SPEC S5.4)
	}
	client, agent := r.Client, r.Agent
	if r.Admin != "" { // an operator's change: who, and which call
		client, agent = "admin:"+r.Admin, r.Action
	}
	phone := "" // no answer of the phone decided the login
	if r.PhoneMS > 0 {
		phone = (time.Duration(r.PhoneMS) * time.Millisecond).String()
	}
	t.row(formatTime(r.Time), r.Node, r.User, client, agent, r.Token, r.Provider, r.Outcome, r.Reason, reported,
		phone, (time.Duration(r.DurationMS) * time.Millisecond).String())
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
	t := c.table("USER", "CLIENT", "STATE", "AGE", "NODE")
	for _, l := range page.Logins {
		t.row(l.User, l.Client, l.State, (time.Duration(l.AgeMS) * time.Millisecond).Round(time.Second).String(), l.Node)
	}
	if err := t.flush(); err != nil {
		return err
	}
	if len(page.Logins) < page.Total {
		fmt.Fprintf(c.stdout, "the %d oldest of %d logins in flight (%s); --limit N shows more\n",
			len(page.Logins), page.Total, formatStates(page.States))
	}
	if len(page.Unanswered) > 0 { // a cluster member's logins are missing
		fmt.Fprintf(c.stdout, "no answer in time from %s: their logins are neither listed nor counted\n",
			strings.Join(page.Unanswered, ", "))
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
