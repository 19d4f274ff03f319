package main

import (
	"fmt"
	"strings"

	"github.com/pushauth/pushauth/protocol/adminapi/apitype"
)

// keyReplyAttributes is the policy setting that is a list (the admin
// API's; pushctl does not link auth).
const keyReplyAttributes = "reply_attributes"

func (c *cli) policySet(args []string) error {
	const usage = "policy set NAME key=value... (reply_attributes=\"Name: value\" once per attribute)"
	pos, err := c.parse(c.flagSet(usage), args, usage, -1)
	if err != nil {
		return err
	}
	if len(pos) < 2 {
		return usagef(usage, "policy set: want a policy name and at least one key=value")
	}
	settings, err := policySettings(pos[1:])
	if err != nil {
		return usagef(usage, "%v", err)
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

// policySettings turns key=value arguments into the admin API's
// settings. reply_attributes may come again and again, one attribute
// each, and becomes a list; reply_attributes= alone clears the list.
func policySettings(args []string) (map[string]any, error) {
	settings := make(map[string]any, len(args))
	var attrs []string
	for _, kv := range args {
		key, value, ok := strings.Cut(kv, "=")
		if !ok || key == "" {
			return nil, fmt.Errorf("policy set: %q is not key=value", kv)
		}
		if strings.EqualFold(key, keyReplyAttributes) {
			if value != "" {
				attrs = append(attrs, value)
			}
			settings[keyReplyAttributes] = attrs
			continue
		}
		settings[key] = value
	}
	if _, ok := settings[keyReplyAttributes]; ok && attrs == nil {
		settings[keyReplyAttributes] = []string{}
	}
	return settings, nil
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
		"REPLY ATTRIBUTES", "NEW USER", "SELF ENROLMENT", "ENROL OTP", "ENROL WINDOW")
	for _, p := range policies {
		name := p.Name
		if p.Builtin {
			name += " (built-in)"
		}
		t.row(name, onOff(p.Push), p.Method, fmt.Sprint(p.AttemptLimit), fmt.Sprint(p.LockoutFailures),
			fmt.Sprint(p.LockoutSeconds), fmt.Sprint(p.PushesPerMinute), onOff(p.NumberMatching), fmt.Sprint(len(p.ReplyAttributes)),
			p.NewUser, p.SelfEnrollment, onOff(p.SelfEnrollmentOTP), onOff(p.SelfEnrollmentWindow))
	}
	if err := t.flush(); err != nil {
		return err
	}
	return c.showReplyAttributes(policies)
}

// showReplyAttributes lists each policy's reply attributes under the
// table, one per line, as they are set.
func (c *cli) showReplyAttributes(policies []apitype.Policy) error {
	for _, p := range policies {
		if len(p.ReplyAttributes) == 0 {
			continue
		}
		if _, err := fmt.Fprintf(c.stdout, "\nreply attributes of %s:\n", p.Name); err != nil {
			return err
		}
		for _, a := range p.ReplyAttributes {
			if _, err := fmt.Fprintf(c.stdout, "  %s\n", a); err != nil {
				return err
			}
		}
	}
	return nil
}
