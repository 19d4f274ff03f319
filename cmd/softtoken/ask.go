package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/pushauth/pushauth/protocol/deviceapi/deviceclient"
	"github.com/pushauth/pushauth/push"
)

// askPoll bounds the long-poll wait while a prompt is open, so that a
// login that ends without a newer push (answered with a passcode, timed
// out into a challenge) drops its prompt within seconds.
const askPoll = 5 * time.Second

// typedLine is one line of input and when it was read.
type typedLine struct {
	text string
	at   time.Time
	err  error // io.EOF or a read error; text is then what came before it
}

// polled is the outcome of one long poll.
type polled struct {
	list []push.Payload
	err  error
}

// prompt is the push the user is asked about.
type prompt struct {
	p       push.Payload
	shownAt time.Time
	// strict: the prompt replaced one that was dropped, so input read
	// before it was shown was meant for the dropped push and is ignored.
	strict  bool
	expires *time.Timer
}

// runAsk is watch --answer ask: it keeps polling while it asks, so that a
// prompt whose push expires or whose login ends (answered elsewhere,
// replaced by a newer login) is dropped and the next push shown, and an
// answer typed for a dropped prompt never goes to a newer login.
func (w *watcher) runAsk() error {
	ctx, cancel := context.WithCancel(w.ctx)
	defer cancel()
	fmt.Fprintf(w.stdout, "watching for pushes to device %s (token %s)\n", w.dev.ID(), w.dev.Serial())
	lines := make(chan typedLine)
	go w.readLines(ctx, lines)
	polls := make(chan polled, 1)
	var (
		cur      *prompt
		queue    []push.Payload
		dropped  bool // the last prompt was dropped, not answered
		eof      bool
		inFlight bool
	)
	poll := func() {
		if inFlight || w.done() {
			return
		}
		inFlight = true
		wait := w.wait
		if cur != nil {
			wait = min(wait, askPoll)
		}
		known := append([]string(nil), w.known...)
		go func() {
			list, err := w.dev.Pending(ctx, wait, known...)
			if errors.Is(err, deviceclient.ErrForged) {
				fmt.Fprintf(w.stderr, "REFUSED a push that is not signed by the server for this device: %v\n", err)
				w.pause()
				err = nil
			}
			polls <- polled{list, err}
		}()
	}
	drop := func(why string) {
		cur.expires.Stop()
		fmt.Fprintf(w.stdout, "\n  -> %s; prompt dropped\n", why)
		cur, dropped = nil, true
	}
	poll()
	for !w.done() || cur != nil {
		var input <-chan typedLine
		var expired <-chan time.Time
		if cur != nil {
			input, expired = lines, cur.expires.C
		}
		select {
		case <-ctx.Done():
			return nil
		case r := <-polls:
			inFlight = false
			if ctx.Err() != nil {
				return nil
			}
			if r.err != nil {
				return r.err
			}
			pending := map[string]bool{}
			w.known = w.known[:0]
			for _, p := range r.list {
				pending[p.Nonce] = true
				if len(w.known) < maxKnown {
					w.known = append(w.known, p.Nonce)
				}
				if !w.seen[p.Nonce] {
					w.seen[p.Nonce] = true
					queue = append(queue, p)
				}
			}
			if cur != nil && !pending[cur.p.Nonce] {
				drop(endedReason(cur.p, time.Now()))
			}
			queue = keepPending(queue, pending)
		case <-expired:
			drop("the push expired unanswered")
		case l := <-input:
			eof = eof || l.err != nil
			ignore := func() {
				fmt.Fprintln(w.stdout, "\n  -> ignored")
				cur.expires.Stop()
				cur, dropped = nil, false
			}
			switch {
			case l.err != nil && strings.TrimSpace(l.text) == "":
				ignore()
			case cur.strict && l.at.Before(cur.shownAt) && eof:
				ignore()
			case cur.strict && l.at.Before(cur.shownAt):
				fmt.Fprintln(w.stdout, "  (input typed before this prompt ignored: it was meant for the dropped one)")
				w.showPrompt(cur.p)
			case !time.Now().Before(cur.p.Expires):
				drop("the push expired unanswered")
			default:
				decision, number, ok := parseAnswer(cur.p, strings.ToLower(strings.TrimSpace(l.text)))
				if !ok && eof {
					ignore()
					break
				}
				if !ok {
					w.showPrompt(cur.p)
					break
				}
				p := cur.p
				cur.expires.Stop()
				cur, dropped = nil, false
				if err := w.deliver(p, decision, number); err != nil {
					return err
				}
			}
		}
		if cur == nil && len(queue) > 0 && !w.done() {
			p := queue[0]
			queue = queue[1:]
			w.handled++
			describe(w.stdout, p, time.Now())
			if eof {
				fmt.Fprintln(w.stdout, "  -> ignored (no more input)")
				continue
			}
			w.showPrompt(p)
			cur = &prompt{p: p, shownAt: time.Now(), strict: dropped, expires: time.NewTimer(time.Until(p.Expires))}
		}
		poll()
	}
	return nil
}

// showPrompt asks about p.
func (w *watcher) showPrompt(p push.Payload) {
	if hasChoices(p) {
		c := p.NumberChoices
		fmt.Fprintf(w.stdout, "approve login of %s by picking the number shown? [%d/%d/%d/n] ", p.User, c[0], c[1], c[2])
		return
	}
	fmt.Fprintf(w.stdout, "approve login of %s? [y/n] ", p.User)
}

// endedReason says why a push left the server's pending list.
func endedReason(p push.Payload, now time.Time) string {
	if !now.Before(p.Expires) {
		return "the push expired unanswered"
	}
	return "the login ended (answered another way, replaced by a newer login, or over)"
}

// keepPending drops from queue the pushes no longer pending.
func keepPending(queue []push.Payload, pending map[string]bool) []push.Payload {
	out := queue[:0]
	for _, p := range queue {
		if pending[p.Nonce] {
			out = append(out, p)
		}
	}
	return out
}

// readLines sends each line of input, stamped when it was read, until
// the input ends (the last carries the error) or ctx ends.
func (w *watcher) readLines(ctx context.Context, out chan<- typedLine) {
	for {
		text, err := w.in.ReadString('\n')
		select {
		case out <- typedLine{text: text, at: time.Now(), err: err}:
		case <-ctx.Done():
			return
		}
		if err != nil {
			return
		}
	}
}
