package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	layeh "layeh.com/radius"
	"layeh.com/radius/rfc2865"

	"github.com/pushauth/pushauth/internal/radagent"
	"github.com/pushauth/pushauth/protocol/radius/radclient"
	"github.com/pushauth/pushauth/push"
)

// What pushlogin tells the user.
const (
	msgNotified   = "Notification sent to your device. Approve the sign-in there..."
	msgSignedIn   = "Signed in."
	msgRejected   = "Access denied."
	msgNoAnswer   = "No answer given; you are not signed in."
	msgAgain      = "Sign in again? [y/N] "
	promptUser    = "Username: "
	promptPass    = "Password: "
	promptChoice  = "Passcode, push, or Enter to SUBMIT: "
	promptCode    = "Passcode: "
	shownPassword = "Password: ******** (remembered)"
)

// authFailed is the Reply-Message of a wrong password or an unknown user
// (docs/behaviour.md S2.2): such a password is never remembered.
const authFailed = "Authentication failed."

// holdNotice is how long the server must hold a reply before pushlogin
// says that a notification went to the device: a password check answers
// sooner, a login waiting on the phone much later.
const holdNotice = 500 * time.Millisecond

// probeWait bounds how long pushlogin waits for the server to acknowledge
// it at all, by a reply or by answering a Status-Server probe (RFC 5997)
// sent with the first request: an unreachable server or a wrong shared
// secret (the server drops such requests unanswered) is reported then,
// not after --timeout. probeRetry is the probe's retransmission interval.
const (
	probeWait  = 3 * time.Second
	probeRetry = time.Second
)

// agent runs the logins of one pushlogin invocation.
type agent struct {
	opts   options
	secret []byte
	client *radclient.Client
	// probe sends the Status-Server probes, from its own socket (the
	// server knows its clients by address, not port) with a shorter
	// retransmission interval than client's.
	probe *radclient.Client
	term  *terminal
	out   io.Writer
	// acknowledged: the server has answered this agent (a reply or a
	// probe), so it is reachable and the shared secret is right.
	acknowledged bool
}

// outcome is how one login ended.
type outcome struct {
	accepted bool
	// passwordOK: the server got past the password (it challenged, or its
	// rejection was not S2.2's "Authentication failed.").
	passwordOK bool
}

// run asks for the user and password and signs in, offering a new login
// after a rejection on a terminal. It returns the exit status and, for
// exit status 2, the error.
func (a *agent) run(ctx context.Context) (int, error) {
	user := a.opts.user
	for user == "" {
		line, err := a.term.readLine(ctx, promptUser, false)
		if err != nil {
			return exitError, inputError("user name", err)
		}
		user = strings.TrimSpace(line)
		if user == "" && !a.term.tty {
			return exitError, errors.New("empty user name")
		}
	}
	var remembered string
	for attempt := 1; ; attempt++ {
		var password string
		if attempt == 2 && remembered != "" {
			fmt.Fprintln(a.out, shownPassword)
			password, remembered = remembered, ""
		} else {
			line, err := a.term.readLine(ctx, promptPass, true)
			if err != nil {
				return exitError, inputError("password", err)
			}
			password = line
		}
		res, err := a.login(ctx, user, password)
		if err != nil {
			return exitError, err
		}
		if res.accepted {
			fmt.Fprintln(a.out, msgSignedIn)
			return exitAccepted, nil
		}
		if !a.term.tty {
			return exitRejected, nil
		}
		if a.opts.remember && attempt == 1 && res.passwordOK {
			remembered = password
		}
		again, err := a.term.readLine(ctx, msgAgain, false)
		if err != nil && !errors.Is(err, io.EOF) {
			return exitError, inputError("answer", err)
		}
		if again = strings.ToLower(strings.TrimSpace(again)); again != "y" && again != "yes" {
			return exitRejected, nil
		}
	}
}

