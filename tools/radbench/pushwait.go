package main

import (
	"cmp"
	"context"
	"flag"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	layeh "layeh.com/radius"
)

// pushesOK is the server's counter of pushes handed to the poll provider.
const pushesOK = `pushauth_pushes_total{provider="poll",result="ok"}`

// runPushWait starts N push logins (isapi client, policy method token, so
// no password hashing), waits until all N are in flight at once, records the
// server's memory, then lets the fleet approve every push and counts the
// Access-Accepts.
func runPushWait(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("radbench push-wait", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var so serverOptions
	so.register(fs)
	n := fs.Int("logins", 100000, "logins in flight at once (one user and one activated phone each)")
	provWorkers := fs.Int("provision-workers", 32, "parallel provisioning calls (create user, program token, activate)")
	fleetWorkers := fs.Int("fleet-workers", 256, "phones answering at once")
	perSocket := fs.Int("per-socket", 250, "logins per RADIUS client socket (at most 256)")
	retry := fs.Duration("retry", 0, "RADIUS retransmission interval (default NOTIFICATIONTIMEOUT + 5 s: every request the server got is answered before, so one request per push)")
	window := fs.Int("window", 200, "requests sent but not yet turned into a push by the server (flow control from /metrics, so the server's socket buffer never overflows; 0 = off)")
	rampRate := fs.Int("ramp-rate", 0, "cap on new logins per second while ramping up (0 = no cap besides --window)")
	waitTimeout := fs.Duration("wait-timeout", 5*time.Minute, "give up if the logins are not all in flight by then")
	answerWait := fs.Duration("answer-wait", 10*time.Second, "how long a phone long-polls for its push")
	repush := fs.Bool("repush", true, "when a push times out (Access-Challenge), ask for another push with an empty answer, as a user would, so the login stays in flight")
	listLogins := fs.Bool("list-logins", true, "count the waiting logins with the admin API's list of logins in flight once all are in flight")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *perSocket < 1 || *perSocket > 256 {
		return fmt.Errorf("--per-socket must be 1..256")
	}
	srv, err := startServer(ctx, so, stderr)
	if err != nil {
		return err
	}
	defer srv.Stop()
	if err := setBenchPolicies(ctx, srv.Admin); err != nil {
		return err
	}
	fl := newFleet(max(*provWorkers, *fleetWorkers))
	defer fl.close()

	began := time.Now()
	phones, err := provisionPhones(ctx, srv.Admin, *n, false, *provWorkers, fl, stderr)
	if err != nil {
		return fmt.Errorf("provision: %w", err)
	}
	provTime := time.Since(began)
	fmt.Fprintf(stderr, "provisioned %d users with activated phones in %v\n", *n, provTime.Round(time.Millisecond))
	memProv, _ := srv.Memory()

	if *retry <= 0 {
		*retry = time.Duration(so.notifTimeout)*time.Second + 5*time.Second
	}
	sockets := (*n + *perSocket - 1) / *perSocket
	rp, err := dialPool(srv.Radius, isapiSource, sockets, *retry)
	if err != nil {
		return fmt.Errorf("open %d client sockets: %w", sockets, err)
	}
	defer rp.Close()
	m0, err := srv.Metrics(ctx)
	if err != nil {
		return err
	}
	udp0, _ := udpErrors()
	cpu0 := srv.CPU()
	mem0, _ := srv.Memory()
	fc := newFlow(ctx, srv, *window, m0[pushesOK])
	defer fc.stop()

	// Start every login; each goroutine waits for its reply. A login whose
	// push timed out (Access-Challenge) asks for another push with an empty
	// answer (SPEC S3.1), as its user would, so it stays in flight.
	sent := make([]time.Time, *n)
	replied := make([]time.Time, *n)
	codes := make([]layeh.Code, *n)
	finished := make([]atomic.Bool, *n)
	var outs outcomes
	var wg sync.WaitGroup
	var sentCount, repushes atomic.Int64
	lctx, cancelLogins := context.WithTimeout(ctx, *waitTimeout+10*time.Minute)
	defer cancelLogins()
	login := func(i int, state string) {
		defer wg.Done()
		for {
			rc, st, err := exchange(lctx, rp.get(i), phones[i].name, "", state)
			if err != nil {
				replied[i] = time.Now()
				finished[i].Store(true)
				outs.add(radiusErrorKind(err))
				return
			}
			if rc == layeh.CodeAccessChallenge && st != "" && *repush {
				if fc.acquire(lctx) != nil {
					outs.add("cancelled")
					return
				}
				repushes.Add(1)
				state = st
				continue
			}
			replied[i] = time.Now()
			codes[i] = rc
			finished[i].Store(true)
			outs.add(rc.String())
			return
		}
	}
	rampStart := time.Now()
	wg.Add(*n)
	go func() {
		for i := range *n {
			if *rampRate > 0 {
				if d := time.Until(rampStart.Add(time.Duration(i) * time.Second / time.Duration(*rampRate))); d > 0 {
					time.Sleep(d)
				}
			}
			if fc.acquire(lctx) != nil {
				for range *n - i {
					wg.Done()
				}
				return
			}
			sent[i] = time.Now()
			sentCount.Add(1)
			go login(i, "")
		}
	}()

	// Watch the server until every login is in flight.
	type milestone struct {
		inFlight int
		at       time.Duration
		rss      uint64
	}
	var marks []milestone
	nextMark := max(*n/10, 1)
	var allInFlight time.Duration
	lastReport := time.Now()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		m, err := srv.Metrics(ctx)
		if err != nil {
			continue
		}
		pushes := int(m[pushesOK] - m0[pushesOK])
		inFlight := int(m["pushauth_logins_in_flight"])
		for inFlight >= nextMark && len(marks) < 10 {
			mem, _ := srv.Memory()
			marks = append(marks, milestone{inFlight: nextMark, at: time.Since(rampStart), rss: mem.RSS})
			nextMark += max(*n/10, 1)
		}
		if time.Since(lastReport) >= 2*time.Second {
			lastReport = time.Now()
			mem, _ := srv.Memory()
			rcv, _ := udpErrors()
			fmt.Fprintf(stderr, "  %5.1fs sent %d, in flight %d, pushes %d, re-pushes %d, RSS %s, host UDP rcvbuf errors +%d\n",
				time.Since(rampStart).Seconds(), sentCount.Load(), inFlight, pushes, repushes.Load(), mib(mem.RSS), rcv-udp0)
		}
		if inFlight >= *n {
			allInFlight = time.Since(rampStart)
			break
		}
		if finished := outs.total(); finished > 0 {
			return fmt.Errorf("%d logins finished before all %d were in flight (%s; %d pushes sent, %d in flight after %v)",
				finished, *n, outs.String(), pushes, inFlight, time.Since(rampStart).Round(time.Millisecond))
		}
		if time.Since(rampStart) > *waitTimeout {
			return fmt.Errorf("only %d of %d logins in flight (%d pushes, %d sent) after %v", inFlight, *n, pushes, sentCount.Load(), *waitTimeout)
		}
	}
	cpuRamp := srv.CPU() - cpu0
	repushRamp := repushes.Load()
	memAll, _ := srv.Memory()
	mAll, _ := srv.Metrics(ctx)
	threadsAll := srv.Threads()
	fmt.Fprintf(stderr, "%d logins in flight after %v, server RSS %s\n", *n, allInFlight.Round(time.Millisecond), mib(memAll.RSS))

	// Count the waiting ones (the rest are being verified or are between a
	// timed-out push and the re-sent one).
	var states map[string]int
	var memWait memStat
	var listTime time.Duration
	if *listLogins {
		for try := 0; try < 3; try++ {
			t := time.Now()
			lc, cancel := context.WithTimeout(ctx, time.Minute)
			page, err := srv.Admin.LoginPage(lc, 0) // the counts by state
			cancel()
			listTime = time.Since(t)
			if err != nil {
				fmt.Fprintf(stderr, "list logins: %v\n", err)
				break
			}
			counts := page.States
			if states == nil || counts["waiting"] > states["waiting"] {
				states = counts
				memWait, _ = srv.Memory()
			}
			fmt.Fprintf(stderr, "  logins in flight by state: %s (listed in %v)\n", formatCounts(counts), listTime.Round(time.Millisecond))
			if counts["waiting"] >= *n {
				break
			}
		}
	}

	if err := srv.HeapProfile("push-wait-heap.pprof"); err != nil {
		fmt.Fprintf(stderr, "heap profile: %v\n", err)
	}

	// The fleet answers, oldest login first.
	cpu1 := srv.CPU()
	fleetStart := time.Now()
	var next atomic.Int64
	var answerFails outcomes
	var answerRetries atomic.Int64
	var fwg sync.WaitGroup
	for range *fleetWorkers {
		fwg.Add(1)
		go func() {
			defer fwg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= *n || ctx.Err() != nil {
					return
				}
				// A phone keeps looking for its push until its login is
				// over: the push it found may time out before its answer
				// lands, and the re-sent one replaces it.
				var err error
				for try := 0; try < 10 && !finished[i].Load() && ctx.Err() == nil; try++ {
					if try > 0 {
						answerRetries.Add(1)
					}
					if err = fl.approve(ctx, phones[i], *answerWait); err == nil {
						break
					}
				}
				if err != nil && !finished[i].Load() {
					answerFails.add(errorKind(err))
				}
			}
		}()
	}
	fwg.Wait()
	answered := time.Since(fleetStart)
	stuck := waitOrList(ctx, &wg, srv, *retry+time.Minute, stderr)
	if stuck != "" {
		cancelLogins()
		wg.Wait()
	}
	cpuAnswer := srv.CPU() - cpu1
	var last time.Time
	var lats []time.Duration
	for i := range *n {
		if codes[i] == layeh.CodeAccessAccept {
			lats = append(lats, replied[i].Sub(sent[i]))
			if replied[i].After(last) {
				last = replied[i]
			}
		}
	}
	complete := last.Sub(fleetStart)
	m1, _ := srv.Metrics(ctx)
	udp1, _ := udpErrors()
	memEnd, _ := srv.Memory()
	warns, errs, samples := srv.logCounts()
	lat := Summarize(lats)
	accepts := outs.get(layeh.CodeAccessAccept.String())

	header(stdout, "push-wait", so,
		"login", "isapi client, policy method=token (no password), empty User-Password → push to a poll-mode soft token → approve → Access-Accept",
		"setup", fmt.Sprintf("%d users, one activated phone each; %d RADIUS sockets (%d logins each, retransmit every %v); flow window %d; %d answering phones at once",
			*n, sockets, *perSocket, *retry, *window, *fleetWorkers))
	var tb table
	tb.add("logins in flight", "after", "server RSS")
	for _, mk := range marks {
		tb.add(fmt.Sprint(mk.inFlight), fmt.Sprintf("%.1f s", mk.at.Seconds()), mib(mk.rss))
	}
	tb.print(stdout)
	perLogin := "-"
	if memAll.RSS > mem0.RSS {
		perLogin = fmt.Sprintf("%.1f KiB", float64(memAll.RSS-mem0.RSS)/1024/float64(*n))
	}
	pairs := []string{
		"provisioning", fmt.Sprintf("%v for %d users + activated phones (%.0f/s), server RSS after %s", provTime.Round(time.Millisecond), *n, float64(*n)/provTime.Seconds(), mib(memProv.RSS)),
		"time to all in flight", fmt.Sprintf("%v (%.0f logins/s; server CPU %.1f s = %.0f µs/login); %d pushes timed out and were re-sent meanwhile", allInFlight.Round(time.Millisecond),
			float64(*n)/allInFlight.Seconds(), cpuRamp.Seconds(), float64(cpuRamp.Microseconds())/float64(*n), repushRamp),
		"RSS before logins", mib(mem0.RSS),
		"RSS all in flight", fmt.Sprintf("%s (+%s per login); Go heap in use %s, goroutines %.0f, OS threads %d",
			mib(memAll.RSS), perLogin, mib(uint64(mAll["go_memstats_heap_inuse_bytes"])), mAll["go_goroutines"], threadsAll),
	}
	if states != nil {
		pairs = append(pairs, "waiting on phones", fmt.Sprintf("%d at once (admin API list of logins: %s, listed in %v), server RSS then %s",
			states["waiting"], formatCounts(states), listTime.Round(time.Millisecond), mib(memWait.RSS)))
	}
	pairs = append(pairs,
		"answering", fmt.Sprintf("%v for %d phones (%.0f answers/s; server CPU %.1f s = %.0f µs/login); %d answers found their push had just timed out and answered the re-sent one; failures: %s",
			answered.Round(time.Millisecond), *n, float64(*n)/answered.Seconds(), cpuAnswer.Seconds(), float64(cpuAnswer.Microseconds())/float64(*n), answerRetries.Load(), answerFails.String()),
		"re-pushes", fmt.Sprintf("%d in all (%d while answering)", repushes.Load(), repushes.Load()-repushRamp),
		"time to complete", fmt.Sprintf("%v from the first answer to the last Access-Accept", complete.Round(time.Millisecond)),
		"replies", outs.String(),
		"stuck logins", cmp.Or(stuck, "none"),
		"accepts", fmt.Sprintf("%d of %d", accepts, *n),
		"login latency", fmt.Sprintf("request → Access-Accept p50 %s ms, p99 %s ms, max %s ms", ms(lat.P50), ms(lat.P99), ms(lat.Max)),
		"peak RSS", fmt.Sprintf("%s (VmHWM), RSS at end %s", mib(memEnd.HWM), mib(memEnd.RSS)),
		"loss", fmt.Sprintf("%.0f retransmits seen by the server, %.0f dropped, %d host UDP receive-buffer errors",
			m1.sum("pushauth_radius_duplicates_total")-m0.sum("pushauth_radius_duplicates_total"),
			m1.sum("pushauth_radius_dropped_total")-m0.sum("pushauth_radius_dropped_total"), udp1-udp0),
		"server log", fmt.Sprintf("%d warnings, %d errors %v", warns, errs, samples),
		"audit", srv.auditCount(ctx),
	)
	kv(stdout, pairs...)
	if accepts != *n {
		return fmt.Errorf("%d of %d logins accepted", accepts, *n)
	}
	return nil
}

