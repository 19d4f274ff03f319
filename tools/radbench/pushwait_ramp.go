package main

import (
	"context"
	"fmt"
	"time"

	layeh "layeh.com/radius"
)

// startLogins starts every login, at most --ramp-rate a second and within
// the flow window; each waits for its reply in its own goroutine.
func (pw *pushWait) startLogins(ctx context.Context) {
	n := pw.o.logins
	pw.rampStart = time.Now()
	pw.wg.Add(n)
	go func() {
		for i := range n {
			if pw.o.rampRate > 0 {
				if d := time.Until(pw.rampStart.Add(time.Duration(i) * time.Second / time.Duration(pw.o.rampRate))); d > 0 {
					time.Sleep(d)
				}
			}
			if pw.fc.acquire(ctx) != nil {
				for range n - i {
					pw.wg.Done()
				}
				return
			}
			pw.sent[i] = time.Now()
			pw.sentCount.Add(1)
			go pw.login(ctx, i)
		}
	}()
}

// login sends login i's Access-Request and waits for its final reply. A
// login whose push timed out (Access-Challenge) asks for another push with
// an empty answer (SPEC S3.1), as its user would, so it stays in flight.
func (pw *pushWait) login(ctx context.Context, i int) {
	defer pw.wg.Done()
	state := ""
	for {
		rc, st, err := exchange(ctx, pw.rp.get(i), pw.phones[i].name, "", state)
		if err != nil {
			pw.replied[i] = time.Now()
			pw.finished[i].Store(true)
			pw.outs.add(radiusErrorKind(err))
			return
		}
		if rc == layeh.CodeAccessChallenge && st != "" && pw.o.repush {
			if pw.fc.acquire(ctx) != nil {
				pw.outs.add("cancelled")
				return
			}
			pw.repushes.Add(1)
			state = st
			continue
		}
		pw.replied[i] = time.Now()
		pw.codes[i] = rc
		pw.finished[i].Store(true)
		pw.outs.add(rc.String())
		return
	}
}

// waitAllInFlight watches the server until every login is in flight,
// noting its RSS at every tenth, then records the server.
func (pw *pushWait) waitAllInFlight(ctx context.Context) error {
	n := pw.o.logins
	lastReport := time.Now()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		m, err := pw.srv.Metrics(ctx)
		if err != nil {
			continue
		}
		pushes := int(m[pushesOK] - pw.m0[pushesOK])
		inFlight := int(m["pushauth_logins_in_flight"])
		pw.mark(inFlight)
		if time.Since(lastReport) >= 2*time.Second {
			lastReport = time.Now()
			pw.progress(inFlight, pushes)
		}
		if inFlight >= n {
			pw.allInFlight = time.Since(pw.rampStart)
			break
		}
		if err := pw.rampFailed(inFlight, pushes); err != nil {
			return err
		}
	}
	pw.cpuRamp = pw.srv.CPU() - pw.cpu0
	pw.repushRamp = pw.repushes.Load()
	pw.memAll, _ = pw.srv.Memory()
	pw.mAll, _ = pw.srv.Metrics(ctx)
	pw.threadsAll = pw.srv.Threads()
	fmt.Fprintf(pw.stderr, "%d logins in flight after %v, server RSS %s\n", n, pw.allInFlight.Round(time.Millisecond), mib(pw.memAll.RSS))
	return nil
}

// mark notes the server's RSS for every tenth of the logins that inFlight
// reaches.
func (pw *pushWait) mark(inFlight int) {
	step := max(pw.o.logins/10, 1)
	for next := (len(pw.marks) + 1) * step; inFlight >= next && len(pw.marks) < 10; next += step {
		mem, _ := pw.srv.Memory()
		pw.marks = append(pw.marks, milestone{inFlight: next, at: time.Since(pw.rampStart), rss: mem.RSS})
	}
}

// progress prints how far the ramp is.
func (pw *pushWait) progress(inFlight, pushes int) {
	mem, _ := pw.srv.Memory()
	rcv, _ := udpErrors()
	fmt.Fprintf(pw.stderr, "  %5.1fs sent %d, in flight %d, pushes %d, re-pushes %d, RSS %s, host UDP rcvbuf errors +%d\n",
		time.Since(pw.rampStart).Seconds(), pw.sentCount.Load(), inFlight, pushes, pw.repushes.Load(), mib(mem.RSS), rcv-pw.udp0)
}

// rampFailed says why the ramp cannot reach every login in flight: some
// finished already, or it took longer than --wait-timeout.
func (pw *pushWait) rampFailed(inFlight, pushes int) error {
	n := pw.o.logins
	if finished := pw.outs.total(); finished > 0 {
		return fmt.Errorf("%d logins finished before all %d were in flight (%s; %d pushes sent, %d in flight after %v)",
			finished, n, pw.outs.String(), pushes, inFlight, time.Since(pw.rampStart).Round(time.Millisecond))
	}
	if time.Since(pw.rampStart) > pw.o.waitTimeout {
		return fmt.Errorf("only %d of %d logins in flight (%d pushes, %d sent) after %v", inFlight, n, pushes, pw.sentCount.Load(), pw.o.waitTimeout)
	}
	return nil
}
