package deviceapi_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base32"
	"encoding/base64"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pushauth/pushauth/protocol/deviceapi/deviceapitest"
)

func TestActivateRegistersDevice(t *testing.T) {
	s := deviceapitest.Start(t)
	tok := s.NewToken(t, "alice")
	_, pub := newKey(t)
	r := call(t, "POST", s.URL+"/v1/activate", activation(tok.Code, pub))
	if r.status != http.StatusOK {
		t.Fatalf("activate: %d %s", r.status, r.raw)
	}
	id := r.str("device_id")
	if !strings.HasPrefix(id, "dev_") || len(id) != len("dev_")+16 {
		t.Errorf("device_id %q, want dev_ + 16 hex digits", id)
	}
	if r.str("serial") != tok.Serial || r.str("server_public_key") != s.Signer.PublicKey() {
		t.Errorf("serial/server key wrong: %s", r.raw)
	}
	otp, _ := r.body["otp"].(map[string]any)
	wantSeed := base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(tok.Seed)
	if otp["seed_b32"] != wantSeed || otp["algorithm"] != "totp" || otp["digits"] != 6.0 || otp["period"] != 30.0 {
		t.Errorf("otp = %v", otp)
	}
	got, err := s.Store.DeviceByID(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	der, _ := base64.StdEncoding.DecodeString(pub)
	d := got.Device
	if got.Serial != tok.Serial || d.Platform != "android" || d.OSVersion != "14" || d.PushKind != "poll" ||
		!bytes.Equal(d.PublicKey, der) {
		t.Errorf("stored device %+v", d)
	}
}

func TestActivateCodeIsSingleUse(t *testing.T) {
	s := deviceapitest.Start(t)
	tok := s.NewToken(t, "alice")
	_, pub := newKey(t)
	if r := call(t, "POST", s.URL+"/v1/activate", activation(tok.Code, pub)); r.status != http.StatusOK {
		t.Fatalf("first activation: %d %s", r.status, r.raw)
	}
	call(t, "POST", s.URL+"/v1/activate", activation(tok.Code, pub)).wantError(t, http.StatusGone, "activation_invalid")
	call(t, "POST", s.URL+"/v1/activate", activation("no-such-code", pub)).wantError(t, http.StatusGone, "activation_invalid")
}

func TestActivateCodeTypedByHand(t *testing.T) {
	s := deviceapitest.Start(t)
	tok := s.NewToken(t, "alice")
	_, pub := newKey(t)
	typed := " " + strings.ToLower(tok.Code[:8]) + " " + tok.Code[8:] + "\n"
	if r := call(t, "POST", s.URL+"/v1/activate", activation(typed, pub)); r.status != http.StatusOK {
		t.Fatalf("lower case code in groups: %d %s", r.status, r.raw)
	}
}

func TestActivateCodeExpires(t *testing.T) {
	s := deviceapitest.Start(t)
	tok := s.NewToken(t, "alice")
	_, pub := newKey(t)
	s.Clock.Add(11 * time.Minute)
	call(t, "POST", s.URL+"/v1/activate", activation(tok.Code, pub)).wantError(t, http.StatusGone, "activation_invalid")
}

func TestActivateOSVersionFloor(t *testing.T) {
	s := deviceapitest.Start(t)
	_, pub := newKey(t)
	cases := []struct {
		platform, version string
		ok                bool
		min               string
	}{
		{"android", "7.1.2", false, "Android 8"},
		{"android", "7", false, "Android 8"},
		{"android", "8", true, ""},
		{"android", "8.0.0", true, ""},
		{"ios", "9.3.5", false, "iOS 10"},
		{"ios", "10", true, ""},
		{"ios", "17.4", true, ""},
	}
	for _, c := range cases {
		tok := s.NewToken(t, "u-"+c.platform+c.version)
		body := activation(tok.Code, pub)
		body["platform"], body["os_version"] = c.platform, c.version
		r := call(t, "POST", s.URL+"/v1/activate", body)
		if c.ok {
			if r.status != http.StatusOK {
				t.Errorf("%s %s: %d %s", c.platform, c.version, r.status, r.raw)
			}
			continue
		}
		r.wantError(t, http.StatusBadRequest, "os_too_old")
		if !strings.Contains(r.str("error"), c.min+" or later") {
			t.Errorf("%s %s: message %q does not name %s", c.platform, c.version, r.str("error"), c.min)
		}
		// A refused activation does not consume the code.
		body["os_version"] = "99"
		if r := call(t, "POST", s.URL+"/v1/activate", body); r.status != http.StatusOK {
			t.Errorf("%s retry with a new OS: %d %s", c.platform, r.status, r.raw)
		}
	}
}

func TestActivateBadFields(t *testing.T) {
	s := deviceapitest.Start(t)
	tok := s.NewToken(t, "alice")
	_, pub := newKey(t)
	p384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der384, _ := x509.MarshalPKIXPublicKey(&p384.PublicKey)
	cases := []struct {
		name, field string
		value       any
		code        string
	}{
		{"no code", "code", "", "missing_code"},
		{"platform", "platform", "windows", "bad_platform"},
		{"version", "os_version", "Oreo", "bad_os_version"},
		{"empty version", "os_version", "", "bad_os_version"},
		{"push kind", "push_kind", "sms", "bad_push_kind"},
		{"apns on android", "push_kind", "apns", "push_kind_mismatch"},
		{"fcm without token", "push_kind", "fcm", "missing_push_token"},
		{"key not base64", "public_key", "%%%", "bad_public_key"},
		{"key garbage", "public_key", base64.StdEncoding.EncodeToString([]byte("nope")), "bad_public_key"},
		{"key P-384", "public_key", base64.StdEncoding.EncodeToString(der384), "bad_public_key"},
		{"key missing", "public_key", "", "bad_public_key"},
		{"wrong type", "os_version", 14, "bad_json"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			body := activation(tok.Code, pub)
			body[c.field] = c.value
			call(t, "POST", s.URL+"/v1/activate", body).wantError(t, http.StatusBadRequest, c.code)
		})
	}
	call(t, "POST", s.URL+"/v1/activate", `{"code":`).wantError(t, http.StatusBadRequest, "bad_json")
	call(t, "POST", s.URL+"/v1/activate", `[1,2]`).wantError(t, http.StatusBadRequest, "bad_json")
	// None of that consumed the code.
	if r := call(t, "POST", s.URL+"/v1/activate", activation(tok.Code, pub)); r.status != http.StatusOK {
		t.Fatalf("activation after bad requests: %d %s", r.status, r.raw)
	}
}

