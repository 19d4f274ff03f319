package deviceapi_test

import (
	"encoding/base64"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/pushauth/pushauth/protocol/deviceapi/deviceapitest"
)

func mustB64(t *testing.T, s string) []byte {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestAnswerAcceptedOnce(t *testing.T) {
	s := deviceapitest.Start(t)
	p := activate(t, s, "alice")
	pl := s.Push(t, "alice", p.id, time.Minute)
	r := p.answer(t, s, pl.LoginID, pl.Nonce, "approve")
	if r.status != http.StatusOK || r.str("status") != "accepted" {
		t.Fatalf("answer: %d %s", r.status, r.raw)
	}
	want := deviceapitest.Answer{LoginID: pl.LoginID, DeviceID: p.id, Nonce: pl.Nonce, Decision: "approve"}
	if got := s.Logins.Answers(); len(got) != 1 || got[0] != want {
		t.Fatalf("answers = %+v, want %+v", got, want)
	}
	p.answer(t, s, pl.LoginID, pl.Nonce, "approve").wantError(t, http.StatusConflict, "already_answered")
	p.answer(t, s, pl.LoginID, pl.Nonce, "deny").wantError(t, http.StatusConflict, "already_answered")
	if got := pushesOf(t, s, p.pending(t, s, 0)); len(got) != 0 {
		t.Fatalf("answered push still pending: %v", got)
	}
}

func TestAnswerOutcomes(t *testing.T) {
	s := deviceapitest.Start(t)
	p := activate(t, s, "alice")
	other := activate(t, s, "bob")
	pl := s.Push(t, "alice", p.id, time.Minute)

	p.answer(t, s, "login_nope", pl.Nonce, "approve").wantError(t, http.StatusNotFound, "unknown_login")
	other.answer(t, s, pl.LoginID, pl.Nonce, "approve").wantError(t, http.StatusNotFound, "not_your_push")
	p.answer(t, s, pl.LoginID, "old-nonce", "approve").wantError(t, http.StatusGone, "push_expired")
	s.Logins.Expire(pl.LoginID)
	p.answer(t, s, pl.LoginID, pl.Nonce, "deny").wantError(t, http.StatusGone, "push_expired")

	s.Logins.SetError(errors.New("actor system did not answer in time"))
	p.answer(t, s, pl.LoginID, pl.Nonce, "deny").wantError(t, http.StatusServiceUnavailable, "unavailable")
}

func TestAnswerSignatureCheckedFirst(t *testing.T) {
	s := deviceapitest.Start(t)
	p := activate(t, s, "alice")
	other := activate(t, s, "bob")
	pl := s.Push(t, "alice", p.id, time.Minute)
	body := func(decision, sig string) map[string]any {
		return map[string]any{"device_id": p.id, "login_id": pl.LoginID, "nonce": pl.Nonce,
			"decision": decision, "signature": sig}
	}
	url := s.URL + "/v1/answers"
	exact := pl.LoginID + "|" + pl.Nonce + "|"
	call(t, "POST", url, body("deny", sign(t, p.key, exact+"approve"))).
		wantError(t, http.StatusUnauthorized, "bad_signature")
	call(t, "POST", url, body("approve", sign(t, other.key, exact+"approve"))).
		wantError(t, http.StatusUnauthorized, "bad_signature")
	call(t, "POST", url, body("approve", sign(t, p.key, pl.LoginID+"|"+pl.Nonce+"|approve\n"))).
		wantError(t, http.StatusUnauthorized, "bad_signature")
	call(t, "POST", url, body("approve", "Zm9v")).wantError(t, http.StatusUnauthorized, "bad_signature")
	unknown := body("approve", sign(t, p.key, exact+"approve"))
	unknown["device_id"] = "dev_ffffffffffffffff"
	call(t, "POST", url, unknown).wantError(t, http.StatusNotFound, "unknown_device")
	if got := s.Logins.Answers(); len(got) != 0 {
		t.Fatalf("unverified answers reached the login: %+v", got)
	}
	r := call(t, "POST", url, body("approve", sign(t, p.key, exact+"approve")))
	if r.status != http.StatusOK {
		t.Fatalf("exact signature refused: %d %s", r.status, r.raw)
	}
}

func TestAnswerBadRequests(t *testing.T) {
	s := deviceapitest.Start(t)
	p := activate(t, s, "alice")
	pl := s.Push(t, "alice", p.id, time.Minute)
	p.answer(t, s, pl.LoginID, pl.Nonce, "maybe").wantError(t, http.StatusBadRequest, "bad_decision")
	p.answer(t, s, pl.LoginID, pl.Nonce, "APPROVE").wantError(t, http.StatusBadRequest, "bad_decision")
	p.answer(t, s, "", pl.Nonce, "approve").wantError(t, http.StatusBadRequest, "missing_field")
	p.answer(t, s, pl.LoginID, "", "approve").wantError(t, http.StatusBadRequest, "missing_field")
	call(t, "POST", s.URL+"/v1/answers", `{"device_id": 1}`).wantError(t, http.StatusBadRequest, "bad_json")
	call(t, "POST", s.URL+"/v1/answers", `not json`).wantError(t, http.StatusBadRequest, "bad_json")
	call(t, "POST", s.URL+"/v1/answers", `{} {}`).wantError(t, http.StatusBadRequest, "bad_json")
	if got := s.Logins.Answers(); len(got) != 0 {
		t.Fatalf("bad requests reached the login: %+v", got)
	}
}
