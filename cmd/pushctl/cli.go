package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"net/url"
	"slices"
	"strings"

	"github.com/pushauth/pushauth/protocol/adminapi"
)

// Where the admin API is when nothing says otherwise.
const (
	defaultAdminURL = "http://127.0.0.1:8443"
	envAdminURL     = "PUSHAUTH_ADMIN_URL"
	envAdminToken   = "PUSHAUTH_ADMIN_TOKEN"
)

const helpText = `pushctl manages a pushauth server through its admin API.

usage: pushctl [--admin-url URL] [--token TOKEN] [--json] COMMAND [ARGS]

Users:
  user add NAME [--password-stdin]     create a user (password: one line on stdin)
  user list                            list users
  user delete NAME                     delete a user and their tokens
  user set-password NAME               replace the password (one line on stdin)
  user set-policy NAME POLICY          assign a policy ("" clears it)

  NAME is checked before the call: no control or invisible characters, no
  letters of two of the Latin, Cyrillic and Greek scripts, no '/', '?', '#',
  '%', not "." or "..", at most 253 bytes. "user delete" and "token list"
  also take a name stored before these rules.

Tokens:
  token program NAME --type oath|softtoken|gridsure
        [--algorithm totp|hotp] [--pip 0,6,12,18] [--serial S] [--qr-png FILE]
                                       program a token; its secret is shown only now
  token activate SERIAL [--qr-png FILE]
                                       new activation code for a soft token
  token link-onelogin NAME --onelogin-user ID [--device ID]
                                       link a user to OneLogin Protect (push first)
  token list NAME                      list a user's tokens
  token delete SERIAL                  delete a token

Policies:
  policy set NAME key=value...         create or change a policy (keys: push, method,
                                       attempt_limit, lockout_failures, lockout_seconds,
                                       pushes_per_minute)
  policy show NAME                     show one policy
  policy list                          list policies

Operation:
  audit [--user NAME] [--limit N]      finished logins, newest first
  login list                           logins in flight

Global flags (also accepted after the command):
  --admin-url URL   admin API (default $PUSHAUTH_ADMIN_URL or ` + defaultAdminURL + `)
  --token TOKEN     bearer token (default $PUSHAUTH_ADMIN_TOKEN)
  --json            print the API's JSON instead of tables
`

// cli is one pushctl invocation.
type cli struct {
	stdin  io.Reader
	stdout io.Writer
	getenv func(string) string

	adminURL string
	token    string
	json     bool
}

// commandFunc runs a subcommand with the arguments after its name.
type commandFunc func(args []string) error

func (c *cli) commands() map[string]map[string]commandFunc {
	return map[string]map[string]commandFunc{
		"user": {
			"add": c.userAdd, "list": c.userList, "delete": c.userDelete,
			"set-password": c.userSetPassword, "set-policy": c.userSetPolicy,
		},
		"token": {
			"program": c.tokenProgram, "activate": c.tokenActivate, "link-onelogin": c.tokenLinkOneLogin,
			"list": c.tokenList, "delete": c.tokenDelete,
		},
		"policy": {"set": c.policySet, "show": c.policyShow, "list": c.policyList},
		"login":  {"list": c.loginList},
	}
}

// dispatch parses the global flags and runs the command.
func (c *cli) dispatch(args []string) error {
	fs := c.flagSet("")
	if err := fs.Parse(args); err != nil {
		return c.flagError(err, "COMMAND [ARGS]")
	}
	args = fs.Args()
	if len(args) == 0 {
		return usagef("COMMAND [ARGS]", "missing command (run 'pushctl help')")
	}
	switch args[0] {
	case "help":
		fmt.Fprint(c.stdout, helpText)
		return nil
	case "audit":
		return c.audit(args[1:])
	}
	group, ok := c.commands()[args[0]]
	if !ok {
		return usagef("", "unknown command %q (run 'pushctl help')", args[0])
	}
	names := slices.Sorted(maps.Keys(group))
	if len(args) < 2 {
		return usagef("", "%s: missing subcommand, one of %s", args[0], strings.Join(names, ", "))
	}
	run, ok := group[args[1]]
	if !ok {
		return usagef("", "%s: unknown subcommand %q, want one of %s", args[0], args[1], strings.Join(names, ", "))
	}
	return run(args[2:])
}

// flagSet returns a flag set for the command of usage (e.g. "user add NAME
// [--password-stdin]") with the global flags, so that they work before and
// after the command.
func (c *cli) flagSet(usage string) *flag.FlagSet {
	fs := flag.NewFlagSet(commandName(usage), flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&c.adminURL, "admin-url", c.adminURL, "")
	fs.StringVar(&c.token, "token", c.token, "")
	fs.BoolVar(&c.json, "json", c.json, "")
	return fs
}

// connect parses a command without flags of its own that takes want
// arguments, and returns them with an API client.
func (c *cli) connect(args []string, usage string, want int) ([]string, *adminapi.Client, error) {
	pos, err := c.parse(c.flagSet(usage), args, usage, want)
	if err != nil {
		return nil, nil, err
	}
	api, err := c.client()
	return pos, api, err
}

// parse parses a subcommand's flags, which may come before, between or
// after its arguments, and checks that it got want arguments.
func (c *cli) parse(fs *flag.FlagSet, args []string, usage string, want int) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, c.flagError(err, usage)
		}
		rest := fs.Args()
		if len(rest) == 0 {
			break
		}
		if len(args) > len(rest) && args[len(args)-len(rest)-1] == "--" {
			positional = append(positional, rest...) // everything after "--"
			break
		}
		positional, args = append(positional, rest[0]), rest[1:]
	}
	if want >= 0 && len(positional) != want {
		return nil, usagef(usage, "%s: want %d argument(s), got %d", fs.Name(), want, len(positional))
	}
	return positional, nil
}

// flagError turns a flag parse error into a usage error; -h prints the
// help and ends the command with status 0.
func (c *cli) flagError(err error, usage string) error {
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(c.stdout, helpText)
		return err
	}
	return usagef(usage, "%v", err)
}

// client returns an admin API client for the chosen server and token.
func (c *cli) client() (*adminapi.Client, error) {
	base := firstNonEmpty(c.adminURL, c.getenv(envAdminURL), defaultAdminURL)
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("admin URL %q is not an http:// or https:// URL", base)
	}
	token := firstNonEmpty(c.token, c.getenv(envAdminToken))
	if token == "" {
		return nil, errors.New("no admin token: pass --token or set " + envAdminToken)
	}
	return adminapi.NewClient(base, token, nil), nil
}

// ctx is the context of API calls (the client has its own timeout).
func (c *cli) ctx() context.Context { return context.Background() }

func firstNonEmpty(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}

// commandName returns the leading lower-case words of a usage line:
// "user add" of "user add NAME [--password-stdin]".
func commandName(usage string) string {
	var words []string
	for _, w := range strings.Fields(usage) {
		if strings.ToLower(w) != w || strings.ContainsAny(w, "[-(\"") {
			break
		}
		words = append(words, w)
	}
	return strings.Join(words, " ")
}
