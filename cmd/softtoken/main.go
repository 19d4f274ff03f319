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
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// Exit codes.
const (
	exitOK    = 0
	exitError = 1
	exitUsage = 2
)

const usage = `usage:
  softtoken activate URL [--platform android|ios] [--os-version V] [--push-kind poll|apns|fcm]
                         [--push-token T] [--state FILE] [--force]
  softtoken code  [--state FILE]
  softtoken watch --answer approve|deny|ignore|ask [--count N] [--state FILE]
`

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
		fmt.Fprint(stderr, usage)
		return exitUsage
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
	if !ok {
		if args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
			fmt.Fprint(stdout, usage)
			return exitOK
		}
		fmt.Fprintf(stderr, "softtoken: unknown command %q\n%s", args[0], usage)
		return exitUsage
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
		fmt.Fprintf(stderr, "softtoken: %v\n%s", err, usage)
		return exitUsage
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

func newFlagSet(name string, e *env) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	return fs
}
