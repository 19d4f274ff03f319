// Command pushctl is the operator CLI of pushauth: it manages users, tokens
// and policies and reads the audit and the logins in flight through the
// admin API (protocol/adminapi).
//
//	pushctl [--admin-url URL] [--token TOKEN] [--json] COMMAND [ARGS]
//
// The server is --admin-url, else $PUSHAUTH_ADMIN_URL, else
// http://127.0.0.1:8443; the bearer token is --token, else
// $PUSHAUTH_ADMIN_TOKEN (prefer the variable: arguments are visible to
// other local users). Run "pushctl help" for the commands.
//
// Exit status: 0 on success, 1 when the command failed (one line on
// standard error), 2 for a usage error.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv))
}

// run executes one pushctl invocation and returns its exit status.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	c := &cli{stdin: stdin, stdout: stdout, getenv: getenv}
	err := c.dispatch(args)
	var usage *usageError
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &usage):
		fmt.Fprintf(stderr, "pushctl: %s\n", usage.msg)
		if usage.usage != "" {
			fmt.Fprintf(stderr, "usage: pushctl %s\n", usage.usage)
		}
		return 2
	}
	fmt.Fprintf(stderr, "pushctl: %v\n", err)
	return 1
}

// usageError is a wrong command line (exit status 2).
type usageError struct {
	msg   string
	usage string // the command's synopsis, if known
}

func (e *usageError) Error() string { return e.msg }

func usagef(usage, format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...), usage: usage}
}
