// Command softtoken simulates a phone running the pushauth soft token. It
// speaks only the public device API (docs/device-api.md), through
// protocol/deviceapi/deviceclient:
//
//	softtoken activate URL [--platform android] [--os-version 14] [--push-kind poll] [--state FILE]
//	softtoken code [--state FILE]
//	softtoken watch --answer approve|deny|ignore|ask [--count N] [--state FILE]
//
// activate registers a new device key for the activation link an operator
// handed out and writes the device state (private key, OTP seed, server key)
// to FILE (default ./softtoken.json, mode 0600). code prints the current
// one-time password. watch long-polls for pushes, checks the server's
// signature on each, shows who is logging in from where, and answers.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/pushauth/pushauth/internal/cli"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// Exit codes.
const (
	exitOK    = cli.ExitOK
	exitError = cli.ExitError
	exitUsage = cli.ExitUsage
)

// env is what a command may use: its streams and the context that ends on
// interrupt.
type env struct {
	ctx    context.Context
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
}

// run is the whole program; it returns the exit code.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		return command().UsageError(stderr, "missing command")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	e := &env{ctx: ctx, stdin: stdin, stdout: stdout, stderr: stderr}
	commands := map[string]func(*env, []string) error{
		"activate": cmdActivate,
		"code":     cmdCode,
		"watch":    cmdWatch,
	}
	cmd, ok := commands[args[0]]
	switch {
	case ok:
	case cli.IsHelp(args[0]):
		fmt.Fprint(stdout, command().Help())
		return exitOK
	case cli.IsVersion(args[0]):
		fmt.Fprintln(stdout, cli.Version("softtoken"))
		return exitOK
	default:
		return command().UsageError(stderr, fmt.Sprintf("unknown command %q", args[0]))
	}
	return exitCode(cmd(e, args[1:]), stderr)
}

// usageError is a mistake on the command line.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

func exitCode(err error, stderr io.Writer) int {
	var ue *usageError
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, flag.ErrHelp):
		return exitOK
	case errors.As(err, &ue):
		return command().UsageError(stderr, err.Error())
	}
	fmt.Fprintf(stderr, "softtoken: %v\n", err)
	return exitError
}

// parseFlags parses flags that may come before, between or after the
// positional arguments, which it returns.
func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, usagef("%v", err)
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// newFlagSet is a subcommand's flag set; -h prints the subcommand's flags
// in the shared help style.
func newFlagSet(name string, e *env) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {
		sub := cli.Command{Name: "softtoken", Summary: subcommandSummary(name), Usage: subcommandUsage(name), Flags: fs}
		fmt.Fprint(e.stdout, sub.Help())
	}
	return fs
}
