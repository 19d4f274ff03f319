package deviceapi_test

import (
	"context"
	"crypto/ecdh"
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/pushauth/pushauth/protocol/deviceapi"
	"github.com/pushauth/pushauth/protocol/deviceapi/deviceapitest"
	"github.com/pushauth/pushauth/providers/webpush"
	"github.com/pushauth/pushauth/store"
)

const testVAPIDKey = "BEXAMPLE-vapid-public-key"

// withWebPush turns web push on, allowing loopback endpoints when loopback.
func withWebPush(loopback bool) func(*deviceapi.Deps) {
	return func(d *deviceapi.Deps) {
		d.WebPush = &deviceapi.WebPush{VAPIDPublicKey: testVAPIDKey,
			Endpoints: webpush.EndpointPolicy{AllowLoopback: loopback}}
	}
}

// browserKeys are a browser's subscription keys, base64url.
func browserKeys(t *testing.T) (p256dh, auth string) {
	t.Helper()
	k, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	secret := make([]byte, 16)
	_, _ = rand.Read(secret)
	enc := base64.RawURLEncoding
	return enc.EncodeToString(k.PublicKey().Bytes()), enc.EncodeToString(secret)
}

// subscriptionJSON is a subscription as a browser's toJSON() gives it,
// with expirationTime null.
func subscriptionJSON(endpoint, p256dh, auth string) string {
	return `{"endpoint":"` + endpoint + `","expirationTime":null,"keys":{"p256dh":"` + p256dh + `","auth":"` + auth + `"}}`
}

// webActivation is the body of a web app's activation; sub is raw JSON.
func webActivation(code, pub, sub string) string {
	return `{"code":"` + code + `","platform":"web","os_version":"Chrome 140 on Android 15",` +
		`"push_kind":"webpush","push_subscription":` + sub + `,"public_key":"` + pub + `"}`
}

func TestWebPushConfig(t *testing.T) {
	on := deviceapitest.Start(t, withWebPush(false))
	r := call(t, "GET", on.URL+"/v1/webpush/config", nil)
	if r.status != http.StatusOK || r.str("vapid_public_key") != testVAPIDKey {
		t.Fatalf("config: %d %s", r.status, r.raw)
	}
	call(t, "POST", on.URL+"/v1/webpush/config", nil).wantError(t, http.StatusMethodNotAllowed, "method_not_allowed")
	off := deviceapitest.Start(t)
	call(t, "GET", off.URL+"/v1/webpush/config", nil).wantError(t, http.StatusServiceUnavailable, "webpush_unavailable")
}

func TestActivateWebDevice(t *testing.T) {
	s := deviceapitest.Start(t, withWebPush(false))
	tok := s.NewToken(t, "alice")
	_, pub := newKey(t)
	dh, auth := browserKeys(t)
	endpoint := "https://fcm.googleapis.com/fcm/send/abc:APA91b"
	r := call(t, "POST", s.URL+"/v1/activate", webActivation(tok.Code, pub, subscriptionJSON(endpoint, dh, auth)))
	if r.status != http.StatusOK {
		t.Fatalf("activate: %d %s", r.status, r.raw)
	}
	got, err := s.Store.DeviceByID(context.Background(), r.str("device_id"))
	if err != nil {
		t.Fatal(err)
	}
	d := got.Device
	want := `{"endpoint":"` + endpoint + `","keys":{"p256dh":"` + dh + `","auth":"` + auth + `"}}`
	if d.Platform != "web" || d.OSVersion != "Chrome 140 on Android 15" || d.PushKind != store.PushWebPush || d.PushToken != want {
		t.Fatalf("stored %+v, want subscription %s", d, want)
	}
}

