package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"net/url"
	"os"
	"slices"
	"strings"

	clihelp "github.com/pushauth/pushauth/internal/cli"
	"github.com/pushauth/pushauth/protocol/adminapi/adminclient"
)

// Where the admin API is when nothing says otherwise.
const (
	defaultAdminURL   = "http://127.0.0.1:8443"
	envAdminURL       = "PUSHAUTH_ADMIN_URL"
	envAdminToken     = "PUSHAUTH_ADMIN_TOKEN"
	envAdminTokenFile = "PUSHAUTH_ADMIN_TOKEN_FILE"
)

// errNoToken says where the admin token is when none was given.
var errNoToken = errors.New("no admin token: pass --token-file FILE or --token, or set " + envAdminTokenFile +
	" or " + envAdminToken + "; a server without admin_api.token generates one into admin.token in its data_dir " +
	"(./data/admin.token with the example config, /var/lib/pushauth/admin.token with the packaged one)")

// cli is one pushctl invocation.
type cli struct {
	stdin  io.Reader
	stdout io.Writer
	getenv func(string) string

	adminURL  string
	token     string
	tokenFile string
	json      bool

	// stop, when set, replaces the signals that end "audit --follow" (tests).
	stop func(context.Context) (context.Context, context.CancelFunc)
}

// commandFunc runs a subcommand with the arguments after its name.
type commandFunc func(args []string) error

func (c *cli) commands() map[string]map[string]commandFunc {
	return map[string]map[string]commandFunc{
		"user": {
			"add": c.userAdd, "list": c.userList, "delete": c.userDelete,
			"set-password": c.userSetPassword, "set-policy": c.userSetPolicy,
			"unlock": c.userUnlock, "search": c.userSearch,
		},
		"token": {
			"program": c.tokenProgram, "activate": c.tokenActivate, "link-onelogin": c.tokenLinkOneLogin,
			"list": c.tokenList, "delete": c.tokenDelete,
		},
		"directory": {
			"test": c.directoryTest,
		},
		"bypass":      {"issue": c.bypassIssue, "list": c.bypassList, "revoke": c.bypassRevoke},
		"admin-token": {"create": c.adminTokenCreate, "list": c.adminTokenList, "revoke": c.adminTokenRevoke},
		"policy":      {"set": c.policySet, "show": c.policyShow, "list": c.policyList},
		"login":       {"list": c.loginList},
		"enrollment":  {"open": c.enrollmentOpen, "close": c.enrollmentClose, "list": c.enrollmentList},
		"cluster":     {"status": c.clusterStatus},
		"provider":    {"list": c.providerList},
		"client":      {"list": c.clientList},
	}
}

// dispatch parses the global flags and runs the command.
func (c *cli) dispatch(args []string) error {
	if len(args) > 0 && clihelp.IsVersion(args[0]) {
		args = []string{"version"}
	}
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
		fmt.Fprint(c.stdout, help())
		return nil
	case "version":
		fmt.Fprintln(c.stdout, clihelp.Version("pushctl"))
		return nil
	case "audit":
		return c.audit(args[1:])
	case "health":
		return c.health(args[1:])
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
	fs.StringVar(&c.tokenFile, "token-file", c.tokenFile, "")
	fs.BoolVar(&c.json, "json", c.json, "")
	return fs
}

// connect parses a command without flags of its own that takes want
// arguments, and returns them with an API client.
func (c *cli) connect(args []string, usage string, want int) ([]string, *adminclient.Client, error) {
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
		fmt.Fprint(c.stdout, help())
		return err
	}
	return usagef(usage, "%v", err)
}

// client returns an admin API client for the chosen server and token.
func (c *cli) client() (*adminclient.Client, error) {
	base, err := c.baseURL()
	if err != nil {
		return nil, err
	}
	token, err := c.adminToken()
	if err != nil {
		return nil, err
	}
	if token == "" {
		return nil, errNoToken
	}
	return adminclient.New(base, token, nil), nil
}

// baseURL is the admin API's base URL: --admin-url, else
// $PUSHAUTH_ADMIN_URL, else the default.
func (c *cli) baseURL() (string, error) {
	base := firstNonEmpty(c.adminURL, c.getenv(envAdminURL), defaultAdminURL)
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("admin URL %q is not an http:// or https:// URL", base)
	}
	return base, nil
}

// adminToken is the bearer token: --token, else the file of --token-file,
// else $PUSHAUTH_ADMIN_TOKEN, else the file of $PUSHAUTH_ADMIN_TOKEN_FILE;
// "" when none is given.
func (c *cli) adminToken() (string, error) {
	switch {
	case c.token != "":
		return c.token, nil
	case c.tokenFile != "":
		return readTokenFile(c.tokenFile)
	case c.getenv(envAdminToken) != "":
		return c.getenv(envAdminToken), nil
	case c.getenv(envAdminTokenFile) != "":
		return readTokenFile(c.getenv(envAdminTokenFile))
	}
	return "", nil
}

// readTokenFile reads a token file, trimming surrounding white space.
func readTokenFile(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("read admin token: %w", err)
	}
	tok := strings.TrimSpace(string(b))
	if tok == "" {
		return "", fmt.Errorf("admin token file %s is empty", path)
	}
	return tok, nil
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
