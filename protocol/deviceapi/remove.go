package deviceapi

import (
	"net/http"
)

type removeRequest struct {
	Timestamp int64 `json:"timestamp"`
}

// remove takes the device off its token at the device's own signed
// request: the server stops pushing to it and forgets its key; the token
// stays and can be activated again. A replay within the clock window finds
// no device (404).
func (a *api) remove(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	var req removeRequest
	if err := readJSON(w, r, &req); err != nil {
		fail(w, err)
		return
	}
	if err := a.checkTimestamp(req.Timestamp); err != nil {
		fail(w, err)
		return
	}
	tok, err := a.verifiedDevice(r.Context(), id, RemoveMessage(id, req.Timestamp), r.Header.Get(SignatureHeader))
	if err != nil {
		fail(w, err)
		return
	}
	if err := a.Store.DeleteDevice(r.Context(), id); err != nil {
		a.Log.Error().Err(err).Str("device_id", id).Msg("device removal failed")
		fail(w, err)
		return
	}
	a.Log.Info().Str("device_id", id).Str("serial", tok.Serial).Str("platform", tok.Device.Platform).
		Str("push_kind", tok.Device.PushKind).Msg("device removed at its own request")
	a.Metrics.deviceRemoved()
	writeJSON(w, http.StatusOK, statusResponse{Status: "removed"})
}
