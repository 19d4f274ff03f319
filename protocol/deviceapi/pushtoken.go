package deviceapi

import (
	"net/http"

	"github.com/pushauth/pushauth/store"
)

type pushTokenRequest struct {
	Timestamp int64  `json:"timestamp"`
	PushToken string `json:"push_token"`
}

// pushToken replaces a device's APNs/FCM token and re-enables push for it
// (a provider may have disabled it as unregistered).
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
	if req.PushToken == "" {
		return errorf(http.StatusBadRequest, "missing_push_token", "field \"push_token\" is required")
	}
	if err := a.checkTimestamp(req.Timestamp); err != nil {
		return err
	}
	msg := PushTokenMessage(id, req.Timestamp, req.PushToken)
	tok, err := a.verifiedDevice(r.Context(), id, msg, r.Header.Get(SignatureHeader))
	if err != nil {
		return err
	}
	if tok.Device.PushKind == store.PushPoll {
		return errorf(http.StatusBadRequest, "poll_device",
			"this device was activated for polling and has no push token; activate again to use apns or fcm")
	}
	if err := a.Store.UpdateDevicePush(r.Context(), id, req.PushToken, ""); err != nil {
		a.Log.Error().Err(err).Str("device_id", id).Msg("push token update failed")
		return err
	}
	return nil
}