func TestActivateWebRefusals(t *testing.T) {
	s := deviceapitest.Start(t, withWebPush(false))
	tok := s.NewToken(t, "alice")
	_, pub := newKey(t)
	dh, auth := browserKeys(t)
	ok := "https://push.example.net/p/1"
	raw, _ := base64.RawURLEncoding.DecodeString(dh)
	offCurve := base64.RawURLEncoding.EncodeToString(append([]byte{4}, make([]byte, 64)...))
	cases := []struct{ name, sub, code string }{
		{"no subscription", `null`, "missing_push_subscription"},
		{"not an object", `"https://push.example.net/p/1"`, "bad_push_subscription"},
		{"http endpoint", subscriptionJSON("http://push.example.net/p/1", dh, auth), "bad_push_endpoint"},
		{"no endpoint", subscriptionJSON("", dh, auth), "bad_push_endpoint"},
		{"relative endpoint", subscriptionJSON("/p/1", dh, auth), "bad_push_endpoint"},
		{"user info", subscriptionJSON("https://u:p@push.example.net/p/1", dh, auth), "bad_push_endpoint"},
		{"other port", subscriptionJSON("https://push.example.net:8443/p/1", dh, auth), "bad_push_endpoint"},
		{"private address", subscriptionJSON("https://10.1.2.3/p/1", dh, auth), "bad_push_endpoint"},
		{"loopback", subscriptionJSON("https://127.0.0.1/p/1", dh, auth), "bad_push_endpoint"},
		{"loopback http", subscriptionJSON("http://127.0.0.1:8000/p/1", dh, auth), "bad_push_endpoint"},
		{"p256dh short", subscriptionJSON(ok, base64.RawURLEncoding.EncodeToString(raw[:64]), auth), "bad_push_keys"},
		{"p256dh compressed", subscriptionJSON(ok, base64.RawURLEncoding.EncodeToString(append([]byte{2}, raw[1:33]...)), auth), "bad_push_keys"},
		{"p256dh off the curve", subscriptionJSON(ok, offCurve, auth), "bad_push_keys"},
		{"p256dh not base64url", subscriptionJSON(ok, "%%%", auth), "bad_push_keys"},
		{"auth 15 octets", subscriptionJSON(ok, dh, base64.RawURLEncoding.EncodeToString(make([]byte, 15))), "bad_push_keys"},
		{"auth missing", subscriptionJSON(ok, dh, ""), "bad_push_keys"},
		{"endpoint too long", subscriptionJSON(ok+strings.Repeat("x", webpush.MaxEndpointLength), dh, auth), "push_subscription_too_large"},
		{"subscription too large", `{"pad":"` + strings.Repeat("x", webpush.MaxSubscriptionSize) + `",` +
			strings.TrimPrefix(subscriptionJSON(ok, dh, auth), "{"), "push_subscription_too_large"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			call(t, "POST", s.URL+"/v1/activate", webActivation(tok.Code, pub, c.sub)).
				wantError(t, http.StatusBadRequest, c.code)
		})
	}
	good := webActivation(tok.Code, pub, subscriptionJSON(ok, dh, auth))
	for _, c := range []struct{ name, from, to, code string }{
		{"webpush on android", `"platform":"web","os_version":"Chrome 140 on Android 15"`, `"platform":"android","os_version":"14"`, "push_kind_mismatch"},
		{"apns on web", `"push_kind":"webpush"`, `"push_kind":"apns"`, "push_kind_mismatch"},
		{"no browser", `"Chrome 140 on Android 15"`, `""`, "bad_os_version"},
		{"control character", `"Chrome 140 on Android 15"`, `"Chrome\u0007"`, "bad_os_version"},
		{"browser too long", `"Chrome 140 on Android 15"`, `"` + strings.Repeat("C", 201) + `"`, "bad_os_version"},
	} {
		t.Run(c.name, func(t *testing.T) {
			call(t, "POST", s.URL+"/v1/activate", strings.Replace(good, c.from, c.to, 1)).
				wantError(t, http.StatusBadRequest, c.code)
		})
	}
	// None of that consumed the code; a web app may also poll.
	poll := strings.Replace(good, `"push_kind":"webpush"`, `"push_kind":"poll"`, 1)
	if r := call(t, "POST", s.URL+"/v1/activate", poll); r.status != http.StatusOK {
		t.Fatalf("activation after refusals: %d %s", r.status, r.raw)
	}
}

func TestActivateWebPushOffOrLoopback(t *testing.T) {
	_, pub := newKey(t)
	dh, auth := browserKeys(t)
	local := subscriptionJSON("http://127.0.0.1:8000/p/1", dh, auth)
	off := deviceapitest.Start(t)
	tok := off.NewToken(t, "alice")
	call(t, "POST", off.URL+"/v1/activate", webActivation(tok.Code, pub, local)).
		wantError(t, http.StatusServiceUnavailable, "webpush_unavailable")

	test := deviceapitest.Start(t, withWebPush(true))
	tok = test.NewToken(t, "alice")
	call(t, "POST", test.URL+"/v1/activate", webActivation(tok.Code, pub, subscriptionJSON("http://10.0.0.1/p", dh, auth))).
		wantError(t, http.StatusBadRequest, "bad_push_endpoint")
	if r := call(t, "POST", test.URL+"/v1/activate", webActivation(tok.Code, pub, local)); r.status != http.StatusOK {
		t.Fatalf("loopback endpoint with AllowLoopback: %d %s", r.status, r.raw)
	}
}

