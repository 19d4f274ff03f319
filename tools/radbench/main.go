// Command radbench is pushauth's loopback load generator. It starts a
// pushauthd as a separate process (so its memory can be measured), writes
// its config, provisions users through the admin API, drives logins over
// RADIUS from many client sockets, answers pushes as a fleet of simulated
// poll-mode phones through the device API, and prints a result table with
// the server's peak RSS.
//
//	radbench passcode        --build --concurrency 1,16,256 --duration 10s --users 1024
//	radbench push-wait       --build --logins 100000
//	radbench push-throughput --build --concurrency 64 --duration 20s
//	radbench push-throughput --build --concurrency 1,16 --compare freeradius
//	radbench push-throughput --build --concurrency 16,64 --transport udp,tls
//	radbench eap-throughput  --build --concurrency 1,16 --duration 10s
//
// See docs/benchmarks.md for the measured figures.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/pushauth/pushauth/internal/cli"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// scenarioSummaries describes each scenario in one line, for the help.
func scenarioSummaries() []cli.Item {
	return []cli.Item{
		{Term: "passcode", Text: "password + OATH passcode logins at several concurrency levels"},
		{Term: "push-wait", Text: "N push logins waiting on phones at once, then a fleet approves them"},
		{Term: "push-throughput", Text: "push logins per second with a fleet approving without think time"},
		{Term: "eap-throughput", Text: "EAP-TTLS/PAP push logins per second beside PAP push logins, phones approving at once"},
		{Term: "freeradius", Text: "a private FreeRADIUS 3 alone: PAP requests per second (the peer of --compare freeradius)"},
	}
}

// command is radbench's help.
func command() cli.Command {
	return cli.Command{
		Name:    "radbench",
		Summary: "loopback load generator for pushauthd (docs/benchmarks.md)",
		Usage:   []string{"SCENARIO [flags]", "--version"},
		About:   "radbench SCENARIO --help lists the scenario's flags.",
		Sections: []cli.Section{
			{Title: "Scenarios", Items: scenarioSummaries()},
			{Title: "Exit status", Items: []cli.Item{
				{Term: "0", Text: "the scenario ran"}, {Term: "1", Text: "it failed"}, {Term: "2", Text: "wrong command line"},
			}},
		},
	}
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, command().Help())
		return 2
	}
	scenarios := map[string]func(context.Context, []string, io.Writer, io.Writer) error{
		"passcode":        runPasscode,
		"push-wait":       runPushWait,
		"push-throughput": runPushThroughput,
		"eap-throughput":  runEAPThroughput,
		"freeradius":      runFreeradius,
	}
	fn, ok := scenarios[args[0]]
	switch {
	case ok:
	case cli.IsHelp(args[0]):
		fmt.Fprint(stdout, command().Help())
		return 0
	case cli.IsVersion(args[0]):
		fmt.Fprintln(stdout, cli.Version("radbench"))
		return 0
	default:
		return command().UsageError(stderr, fmt.Sprintf("unknown scenario %q", args[0]))
	}
	raiseFileLimit(stderr)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := fn(ctx, args[1:], stdout, stderr)
	switch {
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		return 2
	case err != nil:
		fmt.Fprintf(stderr, "radbench %s: %v\n", args[0], err)
		return 1
	}
	return 0
}

// errUsage is a flag error already reported by the flag set.
var errUsage = errors.New("usage")

// parseFlags parses args, mapping flag errors to errUsage; -h prints the
// scenario's flags in the shared help style.
func parseFlags(fs *flag.FlagSet, args []string) error {
	fs.Usage = func() {
		name := strings.TrimPrefix(fs.Name(), "radbench ")
		summary := ""
		for _, it := range scenarioSummaries() {
			if it.Term == name {
				summary = it.Text
			}
		}
		sub := cli.Command{Name: fs.Name(), Summary: summary, Usage: []string{"[flags]"}, Flags: fs}
		fmt.Fprint(fs.Output(), sub.Help())
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(fs.Output(), "unexpected arguments: %s\n", strings.Join(fs.Args(), " "))
		return errUsage
	}
	return nil
}

// raiseFileLimit lifts the soft RLIMIT_NOFILE to the hard limit: radbench
// opens hundreds of UDP sockets and HTTP connections, and the server it
// starts inherits the limit.
func raiseFileLimit(stderr io.Writer) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return
	}
	if lim.Cur < lim.Max {
		lim.Cur = lim.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
			fmt.Fprintf(stderr, "radbench: cannot raise the open-file limit: %v\n", err)
		}
	}
}

// parseInts reads a comma-separated list of positive integers.
func parseInts(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("%q is not a list of positive integers", s)
		}
		out = append(out, n)
	}
	return out, nil
}

// header prints the run's context: machine and server settings.
func header(w io.Writer, scenario string, o serverOptions, extra ...string) {
	fmt.Fprintf(w, "radbench %s — %s\n", scenario, time.Now().UTC().Format(time.RFC3339))
	settings := fmt.Sprintf("NOTIFICATIONTIMEOUT=%d, %s, log level %s", o.notifTimeout, o.argonLabel(), o.logLevel)
	if len(o.env) > 0 {
		settings += ", env " + o.env.String()
	}
	pairs := []string{"machine", machine(), "host load", loadAvg(), "server", settings}
	kv(w, append(pairs, extra...)...)
}

// machine describes the host: CPUs, memory and Go version.
func machine() string {
	cpus := 0
	model := ""
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(line, "processor") {
				cpus++
			}
			if model == "" && strings.HasPrefix(line, "model name") {
				model = strings.TrimSpace(line[strings.IndexByte(line, ':')+1:])
			}
		}
	}
	mem := ""
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		f := strings.Fields(string(b))
		if len(f) > 1 {
			kb, _ := strconv.ParseUint(f[1], 10, 64)
			mem = fmt.Sprintf(", %.1f GiB", float64(kb)/(1<<20))
		}
	}
	return fmt.Sprintf("%d CPUs (%s)%s, %s", cpus, model, mem, runtime.Version())
}

// loadAvg is the host's load average (other processes share the CPUs).
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return fmt.Sprintf("%s %s %s (1, 5, 15 min)", f[0], f[1], f[2])
}
