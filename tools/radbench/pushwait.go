package main

import (
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
	o, err := parsePushWait(args, stderr)
	if err != nil {
		return err
	}
	srv, err := startServer(ctx, o.server, stderr)
	if err != nil {
		return err
	}
	defer srv.Stop()
	pw := &pushWait{o: o, srv: srv, stderr: stderr}
	defer pw.close()
	if err := pw.setUp(ctx); err != nil {
		return err
	}
	lctx, cancelLogins := context.WithTimeout(ctx, o.waitTimeout+10*time.Minute)
	defer cancelLogins()
	pw.startLogins(lctx)
	if err := pw.waitAllInFlight(ctx); err != nil {
		return err
	}
	pw.countWaiting(ctx)
	if err := srv.HeapProfile("push-wait-heap.pprof"); err != nil {
		fmt.Fprintf(stderr, "heap profile: %v\n", err)
	}
	pw.answerAll(ctx)
	pw.waitReplies(ctx, cancelLogins)
	return pw.report(ctx, stdout)
}

// pushWaitOptions are push-wait's flags.
type pushWaitOptions struct {
	server       serverOptions
	logins       int           // in flight at once
	provWorkers  int           // parallel provisioning calls
	fleetWorkers int           // phones answering at once
	perSocket    int           // logins per RADIUS client socket
	retry        time.Duration // RADIUS retransmission interval
	window       int           // flow control window (0: off)
	rampRate     int           // new logins per second at most (0: no cap)
	waitTimeout  time.Duration // for all logins to be in flight
	answerWait   time.Duration // a phone's long poll
	repush       bool          // a timed-out push asks for another
	listLogins   bool          // count the waiting logins by state
}

// parsePushWait reads push-wait's command line.
func parsePushWait(args []string, stderr io.Writer) (pushWaitOptions, error) {
	var o pushWaitOptions
	fs := flag.NewFlagSet("radbench push-wait", flag.ContinueOnError)
	fs.SetOutput(stderr)
	o.server.register(fs)
	fs.IntVar(&o.logins, "logins", 100000, "logins in flight at once (one user and one activated phone each)")
	fs.IntVar(&o.provWorkers, "provision-workers", 32, "parallel provisioning calls (create user, program token, activate)")
	fs.IntVar(&o.fleetWorkers, "fleet-workers", 256, "phones answering at once")
	fs.IntVar(&o.perSocket, "per-socket", 250, "logins per RADIUS client socket (at most 256)")
	fs.DurationVar(&o.retry, "retry", 0, "RADIUS retransmission interval (default NOTIFICATIONTIMEOUT + 5 s: every request the server got is answered before, so one request per push)")
	fs.IntVar(&o.window, "window", 200, "requests sent but not yet turned into a push by the server (flow control from /metrics, so the server's socket buffer never overflows; 0 = off)")
	fs.IntVar(&o.rampRate, "ramp-rate", 0, "cap on new logins per second while ramping up (0 = no cap besides --window)")
	fs.DurationVar(&o.waitTimeout, "wait-timeout", 5*time.Minute, "give up if the logins are not all in flight by then")
	fs.DurationVar(&o.answerWait, "answer-wait", 10*time.Second, "how long a phone long-polls for its push")
	fs.BoolVar(&o.repush, "repush", true, "when a push times out (Access-Challenge), ask for another push with an empty answer, as a user would, so the login stays in flight")
	fs.BoolVar(&o.listLogins, "list-logins", true, "count the waiting logins with the admin API's list of logins in flight once all are in flight")
	if err := parseFlags(fs, args); err != nil {
		return o, err
	}
	if o.perSocket < 1 || o.perSocket > 256 {
		return o, fmt.Errorf("--per-socket must be 1..256")
	}
	if o.retry <= 0 {
		o.retry = time.Duration(o.server.notifTimeout)*time.Second + 5*time.Second
	}
	return o, nil
}

// pushWait is one push-wait run: the server, its phones, the logins and
// what was measured of them.
type pushWait struct {
	o      pushWaitOptions
	srv    *serverProc
	stderr io.Writer // progress

	fl      *fleet
	phones  []*phone
	sockets int
	rp      *radPool
	fc      *flow

	// Each login, by index.
	sent, replied       []time.Time
	codes               []layeh.Code
	finished            []atomic.Bool
	outs                outcomes
	wg                  sync.WaitGroup // one per login, done at its final reply
	sentCount, repushes atomic.Int64

	// Before the logins.
	provTime    time.Duration
	memProv     memStat
	m0          metrics
	udp0        uint64
	cpu0        time.Duration
	mem0        memStat
	rampStart   time.Time
	marks       []milestone // RSS as the logins ramp up, every tenth of them
	allInFlight time.Duration
	cpuRamp     time.Duration
	repushRamp  int64
	memAll      memStat
	mAll        metrics
	threadsAll  int
	states      map[string]int // the logins in flight by state (nil: not listed)
	memWait     memStat
	listTime    time.Duration
	cpu1        time.Duration
	fleetStart  time.Time
	answered    time.Duration
	answerFails outcomes
	answerRetry atomic.Int64
	stuck       string // logins without a final reply ("" none)
	cpuAnswer   time.Duration
}

// milestone is the server's RSS when inFlight logins were in flight.
type milestone struct {
	inFlight int
	at       time.Duration
	rss      uint64
}

// setUp provisions the users and phones, opens the RADIUS sockets and
// records the server before the logins.
func (pw *pushWait) setUp(ctx context.Context) error {
	if err := setBenchPolicies(ctx, pw.srv.Admin); err != nil {
		return err
	}
	n := pw.o.logins
	pw.fl = newFleet(max(pw.o.provWorkers, pw.o.fleetWorkers))
	began := time.Now()
	phones, err := provisionPhones(ctx, pw.srv.Admin, n, false, pw.o.provWorkers, pw.fl, pw.stderr)
	if err != nil {
		return fmt.Errorf("provision: %w", err)
	}
	pw.phones, pw.provTime = phones, time.Since(began)
	fmt.Fprintf(pw.stderr, "provisioned %d users with activated phones in %v\n", n, pw.provTime.Round(time.Millisecond))
	pw.memProv, _ = pw.srv.Memory()

	pw.sockets = (n + pw.o.perSocket - 1) / pw.o.perSocket
	if pw.rp, err = dialPool(pw.srv.Radius, isapiSource, pw.sockets, pw.o.retry); err != nil {
		return fmt.Errorf("open %d client sockets: %w", pw.sockets, err)
	}
	if pw.m0, err = pw.srv.Metrics(ctx); err != nil {
		return err
	}
	pw.udp0, _ = udpErrors()
	pw.cpu0 = pw.srv.CPU()
	pw.mem0, _ = pw.srv.Memory()
	pw.fc = newFlow(ctx, pw.srv, pw.o.window, pw.m0[pushesOK])
	pw.sent, pw.replied = make([]time.Time, n), make([]time.Time, n)
	pw.codes, pw.finished = make([]layeh.Code, n), make([]atomic.Bool, n)
	return nil
}

// close stops what setUp started.
func (pw *pushWait) close() {
	if pw.fc != nil {
		pw.fc.stop()
	}
	if pw.rp != nil {
		pw.rp.Close()
	}
	if pw.fl != nil {
		pw.fl.close()
	}
}
