package deviceapi

import (
	"encoding/json"
	"net/http"

	"github.com/pushauth/pushauth/store"
)

type pushTokenRequest struct {
	Timestamp int64  `json:"timestamp"`
	PushToken string `json:"push_token"`
	// PushSubscription replaces a web device's subscription; the device
	// signs these bytes exactly as they appear in the body.
	PushSubscription json.RawMessage `json:"push_subscription"`
}

// pushToken replaces a device's APNs/FCM token or Web Push subscription
// and re-enables push for it (a provider may have disabled it as
// unregistered).
func (a *api) pushToken(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	var req pushTokenRequest
	if err := readJSON(w, r, &req); err != nil {
		fail(w, err)
		return
	}
	if err := a.updatePushToken(r, id, &req); err != nil {
		fail(w, err)
		return
	}
	a.Log.Info().Str("device_id", id).Msg("push token updated")
	writeJSON(w, http.StatusOK, statusResponse{Status: "updated"})
}

func (a *api) updatePushToken(r *http.Request, id string, req *pushTokenRequest) error {
	if req.PushToken == "" && !hasSubscription(req.PushSubscription) {
		return errorf(http.StatusBadRequest, "missing_push_token",
			"field \"push_token\" (or \"push_subscription\" for a web device) is required")
	}
	if err := a.checkTimestamp(req.Timestamp); err != nil {
		return err
	}
	tok, err := a.device(r.Context(), id)
	if err != nil {
		return err
	}
	if tok.Device.PushKind == store.PushWebPush && !hasSubscription(req.PushSubscription) {
		return errorf(http.StatusBadRequest, "missing_push_subscription",
			"a web device sends its new subscription in field \"push_subscription\"")
	}
	msg := PushTokenMessage(id, req.Timestamp, signedTarget(tok.Device, req))
	if err := a.verifySignature(tok, msg, r.Header.Get(SignatureHeader)); err != nil {
		return err
	}
	value, err := a.newPushTarget(tok.Device, req)
	if err != nil {
		return err
	}
	if err := a.Store.UpdateDevicePush(r.Context(), id, value, ""); err != nil {
		a.Log.Error().Err(err).Str("device_id", id).Msg("push token update failed")
		return err
	}
	return nil
}

// signedTarget is the last field of the signed message: for a web device
// the push_subscription exactly as received (not a re-serialisation), else
// the push token.
func signedTarget(d *store.Device, req *pushTokenRequest) string {
	if d.PushKind == store.PushWebPush {
		return string(req.PushSubscription)
	}
	return req.PushToken
}

// newPushTarget checks the device's new push target and returns what the
// store keeps: the push token, or a web device's subscription.
func (a *api) newPushTarget(d *store.Device, req *pushTokenRequest) (string, error) {
	switch d.PushKind {
	case store.PushPoll:
		return "", errorf(http.StatusBadRequest, "poll_device",
			"this device was activated for polling and has no push token; activate again to use a push service")
	case store.PushWebPush:
		return a.parseSubscription(req.PushSubscription)
	}
	if req.PushToken == "" {
		return "", errorf(http.StatusBadRequest, "missing_push_token", "field \"push_token\" is required")
	}
	return req.PushToken, nil
}
