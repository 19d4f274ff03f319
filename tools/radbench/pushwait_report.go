package main

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"time"

	layeh "layeh.com/radius"
)

// report prints the run's result on stdout; an error when not every login
// was accepted.
func (pw *pushWait) report(ctx context.Context, stdout io.Writer) error {
	n := pw.o.logins
	header(stdout, "push-wait", pw.o.server,
		"login", "isapi client, policy method=token (no password), empty User-Password → push to a poll-mode soft token → approve → Access-Accept",
		"setup", fmt.Sprintf("%d users, one activated phone each; %d RADIUS sockets (%d logins each, retransmit every %v); flow window %d; %d answering phones at once",
			n, pw.sockets, pw.o.perSocket, pw.o.retry, pw.o.window, pw.o.fleetWorkers))
	var tb table
	tb.add("logins in flight", "after", "server RSS")
	for _, mk := range pw.marks {
		tb.add(fmt.Sprint(mk.inFlight), fmt.Sprintf("%.1f s", mk.at.Seconds()), mib(mk.rss))
	}
	tb.print(stdout)
	kv(stdout, append(pw.rampFigures(), pw.answerFigures(ctx)...)...)
	if accepts := pw.outs.get(layeh.CodeAccessAccept.String()); accepts != n {
		return fmt.Errorf("%d of %d logins accepted", accepts, n)
	}
	return nil
}

// rampFigures are the report's lines up to every login in flight.
func (pw *pushWait) rampFigures() []string {
	n := pw.o.logins
	perLogin := "-"
	if pw.memAll.RSS > pw.mem0.RSS {
		perLogin = fmt.Sprintf("%.1f KiB", float64(pw.memAll.RSS-pw.mem0.RSS)/1024/float64(n))
	}
	pairs := []string{
		"provisioning", fmt.Sprintf("%v for %d users + activated phones (%.0f/s), server RSS after %s", pw.provTime.Round(time.Millisecond), n, float64(n)/pw.provTime.Seconds(), mib(pw.memProv.RSS)),
		"time to all in flight", fmt.Sprintf("%v (%.0f logins/s; server CPU %.1f s = %.0f µs/login); %d pushes timed out and were re-sent meanwhile", pw.allInFlight.Round(time.Millisecond),
			float64(n)/pw.allInFlight.Seconds(), pw.cpuRamp.Seconds(), float64(pw.cpuRamp.Microseconds())/float64(n), pw.repushRamp),
		"RSS before logins", mib(pw.mem0.RSS),
		"RSS all in flight", fmt.Sprintf("%s (+%s per login); Go heap in use %s, goroutines %.0f, OS threads %d",
			mib(pw.memAll.RSS), perLogin, mib(uint64(pw.mAll["go_memstats_heap_inuse_bytes"])), pw.mAll["go_goroutines"], pw.threadsAll),
	}
	if pw.states != nil {
		pairs = append(pairs, "waiting on phones", fmt.Sprintf("%d at once (admin API list of logins: %s, listed in %v), server RSS then %s",
			pw.states["waiting"], formatCounts(pw.states), pw.listTime.Round(time.Millisecond), mib(pw.memWait.RSS)))
	}
	return pairs
}

// answerFigures are the report's lines from the first answer on, with the
// server's state at the end.
func (pw *pushWait) answerFigures(ctx context.Context) []string {
	n := pw.o.logins
	var last time.Time
	var lats []time.Duration
	for i := range n {
		if pw.codes[i] == layeh.CodeAccessAccept {
			lats = append(lats, pw.replied[i].Sub(pw.sent[i]))
			if pw.replied[i].After(last) {
				last = pw.replied[i]
			}
		}
	}
	m1, _ := pw.srv.Metrics(ctx)
	udp1, _ := udpErrors()
	memEnd, _ := pw.srv.Memory()
	warns, errs, samples := pw.srv.logCounts()
	lat := Summarize(lats)
	return []string{
		"answering", fmt.Sprintf("%v for %d phones (%.0f answers/s; server CPU %.1f s = %.0f µs/login); %d answers found their push had just timed out and answered the re-sent one; failures: %s",
			pw.answered.Round(time.Millisecond), n, float64(n)/pw.answered.Seconds(), pw.cpuAnswer.Seconds(), float64(pw.cpuAnswer.Microseconds())/float64(n), pw.answerRetry.Load(), pw.answerFails.String()),
		"re-pushes", fmt.Sprintf("%d in all (%d while answering)", pw.repushes.Load(), pw.repushes.Load()-pw.repushRamp),
		"time to complete", fmt.Sprintf("%v from the first answer to the last Access-Accept", last.Sub(pw.fleetStart).Round(time.Millisecond)),
		"replies", pw.outs.String(),
		"stuck logins", cmp.Or(pw.stuck, "none"),
		"accepts", fmt.Sprintf("%d of %d", pw.outs.get(layeh.CodeAccessAccept.String()), n),
		"login latency", fmt.Sprintf("request → Access-Accept p50 %s ms, p99 %s ms, max %s ms", ms(lat.P50), ms(lat.P99), ms(lat.Max)),
		"peak RSS", fmt.Sprintf("%s (VmHWM), RSS at end %s", mib(memEnd.HWM), mib(memEnd.RSS)),
		"loss", fmt.Sprintf("%.0f retransmits seen by the server, %.0f dropped, %d host UDP receive-buffer errors",
			m1.sum("pushauth_radius_duplicates_total")-pw.m0.sum("pushauth_radius_duplicates_total"),
			m1.sum("pushauth_radius_dropped_total")-pw.m0.sum("pushauth_radius_dropped_total"), udp1-pw.udp0),
		"server log", fmt.Sprintf("%d warnings, %d errors %v", warns, errs, samples),
		"audit", pw.srv.auditCount(ctx),
	}
}