// login runs one login from the first Access-Request to Access-Accept or
// Access-Reject, answering challenges at the terminal.
func (a *agent) login(ctx context.Context, user, password string) (outcome, error) {
	var res outcome
	answer, state := password, ""
	for {
		resp, err := a.exchange(ctx, user, answer, state)
		if err != nil {
			return res, err
		}
		msg := radagent.ReplyMessage(resp.Packet)
		switch resp.Code {
		case layeh.CodeAccessAccept:
			if msg != "" {
				fmt.Fprintln(a.out, msg)
			}
			res.accepted = true
			return res, nil
		case layeh.CodeAccessReject:
			if msg == "" {
				msg = msgRejected
			}
			fmt.Fprintln(a.out, msg)
			res.passwordOK = res.passwordOK || !strings.HasPrefix(msg, authFailed)
			return res, nil
		case layeh.CodeAccessChallenge:
			res.passwordOK = true
			state = rfc2865.State_GetString(resp.Packet)
			if state == "" {
				return res, errors.New("the server challenged without a State")
			}
			fmt.Fprintln(a.out, msg)
			if _, ok := push.ShownNumber(msg); ok {
				answer = "" // number matching: the server holds this follow-up for the phone
				continue
			}
			prompt := promptCode
			if radagent.OffersPush(msg) {
				prompt = promptChoice
			}
			answer, err = a.term.readLine(ctx, prompt, false)
			if errors.Is(err, io.EOF) {
				fmt.Fprintln(a.out, msgNoAnswer)
				return res, nil
			}
			if err != nil {
				return res, inputError("answer", err)
			}
			answer = strings.TrimSpace(answer)
		default:
			return res, fmt.Errorf("unexpected reply %v from the server", resp.Code)
		}
	}
}

// exchange sends one Access-Request and waits up to --timeout for the
// reply. Once the server has held it for holdNotice and has acknowledged
// the agent (by an earlier reply, or by answering the Status-Server probe
// sent with the first request), it tells the user that the server is
// waiting for the device; a probe that gets no answer within probeWait
// ends the exchange with an error at once.
func (a *agent) exchange(ctx context.Context, user, password, state string) (*radclient.Response, error) {
	p, err := radagent.Request{User: user, Password: password, State: state,
		CallingStation: a.opts.callingStation, NASIdentifier: a.opts.nasIdentifier}.Packet(a.secret)
	if err != nil {
		return nil, err
	}
	type reply struct {
		resp *radclient.Response
		err  error
	}
	done := make(chan reply, 1)
	wait, cancel := context.WithTimeout(ctx, a.opts.timeout)
	defer cancel()
	go func() {
		r, err := a.client.Exchange(wait, p)
		done <- reply{r, err}
	}()
	probed := a.startProbe(wait)
	began := time.Now()
	notice := time.NewTimer(holdNotice)
	defer notice.Stop()
	held, noticed := false, false
	for {
		select {
		case <-notice.C:
			held = true
		case err := <-probed:
			probed = nil
			if err != nil && ctx.Err() == nil {
				return nil, fmt.Errorf("no reply from %s, to the request or to a Status-Server probe, within %v "+
					"(is pushauthd running there, is this host one of its clients, and is the shared secret right?): %w",
					a.opts.server, min(probeWait, a.opts.timeout), err)
			}
			a.acknowledged = a.acknowledged || err == nil
		case r := <-done:
			if !noticed && r.err == nil && time.Since(began) >= holdNotice {
				// the timer and the reply were both ready: the reply was held
				fmt.Fprintln(a.out, msgNotified)
			}
			if r.err == nil {
				a.acknowledged = true
			}
			switch {
			case r.err == nil:
				return r.resp, nil
			case ctx.Err() != nil:
				return nil, fmt.Errorf("interrupted: %w", ctx.Err())
			case errors.Is(r.err, radclient.ErrNoReply):
				return nil, fmt.Errorf("no reply from %s within %v (is this host a client of pushauthd with this shared secret?): %w",
					a.opts.server, a.opts.timeout, r.err)
			}
			return nil, fmt.Errorf("RADIUS exchange with %s: %w", a.opts.server, r.err)
		}
		if held && a.acknowledged && !noticed {
			fmt.Fprintln(a.out, msgNotified)
			noticed = true
		}
	}
}

// startProbe sends a Status-Server probe unless the server has already
// acknowledged the agent, and returns a channel that gets its outcome
// (nil: answered) within probeWait; the channel is nil when no probe is
// sent. The probe ends with ctx.
func (a *agent) startProbe(ctx context.Context) chan error {
	if a.acknowledged || a.probe == nil {
		return nil
	}
	out := make(chan error, 1)
	go func() {
		pctx, cancel := context.WithTimeout(ctx, probeWait)
		defer cancel()
		_, err := a.probe.Exchange(pctx, layeh.New(layeh.CodeStatusServer, a.secret))
		out <- err
	}()
	return out
}

// inputError explains a failed read of what the user was asked for.
func inputError(what string, err error) error {
	if errors.Is(err, io.EOF) {
		return fmt.Errorf("no %s given", what)
	}
	if errors.Is(err, context.Canceled) {
		return fmt.Errorf("interrupted: %w", err)
	}
	return fmt.Errorf("read %s: %w", what, err)
}
