package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"sync"
	"time"
)

// levelFlags are the flags every closed-loop scenario shares.
type levelFlags struct {
	levels           string
	duration, warmup time.Duration
	retry, timeout   time.Duration
}

// register defines the flags with the scenario's defaults.
func (f *levelFlags) register(fs *flag.FlagSet, levels string, duration, warmup time.Duration) {
	fs.StringVar(&f.levels, "concurrency", levels, "concurrency levels (logins in flight), comma-separated")
	fs.DurationVar(&f.duration, "duration", duration, "measured time per level")
	fs.DurationVar(&f.warmup, "warmup", warmup, "unmeasured time before each level")
	fs.DurationVar(&f.retry, "retry", 10*time.Second, "RADIUS retransmission interval")
	fs.DurationVar(&f.timeout, "timeout", 60*time.Second, "give up on a login after this long")
}

// concurrency parses --concurrency.
func (f *levelFlags) concurrency() ([]int, error) {
	conc, err := parseInts(f.levels)
	if err != nil {
		return nil, fmt.Errorf("--concurrency: %w", err)
	}
	return conc, nil
}

// perLevel describes a level's timing for the report header.
func (f *levelFlags) perLevel() string {
	return fmt.Sprintf("%v warm-up + %v measured", f.warmup, f.duration)
}

// level is one closed-loop load level: c workers each run one login after
// another for warmup+measure; only logins that end inside the measured
// window count, so the level is in its steady state when measured.
type level struct {
	concurrency     int
	warmup, measure time.Duration
	// login runs worker w's next login and returns its latency, or a
	// non-empty failure description.
	login func(ctx context.Context, w int) (time.Duration, string)
	// window runs at the start and the end of the measured window (e.g. to
	// read the server's CPU time and metrics).
	windowStart, windowEnd func()
}

// skipped is the failure a login function returns for an attempt it did
// not make (it does not count).
const skipped = "\x00skipped"

// levelResult is what a level measured.
type levelResult struct {
	latencies []time.Duration // logins that succeeded in the window
	failures  outcomes        // logins that failed in the window
	window    time.Duration
}

// rate is successful logins per second of the window.
func (r *levelResult) rate() float64 { return float64(len(r.latencies)) / r.window.Seconds() }

func (l level) run(ctx context.Context) *levelResult {
	res := &levelResult{window: l.measure}
	start := time.Now()
	from, to := start.Add(l.warmup), start.Add(l.warmup+l.measure)
	var marks sync.WaitGroup
	marks.Add(1)
	go func() {
		defer marks.Done()
		for _, m := range []struct {
			at time.Time
			fn func()
		}{{from, l.windowStart}, {to, l.windowEnd}} {
			select {
			case <-time.After(time.Until(m.at)):
			case <-ctx.Done():
				return
			}
			if m.fn != nil {
				m.fn()
			}
		}
	}()
	var mu sync.Mutex
	var wg sync.WaitGroup
	for w := range l.concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			for time.Now().Before(to) && ctx.Err() == nil {
				lat, fail := l.login(ctx, w)
				end := time.Now()
				if fail == skipped || end.Before(from) || end.After(to) {
					continue
				}
				if fail != "" {
					res.failures.add(fail)
					continue
				}
				mine = append(mine, lat)
			}
			mu.Lock()
			res.latencies = append(res.latencies, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	marks.Wait()
	return res
}

// serverWindow samples the server's CPU time and metrics at the start and
// end of a measured window.
type serverWindow struct {
	srv        *serverProc
	others     []*serverProc // the other nodes of a cluster run: their CPU counts too
	cpu0, cpu1 time.Duration
	m0, m1     metrics
	// profile names the window's CPU profile file when the server was
	// started with --cpu-profile; window is how long to profile.
	profile   string
	window    time.Duration
	profiling chan error
}

func (s *serverWindow) start() {
	s.cpu0 = s.cpu()
	s.m0, _ = s.srv.Metrics(context.Background())
	if s.srv.profile != "" && s.profile != "" {
		s.profiling = make(chan error, 1)
		go func() { s.profiling <- s.srv.CPUProfile(s.window, s.profile) }()
	}
}

func (s *serverWindow) end() {
	s.cpu1 = s.cpu()
	s.m1, _ = s.srv.Metrics(context.Background())
	if s.profiling != nil {
		if err := <-s.profiling; err != nil {
			fmt.Fprintf(os.Stderr, "radbench: cpu profile %s: %v\n", s.profile, err)
		}
	}
}

// cpu is the CPU time of every node so far.
func (s *serverWindow) cpu() time.Duration {
	t := s.srv.CPU()
	for _, o := range s.others {
		t += o.CPU()
	}
	return t
}

// cpuPerLogin formats the server's CPU time per successful login.
func (s *serverWindow) cpuPerLogin(n int) string {
	if n == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f ms", float64(s.cpu1-s.cpu0)/float64(time.Millisecond)/float64(n))
}

// cpuShare is the server's CPU use in the window, in CPUs (2.0 = both cores).
func (s *serverWindow) cpuShare(window time.Duration) string {
	return fmt.Sprintf("%.2f", (s.cpu1-s.cpu0).Seconds()/window.Seconds())
}

// retransmits is the number of duplicates the server saw in the window.
func (s *serverWindow) retransmits() string {
	return fmt.Sprint(s.m1.sum("pushauth_radius_duplicates_total") - s.m0.sum("pushauth_radius_duplicates_total"))
}
