package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/pushauth/pushauth/internal/username"
	"github.com/pushauth/pushauth/protocol/adminapi/apitype"
)

func (c *cli) userAdd(args []string) error {
	const usage = "user add NAME --password-stdin | --no-password"
	fs := c.flagSet(usage)
	fromStdin := fs.Bool("password-stdin", false, "")
	noPassword := fs.Bool("no-password", false, "")
	pos, err := c.parse(fs, args, usage, 1)
	if err != nil {
		return err
	}
	if err := checkUserName(usage, pos[0]); err != nil {
		return err
	}
	if *fromStdin == *noPassword {
		return usagef(usage, "user add: give the password with --password-stdin (one line on stdin), or pass "+
			"--no-password for a user who logs in with a token alone: the default policy (method=password+token) "+
			"never lets a user without a password in")
	}
	password := ""
	if *fromStdin {
		if password, err = readPassword(c.stdin); err != nil {
			return err
		}
	}
	api, err := c.client()
	if err != nil {
		return err
	}
	u, err := api.CreateUser(c.ctx(), pos[0], password)
	if err != nil {
		return err
	}
	if c.json {
		return c.printJSON(u)
	}
	note := "with a password"
	if !u.HasPassword {
		note = "without a password: only a policy with method=token lets them log in"
	}
	return c.printf("created user %s (%s)\n", u.Name, note)
}

// userList lists users; SOURCE says whether each is linked to the
// directory; --source local|directory shows only those.
func (c *cli) userList(args []string) error {
	const usage = "user list [--source local|directory]"
	fs := c.flagSet(usage)
	source := fs.String("source", "", "")
	if _, err := c.parse(fs, args, usage, 0); err != nil {
		return err
	}
	if *source != "" && *source != apitype.SourceLocal && *source != apitype.SourceDirectory {
		return usagef(usage, "user list: --source is local or directory, not %q", *source)
	}
	api, err := c.client()
	if err != nil {
		return err
	}
	users, err := api.UsersFrom(c.ctx(), *source)
	if err != nil {
		return err
	}
	if c.json {
		return c.printJSON(map[string]any{"users": users})
	}
	t := c.table("NAME", "SOURCE", "POLICY", "PASSWORD", "FAILURES", "LOCKED UNTIL", "CREATED")
	for _, u := range users {
		t.row(u.Name, u.Source, u.Policy, yesNo(u.HasPassword), fmt.Sprint(u.Failures), formatTimePtr(u.LockedUntil), formatTime(u.CreatedAt))
	}
	return t.flush()
}

// userDelete sends the name as given, even one checkUserName refuses: the
// server deletes a user stored under exactly that name before the rules.
func (c *cli) userDelete(args []string) error {
	pos, api, err := c.connect(args, "user delete NAME", 1)
	if err != nil {
		return err
	}
	if err := api.DeleteUser(c.ctx(), pos[0]); err != nil {
		return err
	}
	return c.done("deleted user %s\n", pos[0])
}

func (c *cli) userSetPassword(args []string) error {
	const usage = "user set-password NAME   (password: one line on stdin)"
	pos, api, err := c.connect(args, usage, 1)
	if err != nil {
		return err
	}
	if err := checkUserName(usage, pos[0]); err != nil {
		return err
	}
	password, err := readPassword(c.stdin)
	if err != nil {
		return err
	}
	if err := api.SetPassword(c.ctx(), pos[0], password); err != nil {
		return err
	}
	return c.done("set the password of user %s\n", pos[0])
}

func (c *cli) userSetPolicy(args []string) error {
	const usage = `user set-policy NAME POLICY   ("" clears it)`
	pos, api, err := c.connect(args, usage, 2)
	if err != nil {
		return err
	}
	if err := checkUserName(usage, pos[0]); err != nil {
		return err
	}
	u, err := api.SetUserPolicy(c.ctx(), pos[0], pos[1])
	if err != nil {
		return err
	}
	switch {
	case c.json:
		return c.printJSON(u)
	case u.Policy == "":
		return c.printf("user %s now uses the client's or the default policy\n", u.Name)
	}
	return c.printf("user %s now uses policy %s\n", u.Name, u.Policy)
}

func (c *cli) userUnlock(args []string) error {
	const usage = `user unlock NAME`
	pos, api, err := c.connect(args, usage, 1)
	if err != nil {
		return err
	}
	if err := checkUserName(usage, pos[0]); err != nil {
		return err
	}
	u, err := api.UnlockUser(c.ctx(), pos[0])
	if err != nil {
		return err
	}
	if c.json {
		return c.printJSON(u)
	}
	return c.printf("user %s unlocked\n", u.Name)
}

// checkUserName refuses, as a usage error and before any API call, a user
// name the server would refuse (username.Normalize, the rule behind
// auth.NormalizeUserName): look-alike letters of another script, invisible
// characters, '/', and so on.
func checkUserName(usage, name string) error {
	if _, err := username.Normalize(name); err != nil {
		return usagef(usage, "%v", err)
	}
	return nil
}

// readPassword reads one line (without its line ending) from r.
func readPassword(r io.Reader) (string, error) {
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read password from standard input: %w", err)
	}
	password := strings.TrimRight(line, "\r\n")
	if password == "" {
		return "", errors.New("no password on standard input (one line expected)")
	}
	return password, nil
}
