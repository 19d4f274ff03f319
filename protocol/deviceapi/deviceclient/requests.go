package deviceclient

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/pushauth/pushauth/push"
)

// ErrForged means a push did not verify with the server's key, or was not
// meant for this device. Such pushes must never be shown or answered.
var ErrForged = errors.New("push refused: bad server signature or not for this device")

type pendingRequest struct {
	Timestamp int64    `json:"timestamp,omitempty"` // signed calls only
	Wait      int64    `json:"wait"`
	Known     []string `json:"known,omitempty"`
}

type pendingResponse struct {
	Pushes           []push.Signed `json:"pushes"`
	PollToken        string        `json:"poll_token"`         // signed calls only
	PollTokenExpires int64         `json:"poll_token_expires"` // Unix seconds
}

type answerRequest struct {
	DeviceID  string `json:"device_id"`
	LoginID   string `json:"login_id"`
	Nonce     string `json:"nonce"`
	Decision  string `json:"decision"`
	Signature string `json:"signature"`
	Report    bool   `json:"report,omitempty"`
	Number    int    `json:"number,omitempty"`
}

type pushTokenRequest struct {
	Timestamp int64  `json:"timestamp"`
	PushToken string `json:"push_token"`
}

type statusResponse struct {
	Status string `json:"status"`
}

// Pending fetches the device's pending pushes, long-polling up to wait
// (whole seconds; the server caps it) for one whose nonce is not in known.
// It authenticates with the poll token of an earlier call while that is
// more than PollTokenMargin from expiry, and signs otherwise (or when the
// server refuses the token). Each push is verified with the server's key;
// when some fail, Pending returns the verified ones together with an
// error wrapping ErrForged.
func (d *Device) Pending(ctx context.Context, wait time.Duration, known ...string) ([]push.Payload, error) {
	req := pendingRequest{Wait: int64(wait / time.Second), Known: known}
	resp, err := d.pending(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("pending: %w", err)
	}
	var out []push.Payload
	var errs []error
	for _, s := range resp.Pushes {
		p, err := d.Verify(s)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out = append(out, p)
	}
	return out, errors.Join(errs...)
}

// NextPush long-polls, wait at a time, until a push whose nonce is not in
// known arrives, and returns it; it gives up when ctx ends.
func (d *Device) NextPush(ctx context.Context, wait time.Duration, known ...string) (push.Payload, error) {
	for {
		list, err := d.Pending(ctx, wait, known...)
		if err != nil {
			return push.Payload{}, err
		}
		for _, p := range list {
			if !slices.Contains(known, p.Nonce) {
				return p, nil
			}
		}
		if ctx.Err() != nil {
			return push.Payload{}, fmt.Errorf("no new push: %w", ctx.Err())
		}
	}
}

// Verify checks the server's signature over a push's data and that it is
// meant for this device, and decodes its payload.
func (d *Device) Verify(s push.Signed) (push.Payload, error) {
	var p push.Payload
	if err := push.Verify(d.server, []byte(s.Data), s.Signature); err != nil {
		return p, fmt.Errorf("%w: %v", ErrForged, err)
	}
	if err := json.Unmarshal([]byte(s.Data), &p); err != nil {
		return p, fmt.Errorf("%w: payload does not decode: %v", ErrForged, err)
	}
	if p.DeviceID != d.ID() {
		return p, fmt.Errorf("%w: push is for device %q", ErrForged, p.DeviceID)
	}
	return p, nil
}

// Answer signs and sends a decision (push.Approve or push.Deny) for a push.
// The server's refusals are *APIError (e.g. code "already_answered").
func (d *Device) Answer(ctx context.Context, p push.Payload, decision string) error {
	return d.answer(ctx, p, decision, false, 0)
}

// Pick approves a push with number choices (number matching): number is
// the one the user picked among p.NumberChoices.
func (d *Device) Pick(ctx context.Context, p push.Payload, number int) error {
	return d.answer(ctx, p, push.Approve, false, number)
}

// Report denies a push saying "this wasn't me": the server suspends pushes
// to the user for a while and marks the login's audit record.
func (d *Device) Report(ctx context.Context, p push.Payload) error {
	return d.answer(ctx, p, push.Deny, true, 0)
}

func (d *Device) answer(ctx context.Context, p push.Payload, decision string, report bool, number int) error {
	msg := push.AnswerMessage(p.LoginID, p.Nonce, decision)
	if number != 0 {
		msg = push.PickedAnswerMessage(p.LoginID, p.Nonce, decision, number)
	}
	sig, err := push.Sign(d.key, msg)
	if err != nil {
		return err
	}
	req := answerRequest{DeviceID: d.ID(), LoginID: p.LoginID, Nonce: p.Nonce, Decision: decision, Signature: sig,
		Report: report, Number: number}
	var resp statusResponse
	if err := postJSON(ctx, d.client(), d.State().APIBase+"/v1/answers", req, credential{}, &resp); err != nil {
		return fmt.Errorf("answer: %w", err)
	}
	return nil
}

// UpdatePushToken registers a new APNs/FCM token for the device (and
// re-enables push if the server had disabled it).
func (d *Device) UpdatePushToken(ctx context.Context, token string) error {
	ts := d.now().Unix()
	msg := "push-token|" + d.ID() + "|" + strconv.FormatInt(ts, 10) + "|" + token
	sig, err := push.Sign(d.key, []byte(msg))
	if err != nil {
		return err
	}
	var resp statusResponse
	req := pushTokenRequest{Timestamp: ts, PushToken: token}
	if err := postJSON(ctx, d.client(), d.url("/push-token"), req, signature(sig), &resp); err != nil {
		return fmt.Errorf("update push token: %w", err)
	}
	return nil
}

// UpdateSubscription registers a web device's new push subscription (the
// JSON of PushSubscription.toJSON()) and re-enables push. The signature
// covers sub exactly as it is sent: the body is built around it as is.
func (d *Device) UpdateSubscription(ctx context.Context, sub string) error {
	ts := strconv.FormatInt(d.now().Unix(), 10)
	sig, err := push.Sign(d.key, []byte("push-token|"+d.ID()+"|"+ts+"|"+sub))
	if err != nil {
		return err
	}
	body := []byte(`{"timestamp":` + ts + `,"push_subscription":` + sub + `}`)
	var resp statusResponse
	if err := postBody(ctx, d.client(), d.url("/push-token"), body, signature(sig), &resp); err != nil {
		return fmt.Errorf("update push subscription: %w", err)
	}
	return nil
}

type removeRequest struct {
	Timestamp int64 `json:"timestamp"`
}

// Remove asks the server to forget this device: no more pushes, and every
// later call of it gets 404 unknown_device. The token stays with its user
// and can be activated again.
func (d *Device) Remove(ctx context.Context) error {
	ts := d.now().Unix()
	sig, err := push.Sign(d.key, []byte("remove|"+d.ID()+"|"+strconv.FormatInt(ts, 10)))
	if err != nil {
		return err
	}
	var resp statusResponse
	if err := postJSON(ctx, d.client(), d.url("/remove"), removeRequest{Timestamp: ts}, signature(sig), &resp); err != nil {
		return fmt.Errorf("remove device: %w", err)
	}
	return nil
}

// url is the URL of one of the device's own endpoints.
func (d *Device) url(suffix string) string {
	return d.State().APIBase + "/v1/devices/" + d.ID() + suffix
}
