package deviceapi

import (
	"context"
	"net/http"

	"github.com/pushauth/pushauth/actors"
	"github.com/pushauth/pushauth/push"
)

type answerRequest struct {
	DeviceID  string `json:"device_id"`
	LoginID   string `json:"login_id"`
	Nonce     string `json:"nonce"`
	Decision  string `json:"decision"`
	Signature string `json:"signature"`
	// Report says "this wasn't me" with a deny (not signed: it can only
	// add a suspension to a deny the device signed).
	Report bool `json:"report,omitempty"`
	// Number is the number the user picked, for a push with number
	// choices (signed with the answer).
	Number int `json:"number,omitempty"`
}

type statusResponse struct {
	Status string `json:"status"`
}

// answer verifies a device's signed decision and hands it to its login
// (SPEC S5.1, S5.2). The login accepts each push's answer once.
func (a *api) answer(w http.ResponseWriter, r *http.Request) {
	var req answerRequest
	if err := readJSON(w, r, &req); err != nil {
		fail(w, err)
		return
	}
	if err := checkAnswer(&req); err != nil {
		fail(w, err)
		return
	}
	msg := push.AnswerMessage(req.LoginID, req.Nonce, req.Decision)
	if req.Number != 0 {
		msg = push.PickedAnswerMessage(req.LoginID, req.Nonce, req.Decision, req.Number)
	}
	if _, err := a.verifiedDevice(r.Context(), req.DeviceID, msg, req.Signature); err != nil {
		fail(w, err)
		return
	}
	a.deliver(w, r, &actors.Answer{
		LoginId: req.LoginID, DeviceId: req.DeviceID, Nonce: req.Nonce, Decision: req.Decision,
		Report: req.Report && req.Decision == push.Deny, Number: int32(req.Number),
	})
}

// deliver hands a verified answer to its login and reports the outcome.
func (a *api) deliver(w http.ResponseWriter, r *http.Request, ans *actors.Answer) {
	ctx, cancel := context.WithTimeout(r.Context(), answerTimeout)
	defer cancel()
	status, err := a.Answers.Answer(ctx, ans)
	log := func(result string) {
		a.Log.Info().Str("device_id", ans.DeviceId).Str("login_id", ans.LoginId).
			Str("decision", ans.Decision).Str("result", result).Msg("device answer")
	}
	if err != nil {
		a.Log.Warn().Err(err).Str("device_id", ans.DeviceId).Str("login_id", ans.LoginId).Msg("answer not delivered")
		writeError(w, http.StatusServiceUnavailable, "unavailable", "the answer could not be delivered in time; try again")
		return
	}
	if status == actors.AnswerAccepted {
		log("accepted")
		writeJSON(w, http.StatusOK, statusResponse{Status: "accepted"})
		return
	}
	ae := answerError(status)
	log(ae.Code)
	fail(w, ae)
}

// checkAnswer refuses missing fields and unknown decisions.
func checkAnswer(req *answerRequest) error {
	for _, f := range []struct{ name, value string }{
		{"device_id", req.DeviceID}, {"login_id", req.LoginID}, {"nonce", req.Nonce}, {"signature", req.Signature},
	} {
		if f.value == "" {
			return errorf(http.StatusBadRequest, "missing_field", "field %q is required", f.name)
		}
	}
	if req.Decision != push.Approve && req.Decision != push.Deny {
		return errorf(http.StatusBadRequest, "bad_decision", "field \"decision\" must be \"approve\" or \"deny\"")
	}
	if req.Number != 0 && (req.Number < 10 || req.Number > 99) {
		return errorf(http.StatusBadRequest, "bad_number", "field \"number\" must be one of the push's number_choices (10..99)")
	}
	return nil
}

// answerError maps a refused answer to its HTTP error (SPEC S5.2).
func answerError(s actors.AnswerStatus) *apiError {
	switch s {
	case actors.AnswerUnknownLogin:
		return errorf(http.StatusNotFound, "unknown_login", "no login in progress matches this push; it may have finished")
	case actors.AnswerWrongDevice:
		return errorf(http.StatusNotFound, "not_your_push", "this push was not sent to this device")
	case actors.AnswerAlreadyAnswer:
		return errorf(http.StatusConflict, "already_answered", "this push has already been answered")
	case actors.AnswerStale:
		return errorf(http.StatusGone, "push_expired", "this push has expired or was replaced by a newer one")
	case actors.AnswerUnknownPush:
		return errorf(http.StatusNotFound, "unknown_push", "this login never sent a push with this nonce")
	case actors.AnswerNumberRequired:
		return errorf(http.StatusBadRequest, "number_required", "this push asks the user to pick a number: approve with field \"number\"")
	case actors.AnswerUnavailableNow:
		return errorf(http.StatusServiceUnavailable, "unavailable", "the server is shutting down; try again")
	}
	return errorf(http.StatusInternalServerError, "internal", "internal server error")
}
