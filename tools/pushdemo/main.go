// Command pushdemo tells pushauth's story on loopback, as a readable
// transcript: it starts the server in-process on the embedded example
// config (on 127.0.0.1 sockets it binds itself, with a 3-second
// NOTIFICATIONTIMEOUT), programs a user with an OATH token and a soft token
// activated by a simulated phone, then drives four logins with the
// project's RADIUS client:
//
//	a. approved on the phone → Access-Accept
//	b. denied on the phone → Access-Reject
//	c. the phone stays silent → Access-Challenge; "push" → approved → Access-Accept
//	d. a passcode-only user: password → Access-Challenge → TOTP code → Access-Accept
//
// and prints the audit trail. It exits 0 when every reply was the expected
// one, 1 otherwise. Server logs go to a file in the temporary data
// directory, or to stderr with --verbose.
//
//	go run ./tools/pushdemo [--verbose] [--help] [--version]
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/pushauth/pushauth/internal/cli"
)

// command is pushdemo's help.
func command(fs *flag.FlagSet) cli.Command {
	return cli.Command{
		Name:    "pushdemo",
		Summary: "pushauth's story on loopback, as a transcript (make demo)",
		Usage:   []string{"[--verbose]", "--version"},
		About: `pushdemo starts pushauthd in-process on the embedded example config, with
a throw-away data directory and a 3-second NOTIFICATIONTIMEOUT, creates a
user with an OATH token and a soft token activated by a simulated phone,
and tells four stories: a login approved on the phone, one denied, one
where the phone stays silent (challenge, "push", approved), and a passcode
login; when eapol_test (Debian eapoltest) is installed, a fifth: a Wi-Fi
login over EAP-TTLS/PAP approved on the phone. Then it prints the audit
trail.`,
		Flags: fs,
		Sections: []cli.Section{{Title: "Exit status", Items: []cli.Item{
			{Term: "0", Text: "every reply was the expected one"},
			{Term: "1", Text: "a story went wrong (the server's last log lines follow)"},
			{Term: "2", Text: "wrong command line"},
			{Term: "130", Text: "interrupted"},
		}}},
	}
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// demoTimeout bounds the whole demo.
const demoTimeout = 2 * time.Minute

// run is the whole program; it returns the exit code.
func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("pushdemo", flag.ContinueOnError)
	verbose := fs.Bool("verbose", false, "write the server's logs to stderr")
	version := cli.AddVersionFlag(fs)
	cmd := command(fs)
	if code, done := cmd.Parse(args, version, stdout, stderr); done {
		return code
	}
	if fs.NArg() > 0 {
		return cmd.UsageError(stderr, "unexpected argument "+fs.Arg(0))
	}
	// Ctrl-C ends the demo early but still removes its data dir.
	sigCtx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(sigCtx, demoTimeout)
	defer cancel()
	var logs io.Writer // nil: a file in the data dir
	if *verbose {
		logs = stderr
	}
	env, err := start(ctx, logs)
	if err != nil {
		fmt.Fprintf(stderr, "pushdemo: %v\n", err)
		return 1
	}
	defer env.stop()
	d := newDemo(ctx, env, stdout)
	return report(d.play(), d.told, sigCtx, env, stdout, stderr)
}

// report prints how the demo ended and returns the exit code.
func report(err error, told int, sigCtx context.Context, env *env, stdout, stderr io.Writer) int {
	switch {
	case err == nil:
		fmt.Fprintf(stdout, "\ndemo finished: %d stories, all as expected\n", told)
		return 0
	case sigCtx.Err() != nil:
		fmt.Fprintln(stdout, "\ndemo interrupted")
		return 130
	}
	fmt.Fprintf(stdout, "\ndemo FAILED: %v\n", err)
	env.dumpLogTail(stderr)
	return 1
}