func TestActivatePushKinds(t *testing.T) {
	s := deviceapitest.Start(t)
	_, pub := newKey(t)
	for _, c := range []struct{ platform, kind string }{{"ios", "apns"}, {"android", "fcm"}} {
		tok := s.NewToken(t, c.platform)
		body := activation(tok.Code, pub)
		body["platform"], body["push_kind"] = c.platform, c.kind
		call(t, "POST", s.URL+"/v1/activate", body).wantError(t, http.StatusBadRequest, "missing_push_token")
		body["push_token"] = "tok-" + c.kind
		r := call(t, "POST", s.URL+"/v1/activate", body)
		if r.status != http.StatusOK {
			t.Fatalf("%s: %d %s", c.kind, r.status, r.raw)
		}
		got, err := s.Store.DeviceByID(context.Background(), r.str("device_id"))
		if err != nil {
			t.Fatal(err)
		}
		if got.Device.PushKind != c.kind || got.Device.PushToken != "tok-"+c.kind {
			t.Errorf("stored %+v", got.Device)
		}
	}
}

func TestBodyLimit(t *testing.T) {
	s := deviceapitest.Start(t)
	tok := s.NewToken(t, "alice")
	_, pub := newKey(t)
	body := activation(tok.Code, pub)
	body["padding"] = strings.Repeat("x", 16<<10)
	call(t, "POST", s.URL+"/v1/activate", body).wantError(t, http.StatusRequestEntityTooLarge, "body_too_large")
	call(t, "POST", s.URL+"/v1/answers", strings.Repeat(" ", 17<<10)).
		wantError(t, http.StatusRequestEntityTooLarge, "body_too_large")
}

func TestActivationLink(t *testing.T) {
	s := deviceapitest.Start(t)
	tok := s.NewToken(t, "alice")
	r := call(t, "GET", tok.URL, nil)
	if r.status != http.StatusOK || r.str("method") != "POST" || r.str("path") != "/v1/activate" ||
		r.str("code") != tok.Code || r.str("message") == "" {
		t.Fatalf("GET link: %d %s", r.status, r.raw)
	}
	call(t, "GET", s.URL+"/v1/activate", nil).wantError(t, http.StatusBadRequest, "missing_code")
	// Looking at the link does not consume the code.
	_, pub := newKey(t)
	if r := call(t, "POST", s.URL+"/v1/activate", activation(tok.Code, pub)); r.status != http.StatusOK {
		t.Fatalf("activation after GET: %d %s", r.status, r.raw)
	}
}

func TestUnknownRoutes(t *testing.T) {
	s := deviceapitest.Start(t)
	call(t, "GET", s.URL+"/v2/nothing", nil).wantError(t, http.StatusNotFound, "not_found")
	call(t, "GET", s.URL+"/v1/answers", nil).wantError(t, http.StatusMethodNotAllowed, "method_not_allowed")
	call(t, "DELETE", s.URL+"/v1/activate", nil).wantError(t, http.StatusMethodNotAllowed, "method_not_allowed")
	call(t, "GET", s.URL+"/v1/devices/x/pending", nil).wantError(t, http.StatusMethodNotAllowed, "method_not_allowed")
}

func TestNoSecretsInLogs(t *testing.T) {
	s := deviceapitest.Start(t)
	tok := s.NewToken(t, "alice")
	key, pub := newKey(t)
	r := call(t, "POST", s.URL+"/v1/activate", activation(tok.Code, pub))
	call(t, "POST", s.URL+"/v1/activate", activation(tok.Code, pub)) // refused, also logged
	p := &phone{id: r.str("device_id"), key: key}
	pl := s.Push(t, "alice", p.id, time.Minute)
	p.pending(t, s, 0)
	sig := sign(t, key, pl.LoginID+"|"+pl.Nonce+"|approve")
	body := map[string]any{"device_id": p.id, "login_id": pl.LoginID, "nonce": pl.Nonce,
		"decision": "approve", "signature": sig}
	call(t, "POST", s.URL+"/v1/answers", body)
	body["decision"] = "deny" // bad signature: logged as a warning
	call(t, "POST", s.URL+"/v1/answers", body)
	logs := s.Logs.String()
	otp, _ := r.body["otp"].(map[string]any)
	seed, _ := otp["seed_b32"].(string)
	for name, secret := range map[string]string{"code": tok.Code, "seed": seed, "public key": pub,
		"server key": s.Signer.PublicKey(), "nonce": pl.Nonce, "signature": sig} {
		if secret == "" || strings.Contains(logs, secret) {
			t.Errorf("logs contain the %s (or it is empty)", name)
		}
	}
	for _, want := range []string{"device activated", p.id, "bad device signature", "accepted"} {
		if !strings.Contains(logs, want) {
			t.Errorf("logs miss %q: %s", want, logs)
		}
	}
}
