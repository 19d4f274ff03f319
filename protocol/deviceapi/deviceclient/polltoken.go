package deviceclient

import (
	"context"
	"strconv"
	"time"

	"github.com/pushauth/pushauth/push"
)

// PollTokenMargin is how long before its expiry a poll token is no longer
// used: the next pending call signs and gets a new one.
const PollTokenMargin = time.Minute

// pollToken is the poll token a signed pending call returned.
type pollToken struct {
	value   string
	expires time.Time
}

// pending sends a pending call with the poll token held, or signed when
// none is usable or the server refuses it (401 bad_poll_token: signed
// once more at once).
func (d *Device) pending(ctx context.Context, req pendingRequest) (*pendingResponse, error) {
	if tok := d.usablePollToken(); tok != "" {
		var resp pendingResponse
		err := postJSON(ctx, d.client(), d.url("/pending"), req, credential{pollTokenHeader, tok}, &resp)
		if !IsCode(err, "bad_poll_token") {
			return &resp, err
		}
		d.dropPollToken(tok)
	}
	return d.signedPending(ctx, req)
}

// signedPending sends a signed pending call and keeps the poll token it
// returns.
func (d *Device) signedPending(ctx context.Context, req pendingRequest) (*pendingResponse, error) {
	req.Timestamp = d.now().Unix()
	msg := "pending|" + d.ID() + "|" + strconv.FormatInt(req.Timestamp, 10)
	sig, err := push.Sign(d.key, []byte(msg))
	if err != nil {
		return nil, err
	}
	var resp pendingResponse
	if err := postJSON(ctx, d.client(), d.url("/pending"), req, signature(sig), &resp); err != nil {
		return nil, err
	}
	d.keepPollToken(resp.PollToken, resp.PollTokenExpires)
	return &resp, nil
}

// PollToken is the poll token the device holds and when it expires; ""
// before a signed pending call returned one. An app never needs it (the
// device uses it by itself); tests and diagnostics may.
func (d *Device) PollToken() (value string, expires time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.poll.value, d.poll.expires
}

// usablePollToken is the token held, unless there is none, signing every
// poll is asked for, or it is within PollTokenMargin of its expiry.
func (d *Device) usablePollToken() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.SignEveryPoll || d.poll.value == "" || d.now().Add(PollTokenMargin).After(d.poll.expires) {
		return ""
	}
	return d.poll.value
}

// keepPollToken holds a token a signed call returned (a server without
// poll tokens returns none: the device keeps signing).
func (d *Device) keepPollToken(value string, expires int64) {
	if value == "" {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.poll = pollToken{value: value, expires: time.Unix(expires, 0)}
}

// dropPollToken forgets a refused token, unless a concurrent signed call
// has replaced it already.
func (d *Device) dropPollToken(value string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.poll.value == value {
		d.poll = pollToken{}
	}
}
