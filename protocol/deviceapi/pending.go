package deviceapi

import (
	"context"
	"net/http"
	"time"

	"github.com/pushauth/pushauth/push"
)

// maxKnown bounds the nonces a pending request may list.
const maxKnown = 64

// DefaultMaxPollsPerDevice is how many pending calls one device may have
// open at once (SPEC S6.4); one more gets 429 too_many_polls. An app needs
// one; a few more cover polls a flaky network left behind.
const DefaultMaxPollsPerDevice = 4

type pendingRequest struct {
	Timestamp int64    `json:"timestamp"`
	Wait      int64    `json:"wait"`  // seconds to long-poll; capped at MaxLongPoll
	Known     []string `json:"known"` // nonces the device already holds
}

type pendingResponse struct {
	Pushes []push.Signed `json:"pushes"`
	// PollToken and PollTokenExpires answer a signed call only.
	PollToken        string `json:"poll_token,omitempty"`
	PollTokenExpires int64  `json:"poll_token_expires,omitempty"`
}

// pending returns the device's pending pushes, long-polling up to the
// requested wait for one it does not know yet. It only reads, so replaying
// a signed request within the clock window reveals nothing new to anyone
// who could not already read the first response. A signed call's answer
// carries a poll token that authenticates later calls without a signature
// (polltoken.go).
func (a *api) pending(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	req, resp, err := a.readPending(w, r, id)
	if err != nil {
		fail(w, err)
		return
	}
	done, err := a.openPoll(id)
	if err != nil {
		fail(w, err)
		return
	}
	defer done()
	defer a.Metrics.pollOpened()()
	ctx, cancel := context.WithTimeout(r.Context(), a.longPoll(req.Wait))
	defer cancel()
	list := a.waitPending(ctx, id, req.Known)
	if list == nil {
		list = []push.Signed{}
	}
	a.Log.Debug().Str("device_id", id).Int("pushes", len(list)).Bool("signed", resp.PollToken != "").
		Msg("pending served")
	resp.Pushes = list
	writeJSON(w, http.StatusOK, resp)
}

// openPoll counts a pending call of device id as open; the caller calls
// done when it ends. It fails when polling is off or the device has
// DefaultMaxPollsPerDevice calls open already.
func (a *api) openPoll(id string) (done func(), err error) {
	if a.Poll == nil {
		return nil, errorf(http.StatusServiceUnavailable, "poll_unavailable", "this server does not offer polling")
	}
	done, ok := a.Poll.OpenPoll(id, DefaultMaxPollsPerDevice)
	if !ok {
		a.Log.Warn().Str("device_id", id).Int("max", DefaultMaxPollsPerDevice).Msg("pending refused: too many open polls")
		return nil, errorf(http.StatusTooManyRequests, "too_many_polls",
			"this device already has %d pending requests open; wait for one to end", DefaultMaxPollsPerDevice)
	}
	return done, nil
}

// longPoll is the wait asked for (seconds), capped at MaxLongPoll.
func (a *api) longPoll(seconds int64) time.Duration {
	if seconds >= int64(a.MaxLongPoll/time.Second) {
		return a.MaxLongPoll
	}
	return time.Duration(seconds) * time.Second
}

// readPending decodes and authenticates a pending request. The answer it
// returns carries a new poll token when the request was signed.
func (a *api) readPending(w http.ResponseWriter, r *http.Request, id string) (*pendingRequest, pendingResponse, error) {
	var req pendingRequest
	if err := readJSON(w, r, &req); err != nil {
		return nil, pendingResponse{}, err
	}
	if req.Wait < 0 {
		return nil, pendingResponse{}, errorf(http.StatusBadRequest, "bad_wait", "field \"wait\" must be 0 or more seconds")
	}
	if len(req.Known) > maxKnown {
		return nil, pendingResponse{}, errorf(http.StatusBadRequest, "bad_known", "field \"known\" may list at most %d nonces", maxKnown)
	}
	resp, err := a.authPending(r, id, req.Timestamp)
	return &req, resp, err
}

// authPending authenticates a pending call of device id: by its poll
// token when it has one and no signature (the timestamp is then not
// needed), else by its signature, which earns a new poll token.
func (a *api) authPending(r *http.Request, id string, ts int64) (pendingResponse, error) {
	sig, token := r.Header.Get(SignatureHeader), r.Header.Get(PollTokenHeader)
	if token != "" && sig == "" {
		return pendingResponse{}, a.tokenDevice(r.Context(), id, token)
	}
	if err := a.checkTimestamp(ts); err != nil {
		return pendingResponse{}, err
	}
	tok, err := a.verifiedDevice(r.Context(), id, PendingMessage(id, ts), sig)
	if err != nil {
		return pendingResponse{}, err
	}
	var resp pendingResponse
	resp.PollToken, resp.PollTokenExpires = a.tokens.issue(id, tok.Device.PublicKey, a.Now())
	return resp, nil
}

// waitPending returns the pending pushes as soon as one of them is not in
// known, or, read afresh, when ctx ends.
func (a *api) waitPending(ctx context.Context, id string, known []string) []push.Signed {
	return a.Poll.WaitFor(ctx, id, known)
}
