package main

import (
	"context"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"
)

// countWaiting lists the logins in flight by state, up to three times
// until all are waiting on their phones (the rest are being verified or
// are between a timed-out push and the re-sent one), keeping the count
// with the most waiting.
func (pw *pushWait) countWaiting(ctx context.Context) {
	if !pw.o.listLogins {
		return
	}
	for try := 0; try < 3; try++ {
		t := time.Now()
		lc, cancel := context.WithTimeout(ctx, time.Minute)
		page, err := pw.srv.Admin.LoginPage(lc, 0) // the counts by state
		cancel()
		pw.listTime = time.Since(t)
		if err != nil {
			fmt.Fprintf(pw.stderr, "list logins: %v\n", err)
			break
		}
		counts := page.States
		if pw.states == nil || counts["waiting"] > pw.states["waiting"] {
			pw.states = counts
			pw.memWait, _ = pw.srv.Memory()
		}
		fmt.Fprintf(pw.stderr, "  logins in flight by state: %s (listed in %v)\n", formatCounts(counts), pw.listTime.Round(time.Millisecond))
		if counts["waiting"] >= pw.o.logins {
			break
		}
	}
}

// answerAll lets --fleet-workers phones at once approve every push,
// oldest login first.
func (pw *pushWait) answerAll(ctx context.Context) {
	pw.cpu1 = pw.srv.CPU()
	pw.fleetStart = time.Now()
	var next atomic.Int64
	var wg sync.WaitGroup
	for range pw.o.fleetWorkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= pw.o.logins || ctx.Err() != nil {
					return
				}
				pw.answer(ctx, i)
			}
		}()
	}
	wg.Wait()
	pw.answered = time.Since(pw.fleetStart)
}

// answer approves login i's push on its phone. The phone keeps looking for
// its push until its login is over: the push it found may time out before
// its answer lands, and the re-sent one replaces it.
func (pw *pushWait) answer(ctx context.Context, i int) {
	var err error
	for try := 0; try < 10 && !pw.finished[i].Load() && ctx.Err() == nil; try++ {
		if try > 0 {
			pw.answerRetry.Add(1)
		}
		if err = pw.fl.approve(ctx, pw.phones[i], pw.o.answerWait); err == nil {
			break
		}
	}
	if err != nil && !pw.finished[i].Load() {
		pw.answerFails.add(errorKind(err))
	}
}

// waitReplies waits for every login's final reply; the logins still in
// flight a minute after their retransmission interval are reported as
// stuck and cancelled.
func (pw *pushWait) waitReplies(ctx context.Context, cancelLogins context.CancelFunc) {
	if pw.stuck = waitOrList(ctx, &pw.wg, pw.srv, pw.o.retry+time.Minute, pw.stderr); pw.stuck != "" {
		cancelLogins()
		pw.wg.Wait()
	}
	pw.cpuAnswer = pw.srv.CPU() - pw.cpu1
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
