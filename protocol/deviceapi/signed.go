package deviceapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/pushauth/pushauth/push"
	"github.com/pushauth/pushauth/store"
)

// SignatureHeader carries the device's signature of a signed request.
const SignatureHeader = "X-Pushauth-Signature"

// PendingMessage is the exact byte string a device signs to poll.
func PendingMessage(deviceID string, timestamp int64) []byte {
	return []byte("pending|" + deviceID + "|" + strconv.FormatInt(timestamp, 10))
}

// PushTokenMessage is the exact byte string a device signs to update its
// push token.
func PushTokenMessage(deviceID string, timestamp int64, pushToken string) []byte {
	return []byte("push-token|" + deviceID + "|" + strconv.FormatInt(timestamp, 10) + "|" + pushToken)
}

// RemoveMessage is the exact byte string a device signs to remove itself.
func RemoveMessage(deviceID string, timestamp int64) []byte {
	return []byte("remove|" + deviceID + "|" + strconv.FormatInt(timestamp, 10))
}

// checkTimestamp refuses a signed request whose Unix timestamp is more than
// ClockSkew away from the server clock.
func (a *api) checkTimestamp(ts int64) error {
	if ts <= 0 {
		return errorf(http.StatusBadRequest, "missing_timestamp",
			"field \"timestamp\" (Unix seconds) is required")
	}
	skew := a.Now().Sub(time.Unix(ts, 0)).Abs()
	if skew > a.ClockSkew {
		return errorf(http.StatusUnauthorized, "stale_request",
			"request timestamp is %s away from the server clock (at most %s allowed); check the phone's clock",
			skew.Round(time.Second), a.ClockSkew)
	}
	return nil
}

// verifiedDevice loads a device and checks sig (base64 ASN.1 ECDSA P-256
// SHA-256) over msg with its registered key.
func (a *api) verifiedDevice(ctx context.Context, id string, msg []byte, sig string) (*store.Token, error) {
	tok, err := a.device(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := a.verifySignature(tok, msg, sig); err != nil {
		return nil, err
	}
	return tok, nil
}

// verifySignature checks sig over msg with the key of tok's device; a
// device whose signature verifies is recorded as seen.
func (a *api) verifySignature(tok *store.Token, msg []byte, sig string) error {
	if sig == "" {
		return errorf(http.StatusUnauthorized, "bad_signature", "the request is not signed")
	}
	if err := push.Verify(tok.Device.PublicKey, msg, sig); err != nil {
		a.Log.Warn().Str("device_id", tok.Device.ID).Msg("bad device signature")
		return errorf(http.StatusUnauthorized, "bad_signature",
			"the signature does not verify with this device's registered key")
	}
	a.seen(tok)
	return nil
}

// device loads the token a device was activated for, with the device.
func (a *api) device(ctx context.Context, id string) (*store.Token, error) {
	tok, err := a.Store.DeviceByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && tok.Device == nil) {
		return nil, errorf(http.StatusNotFound, "unknown_device",
			"no device with this id is registered; activate the token again")
	}
	if err != nil {
		a.Log.Error().Err(err).Str("device_id", id).Msg("device lookup failed")
		return nil, fmt.Errorf("device %s: %w", id, err)
	}
	return tok, nil
}
