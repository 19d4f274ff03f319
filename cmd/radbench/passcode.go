package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	layeh "layeh.com/radius"

	"github.com/pushauth/pushauth/protocol/adminapi"
	"github.com/pushauth/pushauth/protocol/radius/radclient"
)

// runPasscode measures password + passcode logins: Access-Request with the
// password → Access-Challenge → Access-Request with State and the OATH
// passcode → Access-Accept, at each concurrency level.
func runPasscode(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("radbench passcode", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var so serverOptions
	so.register(fs)
	var lf levelFlags
	lf.register(fs, "1,16,256", 10*time.Second, time.Second)
	users := fs.Int("users", 1024, "users, each with a password and an OATH token (at least the highest concurrency)")
	alg := fs.String("otp", "hotp", "OATH algorithm: hotp (per-user counter) or totp (each step once: ~3 logins per user per 30 s)")
	provWorkers := fs.Int("provision-workers", 8, "parallel admin API calls while provisioning")
	perSocket := fs.Int("per-socket", 128, "logins in flight per client socket (at most 256)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	conc, err := lf.concurrency()
	if err != nil {
		return err
	}
	if *alg != adminapi.AlgorithmHOTP && *alg != adminapi.AlgorithmTOTP {
		return fmt.Errorf("--otp must be hotp or totp, not %q", *alg)
	}
	if *perSocket < 1 || *perSocket > 256 {
		return fmt.Errorf("--per-socket must be 1..256")
	}
	srv, err := startServer(ctx, so, stderr)
	if err != nil {
		return err
	}
	defer srv.Stop()

	began := time.Now()
	list, err := provisionOATH(ctx, srv.Admin, *users, *alg, *provWorkers, stderr)
	if err != nil {
		return fmt.Errorf("provision: %w", err)
	}
	provTime := time.Since(began)
	fmt.Fprintf(stderr, "provisioned %d users with %s tokens in %v\n", *users, *alg, provTime.Round(time.Millisecond))
	pool := make(chan *oathUser, len(list))
	for _, u := range list {
		pool <- u
	}
	mem0, _ := srv.Memory()

	header(stdout, "passcode", so,
		"login", fmt.Sprintf("password (%s) → Access-Challenge → %s passcode → Access-Accept; latency = first Access-Request to Access-Accept", so.argonLabel(), *alg),
		"users", fmt.Sprintf("%d (provisioned in %v: %.0f users/s, server RSS after %s)", *users, provTime.Round(time.Millisecond), float64(*users)/provTime.Seconds(), mib(mem0.RSS)),
		"per level", lf.perLevel())
	var tb table
	tb.add("concurrency", "sockets", "logins", "logins/s", "p50 ms", "p90 ms", "p99 ms", "max ms", "server CPU/login", "server CPUs busy", "retransmits", "failures")
	for _, c := range conc {
		if c > *users {
			fmt.Fprintf(stderr, "warning: concurrency %d > %d users: workers share users and wait for one another\n", c, *users)
		}
		sockets := (c + *perSocket - 1) / *perSocket
		rp, err := dialPool(srv.Radius, ddlSource, sockets, lf.retry)
		if err != nil {
			return err
		}
		sw := &serverWindow{srv: srv}
		res := level{concurrency: c, warmup: lf.warmup, measure: lf.duration, windowStart: sw.start, windowEnd: sw.end,
			login: func(ctx context.Context, w int) (time.Duration, string) {
				u := <-pool
				defer func() { pool <- u }()
				code, ok := u.code(time.Now())
				if !ok { // a TOTP user who used every step the server accepts now
					time.Sleep(10 * time.Millisecond)
					return 0, skipped
				}
				return passcodeLogin(ctx, rp.get(w), u, code, lf.timeout)
			}}.run(ctx)
		rp.Close()
		s := Summarize(res.latencies)
		tb.add(fmt.Sprint(c), fmt.Sprint(sockets), fmt.Sprint(s.N), fmt.Sprintf("%.1f", res.rate()),
			ms(s.P50), ms(s.P90), ms(s.P99), ms(s.Max), sw.cpuPerLogin(s.N), sw.cpuShare(res.window), sw.retransmits(), res.failures.String())
		fmt.Fprintf(stderr, "concurrency %d: %d logins, %.1f/s, p50 %s ms, p99 %s ms\n", c, s.N, res.rate(), ms(s.P50), ms(s.P99))
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
	tb.print(stdout)
	mem, _ := srv.Memory()
	warns, errs, samples := srv.logCounts()
	kv(stdout, "server peak RSS", mib(mem.HWM), "server log", fmt.Sprintf("%d warnings, %d errors %v", warns, errs, samples))
	return nil
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
