package apnstest

import (
	"context"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/sideshow/apns2/token"
)

const (
	keyID  = "KEY1234567"
	teamID = "TEAM123456"
)

// jwt signs an ES256 provider token by hand.
func jwt(t *testing.T, k *ecdsa.PrivateKey, alg, kid, iss string, iat time.Time) string {
	t.Helper()
	enc := func(v any) string {
		b, _ := json.Marshal(v)
		return base64.RawURLEncoding.EncodeToString(b)
	}
	in := enc(map[string]string{"alg": alg, "kid": kid}) + "." + enc(map[string]any{"iss": iss, "iat": iat.Unix()})
	h := sha256.Sum256([]byte(in))
	r, s, err := ecdsa.Sign(rand.Reader, k, h[:])
	if err != nil {
		t.Fatal(err)
	}
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:])
	return in + "." + base64.RawURLEncoding.EncodeToString(sig)
}

type req struct {
	method, path, bearer, body string
	header                     map[string]string
}

func do(t *testing.T, s *Server, q req) (int, string) {
	t.Helper()
	if q.method == "" {
		q.method = http.MethodPost
	}
	r, err := http.NewRequest(q.method, s.URL()+q.path, strings.NewReader(q.body))
	if err != nil {
		t.Fatal(err)
	}
	if q.bearer != "" {
		r.Header.Set("authorization", "bearer "+q.bearer)
	}
	for k, v := range q.header {
		if v != "" {
			r.Header.Set(k, v)
		}
	}
	res, err := s.srv.Client().Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out struct{ Reason string }
	_ = json.NewDecoder(res.Body).Decode(&out)
	return res.StatusCode, out.Reason
}

