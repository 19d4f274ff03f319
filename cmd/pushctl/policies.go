package main

import (
	"fmt"
	"strings"

	"github.com/pushauth/pushauth/protocol/adminapi/apitype"
)

func (c *cli) policySet(args []string) error {
	const usage = "policy set NAME key=value..."
	pos, err := c.parse(c.flagSet(usage), args, usage, -1)
	if err != nil {
		return err
	}
	if len(pos) < 2 {
		return usagef(usage, "policy set: want a policy name and at least one key=value")
	}
	settings := make(map[string]string, len(pos)-1)
	for _, kv := range pos[1:] {
		key, value, ok := strings.Cut(kv, "=")
		if !ok || key == "" {
			return usagef(usage, "policy set: %q is not key=value", kv)
		}
		settings[key] = value
	}
	api, err := c.client()
	if err != nil {
		return err
	}
	p, err := api.SetPolicy(c.ctx(), pos[0], settings)
	if err != nil {
		return err
	}
	return c.showPolicies(*p)
}

func (c *cli) policyShow(args []string) error {
	pos, api, err := c.connect(args, "policy show NAME", 1)
	if err != nil {
		return err
	}
	p, err := api.Policy(c.ctx(), pos[0])
	if err != nil {
		return err
	}
	return c.showPolicies(*p)
}

func (c *cli) policyList(args []string) error {
	_, api, err := c.connect(args, "policy list", 0)
	if err != nil {
		return err
	}
	policies, err := api.Policies(c.ctx())
	if err != nil {
		return err
	}
	if c.json {
		return c.printJSON(map[string]any{"policies": policies})
	}
	return c.showPolicies(policies...)
}

// showPolicies prints one policy as JSON or any number as a table.
func (c *cli) showPolicies(policies ...apitype.Policy) error {
	if c.json && len(policies) == 1 {
		return c.printJSON(policies[0])
	}
	t := c.table("NAME", "PUSH", "METHOD", "ATTEMPT LIMIT", "LOCKOUT FAILURES", "LOCKOUT SECONDS", "PUSHES/MIN", "NUMBER MATCHING",
		"NEW USER", "SELF ENROLMENT", "ENROL OTP", "ENROL WINDOW")
	for _, p := range policies {
		name := p.Name
		if p.Builtin {
			name += " (built-in)"
		}
		t.row(name, onOff(p.Push), p.Method, fmt.Sprint(p.AttemptLimit), fmt.Sprint(p.LockoutFailures),
			fmt.Sprint(p.LockoutSeconds), fmt.Sprint(p.PushesPerMinute), onOff(p.NumberMatching),
			p.NewUser, p.SelfEnrollment, onOff(p.SelfEnrollmentOTP), onOff(p.SelfEnrollmentWindow))
	}
	return t.flush()
}
