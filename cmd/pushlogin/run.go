package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/pushauth/pushauth/internal/cli"
	"github.com/pushauth/pushauth/internal/radagent"
	"github.com/pushauth/pushauth/protocol/radius/radclient"
)

const (
	exitAccepted = cli.ExitOK
	exitRejected = cli.ExitError
	exitError    = cli.ExitUsage

	defaultServer  = "127.0.0.1:1812"
	defaultTimeout = 35 * time.Second
	// maxRetry is the longest pause between retransmissions of a request
	// the server has not answered; resends never cause a second push and
	// get the login's one reply (docs/behaviour.md S2.8).
	maxRetry = 5 * time.Second
)

// options is the command line after defaults and the environment.
type options struct {
	server         string
	secretFile     string
	user           string
	nasIdentifier  string
	callingStation string
	timeout        time.Duration
	remember       bool
}

// run is the whole program; it returns the exit status.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	fs := flag.NewFlagSet("pushlogin", flag.ContinueOnError)
	var o options
	fs.StringVar(&o.server, "server", "", "send to pushauthd's RADIUS socket at `HOST:PORT` (default $PUSHAUTH_RADIUS_SERVER, else "+defaultServer+")")
	fs.StringVar(&o.secretFile, "secret-file", "", "read the RADIUS shared secret from `FILE` (default $PUSHAUTH_RADIUS_SECRET_FILE)")
	fs.StringVar(&o.user, "user", "", "sign in as `NAME` without asking (default $PAM_USER)")
	fs.StringVar(&o.nasIdentifier, "nas-identifier", "", "send `ID` as NAS-Identifier (default the host name)")
	fs.StringVar(&o.callingStation, "calling-station", "", "send `ID` as Calling-Station-Id, which the phone shows (default $PAM_RHOST)")
	fs.DurationVar(&o.timeout, "timeout", defaultTimeout, "wait up to `D` for each reply; must exceed NOTIFICATIONTIMEOUT")
	fs.BoolVar(&o.remember, "remember-password", false, "reuse the password for a second attempt after a rejection (not shown)")
	version := cli.AddVersionFlag(fs)
	cmd := command(fs)
	if code, done := cmd.Parse(args, version, stdout, stderr); done {
		return code
	}
	if fs.NArg() > 0 {
		return cmd.UsageError(stderr, fmt.Sprintf("unexpected argument %q", fs.Arg(0)))
	}
	if o.timeout <= 0 {
		return cmd.UsageError(stderr, "--timeout must be positive")
	}
	if err := o.defaults(getenv); err != nil {
		return cmd.UsageError(stderr, err.Error())
	}
	secret, err := radagent.ReadSecret(o.secretFile)
	if err != nil {
		fmt.Fprintf(stderr, "pushlogin: %v\n", err)
		return exitError
	}
	client, err := radclient.Dial(o.server, "", secret)
	if err != nil {
		fmt.Fprintf(stderr, "pushlogin: %v\n", err)
		return exitError
	}
	defer client.Close()
	client.Retry = min(maxRetry, o.timeout)
	probe, err := radclient.Dial(o.server, "", secret)
	if err != nil {
		fmt.Fprintf(stderr, "pushlogin: %v\n", err)
		return exitError
	}
	defer probe.Close()
	probe.Retry = probeRetry
	a := &agent{opts: o, secret: secret, client: client, probe: probe, term: newTerminal(stdin, stdout), out: stdout}
	code, err := a.run(ctx)
	if err != nil {
		fmt.Fprintf(stderr, "pushlogin: %v\n", err)
	}
	return code
}

// defaults fills in what the command line left out from the environment.
func (o *options) defaults(getenv func(string) string) error {
	if o.server == "" {
		o.server = getenv("PUSHAUTH_RADIUS_SERVER")
	}
	if o.server == "" {
		o.server = defaultServer
	}
	o.server = radagent.ServerAddr(o.server)
	if o.secretFile == "" {
		o.secretFile = getenv("PUSHAUTH_RADIUS_SECRET_FILE")
	}
	if o.secretFile == "" {
		return errors.New("no shared secret: give --secret-file or set PUSHAUTH_RADIUS_SECRET_FILE")
	}
	if o.user == "" {
		o.user = getenv("PAM_USER")
	}
	if o.callingStation == "" {
		o.callingStation = getenv("PAM_RHOST")
	}
	if o.nasIdentifier == "" {
		if host, err := os.Hostname(); err == nil {
			o.nasIdentifier = host
		}
	}
	return nil
}