// A web device replaces its subscription; the signature covers the
// push_subscription bytes exactly as sent, "expirationTime":null and
// spacing included, not a re-serialisation.
func TestPushSubscriptionUpdate(t *testing.T) {
	s := deviceapitest.Start(t, withWebPush(false))
	tok := s.NewToken(t, "alice")
	key, pub := newKey(t)
	dh, auth := browserKeys(t)
	r := call(t, "POST", s.URL+"/v1/activate", webActivation(tok.Code, pub, subscriptionJSON("https://push.example.net/old", dh, auth)))
	id := r.str("device_id")
	ctx := context.Background()
	if err := s.Store.UpdateDevicePush(ctx, id, "", "unregistered"); err != nil {
		t.Fatal(err)
	}
	dh2, auth2 := browserKeys(t)
	sent := `{"endpoint": "https://push.example.net/new", "expirationTime":null, "keys":{"p256dh":"` + dh2 + `","auth":"` + auth2 + `"}}`
	ts := strconv.FormatInt(unix(s), 10)
	body := `{"timestamp":` + ts + `,"push_subscription":` + sent + `}`
	url := s.URL + "/v1/devices/" + id + "/push-token"
	hdr := deviceapi.SignatureHeader
	canonical := `{"endpoint":"https://push.example.net/new","keys":{"p256dh":"` + dh2 + `","auth":"` + auth2 + `"}}`
	call(t, "POST", url, body, hdr, sign(t, key, "push-token|"+id+"|"+ts+"|"+canonical)).
		wantError(t, http.StatusUnauthorized, "bad_signature")
	call(t, "POST", url, `{"timestamp":`+ts+`,"push_token":"x"}`, hdr, sign(t, key, "push-token|"+id+"|"+ts+"|x")).
		wantError(t, http.StatusBadRequest, "missing_push_subscription")
	bad := strings.Replace(sent, auth2, "AAAA", 1)
	call(t, "POST", url, `{"timestamp":`+ts+`,"push_subscription":`+bad+`}`, hdr, sign(t, key, "push-token|"+id+"|"+ts+"|"+bad)).
		wantError(t, http.StatusBadRequest, "bad_push_keys")
	r = call(t, "POST", url, body, hdr, sign(t, key, "push-token|"+id+"|"+ts+"|"+sent))
	if r.status != http.StatusOK || r.str("status") != "updated" {
		t.Fatalf("update: %d %s", r.status, r.raw)
	}
	got, err := s.Store.DeviceByID(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if got.Device.PushToken != canonical || got.Device.PushDisabled != "" {
		t.Fatalf("stored %+v, want %s and push re-enabled", got.Device, canonical)
	}
}

func TestRemoveDevice(t *testing.T) {
	s := deviceapitest.Start(t)
	p := activate(t, s, "alice")
	url := s.URL + "/v1/devices/" + p.id + "/remove"
	ts := unix(s)
	msg := "remove|" + p.id + "|" + strconv.FormatInt(ts, 10)
	hdr := deviceapi.SignatureHeader
	call(t, "POST", url, map[string]any{"timestamp": ts}).wantError(t, http.StatusUnauthorized, "bad_signature")
	call(t, "POST", url, map[string]any{"timestamp": ts}, hdr, sign(t, p.key, "remove|dev_other|1")).
		wantError(t, http.StatusUnauthorized, "bad_signature")
	call(t, "POST", url, map[string]any{"timestamp": ts - 120}, hdr, sign(t, p.key, msg)).
		wantError(t, http.StatusUnauthorized, "stale_request")
	call(t, "POST", url, map[string]any{}, hdr, sign(t, p.key, msg)).wantError(t, http.StatusBadRequest, "missing_timestamp")
	call(t, "GET", url, nil).wantError(t, http.StatusMethodNotAllowed, "method_not_allowed")
	if p.pending(t, s, 0).status != http.StatusOK {
		t.Fatal("refused requests removed the device")
	}
	r := call(t, "POST", url, map[string]any{"timestamp": ts}, hdr, sign(t, p.key, msg))
	if r.status != http.StatusOK || r.str("status") != "removed" {
		t.Fatalf("remove: %d %s", r.status, r.raw)
	}
	call(t, "POST", url, map[string]any{"timestamp": ts}, hdr, sign(t, p.key, msg)).
		wantError(t, http.StatusNotFound, "unknown_device")
	p.pending(t, s, 0).wantError(t, http.StatusNotFound, "unknown_device")
	if _, err := s.Store.DeviceByID(context.Background(), p.id); err == nil {
		t.Fatal("device still stored")
	}
	if !strings.Contains(s.Logs.String(), "device removed at its own request") {
		t.Error("removal not logged")
	}
}

// checkWebVectors checks the web app's vectors in docs/device-api.md: the
// subscription update and removal messages verify, the subscription in
// the message is one the server accepts, and the worked example sends it
// byte for byte.
func checkWebVectors(t *testing.T, doc string, devPub []byte, deviceID string) {
	t.Helper()
	v := func(label string) string { return docVector(t, doc, label) }
	msg := v("push-token subscription message (device-signed, web):")
	prefix := string(deviceapi.PushTokenMessage(deviceID, 1741944383, ""))
	sub, ok := strings.CutPrefix(msg, prefix)
	if !ok {
		t.Fatalf("subscription message %q does not start with %q", msg, prefix)
	}
	if _, err := webpush.ParseSubscription([]byte(sub), webpush.EndpointPolicy{}); err != nil {
		t.Errorf("documented subscription refused: %v", err)
	}
	checkSigned(t, devPub, msg, prefix+sub, v("push-token subscription signature:"))
	if !strings.Contains(doc, `{"timestamp":1741944383,"push_subscription":`+sub+`}`) {
		t.Error("the worked example does not send the signed subscription as is")
	}
	checkSigned(t, devPub, v("remove message (device-signed):"), string(deviceapi.RemoveMessage(deviceID, 1741944383)),
		v("remove signature:"))
}