// waitOrList waits for every login's reply; after timeout it lists the
// server's logins still in flight by state and returns that ("" when all
// replied in time).
func waitOrList(ctx context.Context, wg *sync.WaitGroup, srv *serverProc, timeout time.Duration, stderr io.Writer) string {
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
		return ""
	case <-time.After(timeout):
	}
	lc, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	page, err := srv.Admin.LoginPage(lc, 5) // the counts and the 5 oldest
	if err != nil {
		return fmt.Sprintf("some logins got no final reply within %v after the last answer; list logins: %v", timeout, err)
	}
	msg := fmt.Sprintf("%d logins got no final reply within %v after the last answer; server: %s", page.Total, timeout, formatCounts(page.States))
	fmt.Fprintln(stderr, msg)
	for _, l := range page.Logins {
		fmt.Fprintf(stderr, "  stuck: %+v\n", l)
	}
	return msg
}

// flow limits the requests the server has not yet turned into a push to a
// window, reading the server's push counter every 20 ms: the server's
// RADIUS socket keeps the kernel's default receive buffer (~200 KiB, a few
// hundred datagrams), and a burst beyond it is lost until the client
// retransmits.
type flow struct {
	tokens chan struct{}
	done   chan struct{}
}

// newFlow starts the flow control; window 0 turns it off.
func newFlow(ctx context.Context, srv *serverProc, window int, pushes0 float64) *flow {
	f := &flow{done: make(chan struct{})}
	if window <= 0 {
		return f
	}
	f.tokens = make(chan struct{}, window)
	for range window {
		f.tokens <- struct{}{}
	}
	go func() {
		seen := pushes0
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-f.done:
				return
			case <-ctx.Done():
				return
			case <-t.C:
			}
			m, err := srv.Metrics(ctx)
			if err != nil {
				continue
			}
			for now := m[pushesOK]; seen < now; seen++ {
				select {
				case f.tokens <- struct{}{}:
				default:
				}
			}
		}
	}()
	return f
}

// acquire waits until the window has room for one more request.
func (f *flow) acquire(ctx context.Context) error {
	if f.tokens == nil {
		return nil
	}
	select {
	case <-f.tokens:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (f *flow) stop() { close(f.done) }
