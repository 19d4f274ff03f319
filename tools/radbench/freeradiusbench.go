package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"sync/atomic"
	"time"

	layeh "layeh.com/radius"

	"github.com/pushauth/pushauth/protocol/radius/radclient"
)

// runFreeradius measures the FreeRADIUS peer alone: closed-loop PAP
// Access-Requests at each concurrency level (the ceiling for one RADIUS
// exchange on this machine).
func runFreeradius(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("radbench freeradius", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var po peerOptions
	po.register(fs)
	fs.StringVar(&po.workDir, "work-dir", "", "parent of the run's temp dir (radiusd.conf, users, radius.log); default $TMPDIR")
	fs.BoolVar(&po.keep, "keep", false, "keep the run's temp dir")
	var lf levelFlags
	lf.register(fs, "1,16,64,256", 10*time.Second, 2*time.Second)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	conc, err := lf.concurrency()
	if err != nil {
		return err
	}
	_, err = runPeerLevels(ctx, po, lf, conc, stdout, stderr)
	return err
}

// register defines --freeradius-bin.
func (o *peerOptions) register(fs *flag.FlagSet) {
	fs.StringVar(&o.bin, "freeradius-bin", "", "FreeRADIUS 3 binary (default: freeradius on PATH or /usr/sbin/freeradius; Debian package freeradius)")
}

// runPeerLevels starts FreeRADIUS, measures every level, prints its table
// and stops it.
func runPeerLevels(ctx context.Context, po peerOptions, lf levelFlags, conc []int, stdout, stderr io.Writer) ([]levelFigures, error) {
	fr, err := startFreeradius(ctx, po, stderr)
	if err != nil {
		return nil, err
	}
	defer fr.Stop()
	peerHeader(stdout, fr, lf)
	var tb table
	tb.add("concurrency", "sockets", "requests", "requests/s", "p50 ms", "p90 ms", "p99 ms", "max ms", "server CPU/request", "server CPUs busy", "failures")
	var figs []levelFigures
	for _, c := range conc {
		fig, err := fr.level(ctx, lf, c, &tb, stderr)
		if err != nil {
			return nil, err
		}
		figs = append(figs, fig)
	}
	tb.print(stdout)
	mem, _ := fr.Memory()
	kv(stdout, "server peak RSS", mib(mem.HWM), "server log", fr.logSummary())
	return figs, nil
}

// logSummary counts FreeRADIUS's error and warning lines (a request
// dropped for max_requests is an error) and quotes the first error.
func (fr *freeradiusProc) logSummary() string {
	b, err := os.ReadFile(fr.logPath)
	if err != nil {
		return fmt.Sprintf("unreadable: %v", err)
	}
	errs, warns, first := 0, 0, ""
	for _, line := range strings.Split(string(b), "\n") {
		switch {
		case strings.Contains(line, " : Error: "):
			errs++
			if first == "" {
				first = fmt.Sprintf(" (first: %q)", line)
			}
		case strings.Contains(line, " : Warning: "), strings.Contains(line, " : WARNING: "):
			warns++
		}
	}
	return fmt.Sprintf("%d errors, %d warnings%s", errs, warns, first)
}

// peerHeader prints the peer run's context.
func peerHeader(w io.Writer, fr *freeradiusProc, lf levelFlags) {
	fmt.Fprintf(w, "radbench freeradius — %s\n", time.Now().UTC().Format(time.RFC3339))
	kv(w, "machine", machine(), "host load", loadAvg(),
		"server", fmt.Sprintf("FreeRADIUS %s (%s -f), thread pool start_servers=%d max_servers=%d, max_requests=%d, reject_delay=0",
			fr.version, fr.bin, fr.cfg.startServers, fr.cfg.maxServers, fr.cfg.maxRequests),
		"login", fmt.Sprintf("PAP Access-Request with Message-Authenticator → Access-Accept (authorize {files; pap}, %d users in a users file); latency = Access-Request to Access-Accept", fr.cfg.users),
		"per level", lf.perLevel())
}

// level runs one closed-loop level of PAP logins and adds its row to tb.
func (fr *freeradiusProc) level(ctx context.Context, lf levelFlags, c int, tb *table, stderr io.Writer) (levelFigures, error) {
	sockets := (c + 127) / 128
	rp, err := dialPool(fr.Radius, ddlSource, sockets, lf.retry)
	if err != nil {
		return levelFigures{}, fmt.Errorf("client sockets: %w", err)
	}
	defer rp.Close()
	cw := &cpuWindow{cpu: fr.CPU}
	var next atomic.Uint64
	res := level{concurrency: c, warmup: lf.warmup, measure: lf.duration, windowStart: cw.start, windowEnd: cw.end,
		login: func(ctx context.Context, w int) (time.Duration, string) {
			i := int(next.Add(1) % uint64(fr.cfg.users))
			return papLogin(ctx, rp.get(w), userName(i), userPassword(i), lf.timeout)
		}}.run(ctx)
	s := Summarize(res.latencies)
	fig := newFigures(c, res, s, cw.used())
	tb.add(fmt.Sprint(c), fmt.Sprint(sockets), fmt.Sprint(s.N), fmt.Sprintf("%.1f", res.rate()),
		ms(s.P50), ms(s.P90), ms(s.P99), ms(s.Max), cpuPer(fig.cpuPer), fmt.Sprintf("%.2f", cw.used().Seconds()/res.window.Seconds()), res.failures.String())
	fmt.Fprintf(stderr, "freeradius concurrency %d: %d requests, %.1f/s, p50 %s ms, p99 %s ms\n", c, s.N, res.rate(), ms(s.P50), ms(s.P99))
	return fig, ctx.Err()
}

// papLogin sends one PAP Access-Request and returns its latency, or what
// went wrong.
func papLogin(ctx context.Context, client *radclient.Client, user, password string, timeout time.Duration) (time.Duration, string) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	t0 := time.Now()
	code, _, err := exchange(ctx, client, user, password, "")
	switch {
	case err != nil:
		return 0, radiusErrorKind(err)
	case code != layeh.CodeAccessAccept:
		return 0, code.String()
	}
	return time.Since(t0), ""
}

// cpuWindow samples a process's CPU time at the start and the end of a
// measured window.
type cpuWindow struct {
	cpu        func() time.Duration
	cpu0, cpu1 time.Duration
}

func (w *cpuWindow) start() { w.cpu0 = w.cpu() }
func (w *cpuWindow) end()   { w.cpu1 = w.cpu() }

// used is the CPU time spent inside the window.
func (w *cpuWindow) used() time.Duration { return w.cpu1 - w.cpu0 }
