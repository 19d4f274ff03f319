package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	layeh "layeh.com/radius"

	"github.com/pushauth/pushauth/protocol/adminapi/apitype"
	"github.com/pushauth/pushauth/protocol/radius/radclient"
)

// runPasscode measures password + passcode logins: Access-Request with the
// password → Access-Challenge → Access-Request with State and the OATH
// passcode → Access-Accept, at each concurrency level, once per password
// source (--password-source local,directory runs both, one after the
// other, each with a server of its own).
func runPasscode(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("radbench passcode", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var p passcodeRun
	p.so.register(fs)
	p.lf.register(fs, "1,16,256", 10*time.Second, time.Second)
	fs.IntVar(&p.users, "users", 1024, "users, each with a password and an OATH token (at least the highest concurrency)")
	fs.StringVar(&p.alg, "otp", "hotp", "OATH algorithm: hotp (per-user counter) or totp (each step once: ~3 logins per user per 30 s)")
	fs.IntVar(&p.provWorkers, "provision-workers", 8, "parallel admin API calls while provisioning")
	fs.IntVar(&p.perSocket, "per-socket", 128, "logins in flight per client socket (at most 256)")
	sources := fs.String("password-source", sourceLocal, "where passwords are checked: local (argon2id), directory (a private slapd\n"+
		"on loopback, Debian package slapd) or both, e.g. local,directory: one table each")
	var cmp compareFlags
	cmp.register(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	var err error
	if p.conc, err = p.lf.concurrency(); err != nil {
		return err
	}
	if p.alg != apitype.AlgorithmHOTP && p.alg != apitype.AlgorithmTOTP {
		return fmt.Errorf("--otp must be hotp or totp, not %q", p.alg)
	}
	if p.perSocket < 1 || p.perSocket > 256 {
		return fmt.Errorf("--per-socket must be 1..256")
	}
	list, err := parseSources(*sources)
	if err != nil {
		return err
	}
	if p.peer, err = cmp.runPeer(ctx, p.so, p.lf, p.conc, stdout, stderr); err != nil {
		return err
	}
	for i, source := range list {
		if i > 0 {
			fmt.Fprintln(stdout)
		}
		if err := p.run(ctx, source, stdout, stderr); err != nil {
			return fmt.Errorf("%s passwords: %w", source, err)
		}
	}
	return nil
}

// passcodeRun is the passcode scenario's settings.
type passcodeRun struct {
	so          serverOptions
	lf          levelFlags
	conc        []int
	users       int
	alg         string
	provWorkers int
	perSocket   int
	peer        *comparison // --compare: the peer's figures, or nil
}

// run measures every level with one password source.
func (p passcodeRun) run(ctx context.Context, source string, stdout, stderr io.Writer) error {
	so, local := p.so, source == sourceLocal
	if !local {
		dir, err := startDirectory(ctx, so.workDir, p.users, stderr)
		if err != nil {
			return err
		}
		defer dir.Close(so.keep)
		so.passwordSource, so.directoryYAML = sourceDirectory, dir.yaml()
	}
	srv, err := startServer(ctx, so, stderr)
	if err != nil {
		return err
	}
	defer srv.Stop()

	began := time.Now()
	list, err := provisionOATH(ctx, srv.Admin, p.users, p.alg, local, p.provWorkers, stderr)
	if err != nil {
		return fmt.Errorf("provision: %w", err)
	}
	provTime := time.Since(began)
	fmt.Fprintf(stderr, "provisioned %d users with %s tokens in %v\n", p.users, p.alg, provTime.Round(time.Millisecond))
	pool := make(chan *oathUser, len(list))
	for _, u := range list {
		pool <- u
	}
	mem0, _ := srv.Memory()

	header(stdout, "passcode", so,
		"login", fmt.Sprintf("password (%s) → Access-Challenge → %s passcode → Access-Accept; latency = first Access-Request to Access-Accept", so.argonLabel(), p.alg),
		"users", fmt.Sprintf("%d (provisioned in %v: %.0f users/s, server RSS after %s)", p.users, provTime.Round(time.Millisecond), float64(p.users)/provTime.Seconds(), mib(mem0.RSS)),
		"per level", p.lf.perLevel())
	var tb table
	tb.add("concurrency", "sockets", "logins", "logins/s", "p50 ms", "p90 ms", "p99 ms", "max ms", "server CPU/login", "server CPUs busy", "retransmits", "failures")
	var figs []levelFigures
	for _, c := range p.conc {
		fig, err := p.level(ctx, srv, pool, c, &tb, stderr)
		if err != nil {
			return err
		}
		figs = append(figs, fig)
	}
	tb.print(stdout)
	srv.printFooter(ctx, stdout)
	p.peer.print(stdout, "passcode login ("+source+" passwords)", figs)
	return nil
}

// level runs one concurrency level, adds its row to tb and returns its
// figures for --compare.
func (p passcodeRun) level(ctx context.Context, srv *serverProc, pool chan *oathUser, c int, tb *table, stderr io.Writer) (levelFigures, error) {
	if c > p.users {
		fmt.Fprintf(stderr, "warning: concurrency %d > %d users: workers share users and wait for one another\n", c, p.users)
	}
	sockets := (c + p.perSocket - 1) / p.perSocket
	rp, err := dialPool(srv.Radius, ddlSource, sockets, p.lf.retry)
	if err != nil {
		return levelFigures{}, err
	}
	defer rp.Close()
	sw := &serverWindow{srv: srv, window: p.lf.duration, profile: fmt.Sprintf("passcode-c%d.pprof", c)}
	res := level{concurrency: c, warmup: p.lf.warmup, measure: p.lf.duration, windowStart: sw.start, windowEnd: sw.end,
		login: func(ctx context.Context, w int) (time.Duration, string) {
			u := <-pool
			defer func() { pool <- u }()
			code, ok := u.code(time.Now())
			if !ok { // a TOTP user who used every step the server accepts now
				time.Sleep(10 * time.Millisecond)
				return 0, skipped
			}
			return passcodeLogin(ctx, rp.get(w), u, code, p.lf.timeout)
		}}.run(ctx)
	s := Summarize(res.latencies)
	tb.add(fmt.Sprint(c), fmt.Sprint(sockets), fmt.Sprint(s.N), fmt.Sprintf("%.1f", res.rate()),
		ms(s.P50), ms(s.P90), ms(s.P99), ms(s.Max), sw.cpuPerLogin(s.N), sw.cpuShare(res.window), sw.retransmits(), res.failures.String())
	fmt.Fprintf(stderr, "concurrency %d: %d logins, %.1f/s, p50 %s ms, p99 %s ms\n", c, s.N, res.rate(), ms(s.P50), ms(s.P99))
	return newFigures(c, res, s, sw.cpu1-sw.cpu0), ctx.Err()
}

// passcodeLogin does one two-round-trip login and returns its latency, or
// what went wrong.
func passcodeLogin(ctx context.Context, client *radclient.Client, u *oathUser, code string, timeout time.Duration) (time.Duration, string) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	t0 := time.Now()
	rc, state, err := exchange(ctx, client, u.name, u.password, "")
	if err != nil {
		return 0, "step 1 " + radiusErrorKind(err)
	}
	if rc != layeh.CodeAccessChallenge || state == "" {
		return 0, "step 1 " + rc.String()
	}
	rc, _, err = exchange(ctx, client, u.name, code, state)
	if err != nil {
		return 0, "step 2 " + radiusErrorKind(err)
	}
	if rc != layeh.CodeAccessAccept {
		return 0, "step 2 " + rc.String()
	}
	return time.Since(t0), ""
}
