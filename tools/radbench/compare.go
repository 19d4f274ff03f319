package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math"
	"time"
)

// peerFreeradius is the one peer --compare knows.
const peerFreeradius = "freeradius"

// levelFigures are the figures of one level that a comparison needs.
type levelFigures struct {
	concurrency int
	rate        float64       // successful logins (or requests) per second
	p50         time.Duration // latency
	cpuPer      time.Duration // server CPU per successful login; 0 if none
}

// newFigures takes a level's figures; cpu is the server CPU time used in
// the measured window.
func newFigures(c int, res *levelResult, s Summary, cpu time.Duration) levelFigures {
	f := levelFigures{concurrency: c, rate: res.rate(), p50: s.P50}
	if s.N > 0 {
		f.cpuPer = cpu / time.Duration(s.N)
	}
	return f
}

// cpuPer formats CPU time per login: µs below a millisecond, else ms.
func cpuPer(d time.Duration) string {
	switch {
	case d <= 0:
		return "-"
	case d < time.Millisecond:
		return fmt.Sprintf("%.1f µs", float64(d)/float64(time.Microsecond))
	}
	return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond))
}

// formatRatio formats a/b as e.g. "0.071×" or "14.5×": two significant
// digits below 1, then fewer decimals as it grows; "-" when undefined.
func formatRatio(a, b float64) string {
	r := a / b
	switch {
	case b == 0 || math.IsNaN(r) || math.IsInf(r, 0) || r < 0:
		return "-"
	case r == 0:
		return "0×"
	case r >= 100:
		return fmt.Sprintf("%.0f×", r)
	case r >= 10:
		return fmt.Sprintf("%.1f×", r)
	case r >= 1:
		return fmt.Sprintf("%.2f×", r)
	}
	decimals := min(1-int(math.Floor(math.Log10(r))), 9)
	return fmt.Sprintf("%.*f×", decimals, r)
}

// compareFlags are --compare and the peer's options.
type compareFlags struct {
	peer string
	po   peerOptions
}

// register defines --compare and --freeradius-bin.
func (f *compareFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.peer, "compare", "", "freeradius: first measure a private FreeRADIUS 3 (PAP against a users file, Debian package\n"+
		"freeradius) at the same levels, then pushauth, and print the ratios pushauth/FreeRADIUS")
	f.po.register(fs)
}

// check validates --compare.
func (f *compareFlags) check() error {
	if f.peer != "" && f.peer != peerFreeradius {
		return fmt.Errorf("--compare must be freeradius, not %q", f.peer)
	}
	return nil
}

// runPeer measures the peer at the levels first, when --compare asks for
// it, and returns its figures for the ratios; nil without --compare.
func (f *compareFlags) runPeer(ctx context.Context, so serverOptions, lf levelFlags, conc []int, stdout, stderr io.Writer) (*comparison, error) {
	if err := f.check(); err != nil || f.peer == "" {
		return nil, err
	}
	po := f.po
	po.workDir, po.keep = so.workDir, so.keep
	figs, err := runPeerLevels(ctx, po, lf, conc, stdout, stderr)
	if err != nil {
		return nil, fmt.Errorf("--compare freeradius: %w", err)
	}
	fmt.Fprintln(stdout)
	return &comparison{peer: figs}, nil
}

// comparison holds the peer's figures of a --compare run.
type comparison struct {
	peer []levelFigures
}

// print prints pushauth's figures beside the peer's with the ratios
// pushauth/FreeRADIUS; what names pushauth's login. A nil comparison
// prints nothing.
func (c *comparison) print(w io.Writer, what string, mine []levelFigures) {
	if c == nil {
		return
	}
	fmt.Fprintf(w, "\npushauth %s ÷ FreeRADIUS PAP request, same levels, one after the other in this run (host load %s)\n", what, loadAvg())
	var tb table
	tb.add("concurrency", "FreeRADIUS req/s", "pushauth logins/s", "throughput ratio", "FreeRADIUS p50 ms", "pushauth p50 ms",
		"FreeRADIUS CPU/req", "pushauth CPU/login", "CPU ratio")
	for _, m := range mine {
		p, ok := c.at(m.concurrency)
		if !ok {
			tb.add(fmt.Sprint(m.concurrency), "-", fmt.Sprintf("%.1f", m.rate), "-", "-", ms(m.p50), "-", cpuPer(m.cpuPer), "-")
			continue
		}
		tb.add(fmt.Sprint(m.concurrency), fmt.Sprintf("%.1f", p.rate), fmt.Sprintf("%.1f", m.rate), formatRatio(m.rate, p.rate),
			ms(p.p50), ms(m.p50), cpuPer(p.cpuPer), cpuPer(m.cpuPer), formatRatio(float64(m.cpuPer), float64(p.cpuPer)))
	}
	tb.print(w)
	fmt.Fprintln(w, "throughput ratio: pushauth's logins/s as a fraction of FreeRADIUS's PAP requests/s (1× = as fast);\n"+
		"CPU ratio: server CPU per pushauth login in multiples of FreeRADIUS's per PAP request.")
}

// at is the peer's figures at concurrency c.
func (c *comparison) at(conc int) (levelFigures, bool) {
	for _, p := range c.peer {
		if p.concurrency == conc {
			return p, true
		}
	}
	return levelFigures{}, false
}
