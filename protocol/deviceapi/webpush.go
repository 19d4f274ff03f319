package deviceapi

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/pushauth/pushauth/providers/webpush"
)

type webPushConfigResponse struct {
	VAPIDPublicKey string `json:"vapid_public_key"`
}

// webPushConfig answers the VAPID public key a browser subscribes with
// (pushManager.subscribe's applicationServerKey). It needs no device, so an
// app can subscribe before it activates.
func (a *api) webPushConfig(w http.ResponseWriter, _ *http.Request) {
	if a.WebPush == nil {
		fail(w, errWebPushOff())
		return
	}
	writeJSON(w, http.StatusOK, webPushConfigResponse{VAPIDPublicKey: a.WebPush.VAPIDPublicKey})
}

func errWebPushOff() error {
	return errorf(http.StatusServiceUnavailable, "webpush_unavailable",
		"this server does not send Web Push; use push_kind \"poll\"")
}

// hasSubscription tells whether a push_subscription was sent (JSON null
// counts as absent).
func hasSubscription(raw json.RawMessage) bool {
	return len(raw) > 0 && string(raw) != "null"
}

// parseSubscription checks a push_subscription as sent and returns the
// form the store keeps (store.Device PushToken).
func (a *api) parseSubscription(raw json.RawMessage) (string, error) {
	if a.WebPush == nil {
		return "", errWebPushOff()
	}
	if !hasSubscription(raw) {
		return "", errorf(http.StatusBadRequest, "missing_push_subscription",
			"field \"push_subscription\" is required for push_kind \"webpush\"")
	}
	sub, err := webpush.ParseSubscription(raw, a.WebPush.Endpoints)
	if err != nil {
		return "", subscriptionError(err)
	}
	return sub.JSON(), nil
}

// subscriptionError maps webpush.ParseSubscription's errors to codes.
func subscriptionError(err error) error {
	code := "bad_push_subscription"
	switch {
	case errors.Is(err, webpush.ErrSubscriptionTooLarge):
		code = "push_subscription_too_large"
	case errors.Is(err, webpush.ErrBadEndpoint):
		code = "bad_push_endpoint"
	case errors.Is(err, webpush.ErrBadKeys):
		code = "bad_push_keys"
	}
	return errorf(http.StatusBadRequest, code, "field \"push_subscription\": %s", err.Error())
}
