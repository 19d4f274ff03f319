// Command pushwebdemo runs pushweb in front of pushauthd on loopback, with
// this terminal as the user's phone (make demo-web):
//
//	go run ./tools/pushwebdemo [--pushweb PATH] [--listen 127.0.0.1:8088] [--answer ask|approve|deny|ignore]
//
// It starts pushauthd in-process (a throw-away data directory, an isapi
// client for pushweb with a "token" policy, NOTIFICATIONTIMEOUT 20 s),
// creates the user "demo" with a soft token activated by a simulated phone,
// starts the pushweb binary at PATH against it (without --pushweb, one it
// builds into a temporary directory, never into ./bin), and prints the URL
// to open.
// Each notification for demo shows up here: a approves, d denies, Enter
// lets it time out; c prints the current passcode for "Sign in with
// another option". It also prints an activation link of a second user to
// open in the browser (the activation page with its QR code). Ctrl-C stops
// everything and removes the data directory.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/pushauth/pushauth/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, nil)
	stop()
	os.Exit(code)
}

// options is the command line.
type options struct {
	pushweb string
	listen  string
	answer  string
	goCmd   string // the go command that builds pushweb when pushweb is ""
}

func command(fs *flag.FlagSet) cli.Command {
	return cli.Command{
		Name:    "pushwebdemo",
		Summary: "pushweb in front of pushauthd on loopback, this terminal as the phone (make demo-web)",
		Usage:   []string{"[--pushweb PATH] [--listen ADDR] [--answer ask|approve|deny|ignore]"},
		Flags:   fs,
	}
}

// run is the whole program. ready, when not nil, gets pushweb's URL.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, ready chan<- string) int {
	fs := flag.NewFlagSet("pushwebdemo", flag.ContinueOnError)
	var o options
	fs.StringVar(&o.pushweb, "pushweb", "", "the pushweb binary to run; without it, one built into a temporary directory")
	fs.StringVar(&o.goCmd, "go", "go", "the go command that builds pushweb when --pushweb is not given")
	fs.StringVar(&o.listen, "listen", "127.0.0.1:8088", "pushweb's `ADDR`")
	fs.StringVar(&o.answer, "answer", "ask", "what the phone answers: ask (this terminal), approve, deny or ignore")
	cmd := command(fs)
	if code, done := cmd.Parse(args, nil, stdout, stderr); done {
		return code
	}
	if o.answer != "ask" && o.answer != "approve" && o.answer != "deny" && o.answer != "ignore" {
		return cmd.UsageError(stderr, "--answer must be ask, approve, deny or ignore")
	}
	if err := demo(ctx, o, stdin, stdout, ready); err != nil {
		fmt.Fprintf(stderr, "pushwebdemo: %v\n", err)
		return cli.ExitError
	}
	return cli.ExitOK
}
