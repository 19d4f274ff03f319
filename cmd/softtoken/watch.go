package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/pushauth/pushauth/protocol/deviceapi/deviceclient"
	"github.com/pushauth/pushauth/push"
)

// Watch modes.
const (
	modeApprove = "approve"
	modeDeny    = "deny"
	modeIgnore  = "ignore"
	modeAsk     = "ask"
)

// maxKnown is how many handled nonces a poll tells the server about.
const maxKnown = 64

// watcher long-polls one device and handles each new push once.
type watcher struct {
	*env
	dev     *deviceclient.Device
	mode    string
	count   int           // stop after this many pushes; 0 = never
	wait    time.Duration // long-poll wait per request
	backoff time.Duration // pause after a poll that brought only forged pushes
	in      *bufio.Reader
	seen    map[string]bool // nonces handled
	known   []string        // handled nonces still pending at the last poll
	handled int
}

// cmdWatch answers pushes until interrupted or --count are handled.
func cmdWatch(e *env, args []string) error {
	fs := newFlagSet("watch", e)
	mode := fs.String("answer", "", "`mode` for each push: approve, deny, ignore or ask")
	state := fs.String("state", defaultState, "device state `file`")
	count := fs.Int("count", 0, "exit after handling `n` pushes (0: run until interrupted)")
	wait := fs.Duration("wait", 25*time.Second, "long-poll wait per request")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if err := checkWatchArgs(pos, *mode, *count); err != nil {
		return err
	}
	d, err := deviceclient.Load(*state)
	if err != nil {
		return err
	}
	d.HTTP = &http.Client{Timeout: *wait + 30*time.Second}
	w := &watcher{env: e, dev: d, mode: *mode, count: *count, wait: *wait, backoff: time.Second,
		in: bufio.NewReader(e.stdin), seen: map[string]bool{}}
	if w.mode == modeAsk {
		return w.runAsk()
	}
	return w.run()
}

func checkWatchArgs(pos []string, mode string, count int) error {
	switch {
	case len(pos) != 0:
		return usagef("watch takes no arguments")
	case mode != modeApprove && mode != modeDeny && mode != modeIgnore && mode != modeAsk:
		return usagef("--answer must be approve, deny, ignore or ask")
	case count < 0:
		return usagef("--count must be 0 or more")
	}
	return nil
}

// run polls until ctx ends or count pushes were handled.
func (w *watcher) run() error {
	fmt.Fprintf(w.stdout, "watching for pushes to device %s (token %s)\n", w.dev.ID(), w.dev.Serial())
	for !w.done() {
		list, err := w.dev.Pending(w.ctx, w.wait, w.known...)
		if w.ctx.Err() != nil {
			return nil
		}
		forged := errors.Is(err, deviceclient.ErrForged)
		if err != nil && !forged {
			return err
		}
		if forged {
			fmt.Fprintf(w.stderr, "REFUSED a push that is not signed by the server for this device: %v\n", err)
		}
		if err := w.handleAll(list); err != nil {
			return err
		}
		if forged && !w.done() {
			w.pause()
		}
	}
	return nil
}

// done reports whether --count pushes were handled.
func (w *watcher) done() bool { return w.count > 0 && w.handled >= w.count }

// handleAll handles the pushes not seen before and remembers the rest.
func (w *watcher) handleAll(list []push.Payload) error {
	w.known = w.known[:0]
	for _, p := range list {
		if w.seen[p.Nonce] {
			if len(w.known) < maxKnown {
				w.known = append(w.known, p.Nonce)
			}
			continue
		}
		if w.done() {
			return nil
		}
		w.seen[p.Nonce] = true
		w.handled++
		if err := w.handle(p); err != nil {
			return err
		}
	}
	return nil
}

// handle shows one push and answers it as the mode says.
func (w *watcher) handle(p push.Payload) error {
	describe(w.stdout, p, time.Now())
	decision, number := w.decide(p)
	if decision == "" {
		fmt.Fprintln(w.stdout, "  -> ignored")
		return nil
	}
	return w.deliver(p, decision, number)
}

// deliver sends the answer to p and says how the server took it.
func (w *watcher) deliver(p push.Payload, decision string, number int) error {
	var err error
	if number != 0 {
		err = w.dev.Pick(w.ctx, p, number)
	} else {
		err = w.dev.Answer(w.ctx, p, decision)
	}
	var ae *deviceclient.APIError
	switch {
	case err == nil:
		fmt.Fprintf(w.stdout, "  -> %s: answer delivered (the login's result is the RADIUS reply)\n", decision)
	case errors.As(err, &ae):
		fmt.Fprintf(w.stdout, "  -> %s: refused by the server: %s (%s)\n", decision, ae.Message, ae.Code)
	default:
		return err
	}
	return nil
}

// describe prints who is logging in from where.
func describe(out io.Writer, p push.Payload, now time.Time) {
	fmt.Fprintf(out, "login request for user %q\n", p.User)
	fmt.Fprintf(out, "  client:          %s (agent %s)\n", p.Client, p.Agent)
	if p.CallingStation != "" {
		fmt.Fprintf(out, "  calling station: %s\n", p.CallingStation)
	}
	left := p.Expires.Sub(now).Round(time.Second)
	fmt.Fprintf(out, "  expires:         %s (in %s)\n", p.Expires.Local().Format(time.TimeOnly), left)
	fmt.Fprintf(out, "  login id:        %s\n", p.LoginID)
	if hasChoices(p) {
		fmt.Fprintf(out, "  pick the number: %d, %d or %d (the login screen shows one)\n",
			p.NumberChoices[0], p.NumberChoices[1], p.NumberChoices[2])
	}
}

// hasChoices tells whether the push asks for number matching.
func hasChoices(p push.Payload) bool { return p.NumberChoices != [3]int{} }

// decide returns the decision for p, or "" to leave it unanswered, and
// the number picked for a push with number choices (--answer ask is
// runAsk's). --answer approve
// cannot know the number: such a push is left for --answer ask.
func (w *watcher) decide(p push.Payload) (string, int) {
	switch {
	case w.mode == modeApprove && hasChoices(p):
		fmt.Fprintln(w.stdout, "  this push asks to pick a number: use --answer ask")
		return "", 0
	case w.mode == modeApprove:
		return push.Approve, 0
	case w.mode == modeDeny:
		return push.Deny, 0
	}
	return "", 0
}

// parseAnswer reads one typed answer: y/n, or one of the push's numbers.
func parseAnswer(p push.Payload, s string) (string, int, bool) {
	switch s {
	case "n", "no":
		return push.Deny, 0, true
	case "y", "yes":
		return push.Approve, 0, !hasChoices(p)
	}
	n, err := strconv.Atoi(s)
	if err != nil || !hasChoices(p) || !slices.Contains(p.NumberChoices[:], n) {
		return "", 0, false
	}
	return push.Approve, n, true
}

// pause waits a little (or until interrupted) so that forged pushes the
// server keeps returning do not make the loop spin.
func (w *watcher) pause() {
	t := time.NewTimer(w.backoff)
	defer t.Stop()
	select {
	case <-w.ctx.Done():
	case <-t.C:
	}
}