func TestServerChecks(t *testing.T) {
	p8, pub := GenerateKey(t, t.TempDir())
	key, err := token.AuthKeyFromFile(p8)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	good := jwt(t, key, "ES256", keyID, teamID, now)
	s := NewServer(t, Options{TeamID: teamID, KeyID: keyID, PublicKey: pub, Topic: "com.example.app"})
	hdr := func(kv ...string) map[string]string {
		m := map[string]string{"apns-topic": "com.example.app", "apns-push-type": "alert", "apns-priority": "10", "apns-expiration": "0"}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	const body = `{"aps":{"alert":"hi"},"data":"d","signature":"s"}`
	cases := []struct {
		name   string
		q      req
		status int
		reason string
	}{
		{"ok", req{path: "/3/device/abc", bearer: good, body: body, header: hdr()}, 200, ""},
		{"get", req{method: "GET", path: "/3/device/abc", bearer: good, header: hdr()}, 405, "MethodNotAllowed"},
		{"path", req{path: "/3/other/abc", bearer: good, body: body, header: hdr()}, 404, "BadPath"},
		{"no token", req{path: "/3/device/", bearer: good, body: body, header: hdr()}, 400, "MissingDeviceToken"},
		{"no jwt", req{path: "/3/device/abc", body: body, header: hdr()}, 403, "MissingProviderToken"},
		{"garbage jwt", req{path: "/3/device/abc", bearer: "a.b.c", body: body, header: hdr()}, 403, "InvalidProviderToken"},
		{"kid", req{path: "/3/device/abc", bearer: jwt(t, key, "ES256", "OTHERKEY00", teamID, now), body: body, header: hdr()}, 403, "InvalidProviderToken"},
		{"iss", req{path: "/3/device/abc", bearer: jwt(t, key, "ES256", keyID, "OTHERTEAM0", now), body: body, header: hdr()}, 403, "InvalidProviderToken"},
		{"alg", req{path: "/3/device/abc", bearer: jwt(t, key, "ES384", keyID, teamID, now), body: body, header: hdr()}, 403, "InvalidProviderToken"},
		{"future", req{path: "/3/device/abc", bearer: jwt(t, key, "ES256", keyID, teamID, now.Add(time.Hour)), body: body, header: hdr()}, 403, "InvalidProviderToken"},
		{"old", req{path: "/3/device/abc", bearer: jwt(t, key, "ES256", keyID, teamID, now.Add(-2*time.Hour)), body: body, header: hdr()}, 403, "ExpiredProviderToken"},
		{"tampered", req{path: "/3/device/abc", bearer: good[:len(good)-4] + "AAAA", body: body, header: hdr()}, 403, "InvalidProviderToken"},
		{"topic", req{path: "/3/device/abc", bearer: good, body: body, header: hdr("apns-topic", "")}, 400, "MissingTopic"},
		{"other topic", req{path: "/3/device/abc", bearer: good, body: body, header: hdr("apns-topic", "com.other")}, 400, "DeviceTokenNotForTopic"},
		{"push type", req{path: "/3/device/abc", bearer: good, body: body, header: hdr("apns-push-type", "")}, 400, "InvalidPushType"},
		{"priority", req{path: "/3/device/abc", bearer: good, body: body, header: hdr("apns-priority", "7")}, 400, "BadPriority"},
		{"expiration", req{path: "/3/device/abc", bearer: good, body: body, header: hdr("apns-expiration", "soon")}, 400, "BadExpirationDate"},
		{"collapse", req{path: "/3/device/abc", bearer: good, body: body, header: hdr("apns-collapse-id", strings.Repeat("c", 65))}, 400, "BadCollapseId"},
		{"empty", req{path: "/3/device/abc", bearer: good, header: hdr()}, 400, "PayloadEmpty"},
		{"large", req{path: "/3/device/abc", bearer: good, body: `{"aps":{},"x":"` + strings.Repeat("x", 4096) + `"}`, header: hdr()}, 413, "PayloadTooLarge"},
		{"no aps", req{path: "/3/device/abc", bearer: good, body: `{"data":"d"}`, header: hdr()}, 400, "BadPayload"},
		{"not json", req{path: "/3/device/abc", bearer: good, body: `aps`, header: hdr()}, 400, "BadPayload"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if st, reason := do(t, s, c.q); st != c.status || reason != c.reason {
				t.Errorf("got %d %q, want %d %q", st, reason, c.status, c.reason)
			}
		})
	}
	if n := len(s.Notifications()); n != 1 {
		t.Errorf("%d notifications recorded, want 1", n)
	}
	if s.Requests() != len(cases) || s.ProviderTokens() != 1 {
		t.Errorf("requests %d, provider tokens %d", s.Requests(), s.ProviderTokens())
	}
}

func TestServerKnobs(t *testing.T) {
	s := NewServer(t, Options{})
	ok := req{path: "/3/device/abc", body: `{"aps":{}}`, header: map[string]string{"apns-topic": "t", "apns-push-type": "alert"}}
	s.Unregister("abc")
	if st, reason := do(t, s, ok); st != 410 || reason != "Unregistered" {
		t.Errorf("unregistered: %d %q", st, reason)
	}
	s.Reject("abc", 0, "")
	s.SetFailure(503, "ServiceUnavailable")
	if st, reason := do(t, s, ok); st != 503 || reason != "ServiceUnavailable" {
		t.Errorf("failure: %d %q", st, reason)
	}
	s.SetFailure(0, "")
	type result struct {
		r   Received
		err error
	}
	got := make(chan result, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		r, err := s.Next(ctx)
		got <- result{r, err}
	}()
	if st, _ := do(t, s, ok); st != 200 {
		t.Fatalf("status %d", st)
	}
	if res := <-got; res.err != nil || res.r.Token != "abc" || res.r.Proto != "HTTP/2.0" {
		t.Fatalf("next: %+v %v", res.r, res.err)
	}
	short, cancel2 := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel2()
	if _, err := s.Next(short); err == nil {
		t.Error("Next returned a notification twice")
	}
}
