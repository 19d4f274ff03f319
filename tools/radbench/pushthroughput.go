package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	layeh "layeh.com/radius"
)

// runPushThroughput measures push logins per second: each worker starts a
// login, the user's phone long-polls its pending pushes and approves at
// once, and the worker waits for the Access-Accept.
func runPushThroughput(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("radbench push-throughput", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var so serverOptions
	so.register(fs)
	var lf levelFlags
	lf.register(fs, "64", 20*time.Second, 2*time.Second)
	users := fs.Int("users", 0, "users with an activated phone each (default 4 x the highest concurrency)")
	method := fs.String("method", "token", "token: isapi client, policy method token, no password; password: ddl client, password+token (argon2 per login: see --argon2-*)")
	provWorkers := fs.Int("provision-workers", 16, "parallel provisioning calls")
	transport := fs.String("transport", transportUDP, "udp, tls (RadSec: TLS connections to the server's radius.tls listener, kind isapi like the UDP client, --method token only) or udp,tls: each level over each, against the same server")
	var cf clusterFlags
	cf.register(fs)
	var cmp compareFlags
	cmp.register(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := cf.check(); err != nil {
		return err
	}
	conc, err := lf.concurrency()
	if err != nil {
		return err
	}
	transports, err := parseTransports(*transport)
	if err != nil {
		return err
	}
	so.radsec = slices.Contains(transports, transportTLS)
	if so.radsec && *method != "token" {
		return fmt.Errorf("--transport tls runs --method token only")
	}
	source, label := isapiSource, "isapi client, policy method=token: empty User-Password"
	switch *method {
	case "token":
	case "password":
		source, label = ddlPushSource, fmt.Sprintf("ddl client, policy method=password+token: password (%s)", so.argonLabel())
	default:
		return fmt.Errorf("--method must be token or password, not %q", *method)
	}
	maxC := 0
	for _, c := range conc {
		maxC = max(maxC, c)
	}
	if *users == 0 {
		*users = 4 * maxC
	}
	peer, err := cmp.runPeer(ctx, so, lf, conc, stdout, stderr)
	if err != nil {
		return err
	}
	nodes, stopNodes, err := startNodes(ctx, so, cf, stderr)
	if err != nil {
		return err
	}
	defer stopNodes()
	srv := nodes[0]
	if err := setBenchPolicies(ctx, srv.Admin); err != nil {
		return err
	}
	fl := newFleet(max(*provWorkers, 2*maxC))
	defer fl.close()
	began := time.Now()
	phones, err := provisionPhones(ctx, srv.Admin, *users, *method == "password", *provWorkers, fl, stderr)
	if err != nil {
		return fmt.Errorf("provision: %w", err)
	}
	provTime := time.Since(began)
	if len(nodes) > 1 {
		if err := answerThrough(phones, nodes[1]); err != nil {
			return err
		}
	}
	pool := make(chan *phone, len(phones))
	for _, p := range phones {
		pool <- p
	}

	header(stdout, "push-throughput", so,
		"login", label+" → push to a poll-mode soft token; the phone long-polls, approves at once → Access-Accept; latency = Access-Request to Access-Accept",
		"users", fmt.Sprintf("%d with one activated phone each (provisioned in %v)", *users, provTime.Round(time.Millisecond)),
		"nodes", cf.label(),
		"transport", transportLabel(transports),
		"per level", lf.perLevel())
	var tb table
	tb.add("transport", "concurrency", "connections", "logins", "logins/s", "p50 ms", "p90 ms", "p99 ms", "max ms", "server CPU/login", "server CPUs busy", "retransmits", "failures")
	var figs []levelFigures
	for _, c := range conc {
		for _, tr := range transports {
			conns := (c + 127) / 128
			lp, err := dialLogins(ctx, srv, tr, source, conns, lf.retry)
			if err != nil {
				return err
			}
			sw := &serverWindow{srv: srv, others: nodes[1:], window: lf.duration, profile: fmt.Sprintf("push-throughput-%s-c%d.pprof", tr, c)}
			res := level{concurrency: c, warmup: lf.warmup, measure: lf.duration, windowStart: sw.start, windowEnd: sw.end,
				login: func(ctx context.Context, w int) (time.Duration, string) {
					p := <-pool
					defer func() { pool <- p }()
					return pushLogin(ctx, lp.get(w), fl, p, lf.timeout)
				}}.run(ctx)
			lp.Close()
			s := Summarize(res.latencies)
			if tr == transports[0] {
				figs = append(figs, newFigures(c, res, s, sw.cpu1-sw.cpu0))
			}
			tb.add(tr, fmt.Sprint(c), fmt.Sprint(conns), fmt.Sprint(s.N), fmt.Sprintf("%.1f", res.rate()),
				ms(s.P50), ms(s.P90), ms(s.P99), ms(s.Max), sw.cpuPerLogin(s.N), sw.cpuShare(res.window), sw.retransmits(), res.failures.String())
			fmt.Fprintf(stderr, "%s, concurrency %d: %d logins, %.1f/s, p50 %s ms, p99 %s ms\n", tr, c, s.N, res.rate(), ms(s.P50), ms(s.P99))
			if ctx.Err() != nil {
				return ctx.Err()
			}
		}
	}
	tb.print(stdout)
	srv.printFooter(ctx, stdout)
	peer.print(stdout, "push login", figs)
	return nil
}

// dialLogins opens the level's client side: n UDP sockets from source, or
// n RadSec connections.
func dialLogins(ctx context.Context, srv *serverProc, transport, source string, n int, retry time.Duration) (loginPool, error) {
	if transport == transportTLS {
		return dialStreams(ctx, srv.RadSec, srv.radsec.client, n)
	}
	rp, err := dialPool(srv.Radius, source, n, retry)
	if err != nil {
		return nil, err
	}
	return udpLogins{rp}, nil
}

// transportLabel describes the transports for the report header.
func transportLabel(ts []string) string {
	var parts []string
	for _, t := range ts {
		switch t {
		case transportUDP:
			parts = append(parts, "udp: one UDP socket per 128 logins in flight, retransmitting every --retry")
		case transportTLS:
			parts = append(parts, "tls: RadSec (TLS 1.3, ECDSA P-256, mutual) to radius.tls, one connection per 128 logins in flight, no retransmissions; handshakes before the warm-up")
		}
	}
	return strings.Join(parts, "; ")
}

// pushLogin starts one login, approves its push from the phone and waits
// for the reply.
func pushLogin(ctx context.Context, client exchanger, fl *fleet, p *phone, timeout time.Duration) (time.Duration, string) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	type reply struct {
		code layeh.Code
		err  error
	}
	done := make(chan reply, 1)
	actx, stopAnswer := context.WithCancel(ctx)
	defer stopAnswer()
	answered := make(chan error, 1)
	t0 := time.Now()
	go func() {
		rc, _, err := exchange(ctx, client, p.name, p.password, "")
		done <- reply{rc, err}
	}()
	go func() { answered <- fl.approve(actx, p, timeout) }()
	r := <-done
	lat := time.Since(t0)
	if r.err != nil || r.code != layeh.CodeAccessAccept {
		stopAnswer() // no push is coming, or it no longer matters
	}
	answerErr := <-answered
	switch {
	case r.err != nil:
		return 0, radiusErrorKind(r.err)
	case r.code != layeh.CodeAccessAccept:
		if answerErr != nil {
			return 0, r.code.String() + " (" + errorKind(answerErr) + ")"
		}
		return 0, r.code.String()
	}
	return lat, ""
}
