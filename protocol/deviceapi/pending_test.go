package deviceapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/pushauth/pushauth/internal/testwait"
	"github.com/pushauth/pushauth/protocol/deviceapi"
	"github.com/pushauth/pushauth/protocol/deviceapi/deviceapitest"
	"github.com/pushauth/pushauth/push"
)

// pushesOf decodes a pending answer, verifying every server signature.
func pushesOf(t *testing.T, s *deviceapitest.Server, r reply) []push.Payload {
	t.Helper()
	if r.status != http.StatusOK {
		t.Fatalf("pending: %d %s", r.status, r.raw)
	}
	var body struct{ Pushes []push.Signed }
	if err := json.Unmarshal([]byte(r.raw), &body); err != nil || body.Pushes == nil {
		t.Fatalf("pending answer %s: %v", r.raw, err)
	}
	pub := mustB64(t, s.Signer.PublicKey())
	out := make([]push.Payload, len(body.Pushes))
	for i, sp := range body.Pushes {
		if err := push.Verify(pub, []byte(sp.Data), sp.Signature); err != nil {
			t.Fatalf("push %d: %v", i, err)
		}
		if err := json.Unmarshal([]byte(sp.Data), &out[i]); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

func TestPendingEmptyAndFull(t *testing.T) {
	s := deviceapitest.Start(t)
	p := activate(t, s, "alice")
	if got := pushesOf(t, s, p.pending(t, s, 0)); len(got) != 0 {
		t.Fatalf("pending = %v, want none", got)
	}
	want := s.Push(t, "alice", p.id, time.Minute)
	got := pushesOf(t, s, p.pending(t, s, 0))
	if len(got) != 1 || got[0] != want {
		t.Fatalf("pending = %+v, want %+v", got, want)
	}
	// Replaying the same signed request is harmless: it reads the same list.
	if got := pushesOf(t, s, p.pending(t, s, 0)); len(got) != 1 {
		t.Fatalf("second read = %v", got)
	}
}

func TestPendingLongPollWakesOnPush(t *testing.T) {
	s := deviceapitest.Start(t)
	p := activate(t, s, "alice")
	start := time.Now()
	done := async(t, p.pendingRequest(t, s, 5))
	testwait.For(t, "the long poll to be in flight", func() bool { return s.InFlight() == 1 })
	select {
	case r := <-done:
		t.Fatalf("long poll returned before any push: %s", r.raw)
	default:
	}
	want := s.Push(t, "alice", p.id, time.Minute)
	got := pushesOf(t, s, <-done)
	if len(got) != 1 || got[0] != want {
		t.Fatalf("pending = %+v, want %+v", got, want)
	}
	if time.Since(start) > 4*time.Second {
		t.Fatalf("long poll took %s: it waited for the timeout, not the push", time.Since(start))
	}
}

func TestPendingKnownWaitsForANewPush(t *testing.T) {
	s := deviceapitest.Start(t)
	p := activate(t, s, "alice")
	first := s.Push(t, "alice", p.id, time.Minute)
	done := async(t, p.pendingRequest(t, s, 5, first.Nonce))
	testwait.For(t, "the long poll to be in flight", func() bool { return s.InFlight() == 1 })
	second := s.Push(t, "bob", p.id, 2*time.Minute)
	got := pushesOf(t, s, <-done)
	if len(got) != 2 || got[0] != first || got[1] != second {
		t.Fatalf("pending = %+v, want both pushes, oldest deadline first", got)
	}
}

func TestPendingWaitIsCapped(t *testing.T) {
	s := deviceapitest.Start(t, func(d *deviceapi.Deps) { d.MaxLongPoll = 100 * time.Millisecond })
	p := activate(t, s, "alice")
	start := time.Now()
	if got := pushesOf(t, s, p.pending(t, s, 3600)); len(got) != 0 {
		t.Fatalf("pending = %v", got)
	}
	if el := time.Since(start); el > 3*time.Second {
		t.Fatalf("wait of an hour took %s; MaxLongPoll should cap it", el)
	}
}

func TestPendingRefusals(t *testing.T) {
	s := deviceapitest.Start(t)
	p := activate(t, s, "alice")
	other := activate(t, s, "bob")
	url := s.URL + "/v1/devices/" + p.id + "/pending"
	ts := unix(s)
	msg := "pending|" + p.id + "|" + strconv.FormatInt(ts, 10)
	body := map[string]any{"timestamp": ts}
	hdr := deviceapi.SignatureHeader

	call(t, "POST", url, body).wantError(t, http.StatusUnauthorized, "bad_signature")
	call(t, "POST", url, body, hdr, sign(t, other.key, msg)).wantError(t, http.StatusUnauthorized, "bad_signature")
	call(t, "POST", url, body, hdr, "not base64!").wantError(t, http.StatusUnauthorized, "bad_signature")
	call(t, "POST", url, map[string]any{"timestamp": ts + 1}, hdr, sign(t, p.key, msg)).
		wantError(t, http.StatusUnauthorized, "bad_signature")
	call(t, "POST", url, body, hdr, sign(t, p.key, "pending|"+other.id+"|"+strconv.FormatInt(ts, 10))).
		wantError(t, http.StatusUnauthorized, "bad_signature")
	call(t, "POST", s.URL+"/v1/devices/dev_0000000000000000/pending", body, hdr, sign(t, p.key, msg)).
		wantError(t, http.StatusNotFound, "unknown_device")
	call(t, "POST", url, map[string]any{}, hdr, sign(t, p.key, msg)).
		wantError(t, http.StatusBadRequest, "missing_timestamp")
	call(t, "POST", url, map[string]any{"timestamp": ts, "wait": -1}, hdr, sign(t, p.key, msg)).
		wantError(t, http.StatusBadRequest, "bad_wait")
	call(t, "POST", url, map[string]any{"timestamp": "now"}, hdr, sign(t, p.key, msg)).
		wantError(t, http.StatusBadRequest, "bad_json")
	if r := call(t, "POST", url, body, hdr, sign(t, p.key, msg)); r.status != http.StatusOK {
		t.Fatalf("exact signature refused: %d %s", r.status, r.raw)
	}
}

func TestPendingClockSkew(t *testing.T) {
	s := deviceapitest.Start(t)
	p := activate(t, s, "alice")
	url := s.URL + "/v1/devices/" + p.id + "/pending"
	for _, c := range []struct {
		offset int64
		ok     bool
	}{{-61, false}, {61, false}, {-59, true}, {59, true}, {-3600, false}} {
		ts := unix(s) + c.offset
		sig := sign(t, p.key, "pending|"+p.id+"|"+strconv.FormatInt(ts, 10))
		r := call(t, "POST", url, map[string]any{"timestamp": ts}, deviceapi.SignatureHeader, sig)
		if c.ok && r.status != http.StatusOK {
			t.Errorf("offset %ds: %d %s", c.offset, r.status, r.raw)
		}
		if !c.ok {
			r.wantError(t, http.StatusUnauthorized, "stale_request")
		}
	}
}

func TestPendingWithoutPollProvider(t *testing.T) {
	s := deviceapitest.Start(t, func(d *deviceapi.Deps) { d.Poll = nil })
	p := activate(t, s, "alice")
	p.pending(t, s, 0).wantError(t, http.StatusServiceUnavailable, "poll_unavailable")
}

func TestPushTokenUpdate(t *testing.T) {
	s := deviceapitest.Start(t)
	tok := s.NewToken(t, "ios-user")
	key, pub := newKey(t)
	body := activation(tok.Code, pub)
	body["platform"], body["push_kind"], body["push_token"] = "ios", "apns", "old-token"
	r := call(t, "POST", s.URL+"/v1/activate", body)
	id := r.str("device_id")
	ctx := context.Background()
	if err := s.Store.UpdateDevicePush(ctx, id, "", "unregistered"); err != nil {
		t.Fatal(err)
	}
	url := s.URL + "/v1/devices/" + id + "/push-token"
	ts := unix(s)
	msg := "push-token|" + id + "|" + strconv.FormatInt(ts, 10) + "|new-token"
	hdr := deviceapi.SignatureHeader
	call(t, "POST", url, map[string]any{"timestamp": ts, "push_token": "evil-token"}, hdr, sign(t, key, msg)).
		wantError(t, http.StatusUnauthorized, "bad_signature")
	call(t, "POST", url, map[string]any{"timestamp": ts - 120, "push_token": "new-token"}, hdr, sign(t, key, msg)).
		wantError(t, http.StatusUnauthorized, "stale_request")
	call(t, "POST", url, map[string]any{"timestamp": ts}, hdr, sign(t, key, msg)).
		wantError(t, http.StatusBadRequest, "missing_push_token")
	r = call(t, "POST", url, map[string]any{"timestamp": ts, "push_token": "new-token"}, hdr, sign(t, key, msg))
	if r.status != http.StatusOK || r.str("status") != "updated" {
		t.Fatalf("update: %d %s", r.status, r.raw)
	}
	got, err := s.Store.DeviceByID(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if got.Device.PushToken != "new-token" || got.Device.PushDisabled != "" {
		t.Fatalf("stored %+v, want new token and push re-enabled", got.Device)
	}
}

func TestPushTokenRefusedForPollDevice(t *testing.T) {
	s := deviceapitest.Start(t)
	p := activate(t, s, "alice")
	ts := unix(s)
	sig := sign(t, p.key, "push-token|"+p.id+"|"+strconv.FormatInt(ts, 10)+"|tok")
	call(t, "POST", s.URL+"/v1/devices/"+p.id+"/push-token", map[string]any{"timestamp": ts, "push_token": "tok"},
		deviceapi.SignatureHeader, sig).wantError(t, http.StatusBadRequest, "poll_device")
	call(t, "POST", s.URL+"/v1/devices/dev_nope/push-token", map[string]any{"timestamp": ts, "push_token": "tok"},
		deviceapi.SignatureHeader, sig).wantError(t, http.StatusNotFound, "unknown_device")
}

func TestMessagesMatchDocs(t *testing.T) {
	if got := string(deviceapi.PendingMessage("dev_1", 1700000000)); got != "pending|dev_1|1700000000" {
		t.Errorf("PendingMessage = %q", got)
	}
	if got := string(deviceapi.PushTokenMessage("dev_1", 1700000000, "abc")); got != "push-token|dev_1|1700000000|abc" {
		t.Errorf("PushTokenMessage = %q", got)
	}
}
