package webpush_test

import (
	"encoding/base64"
	"testing"
	"time"

	"github.com/pushauth/pushauth/providers/webpush"
	"github.com/pushauth/pushauth/providers/webpush/webpushtest"
)

func TestOrigin(t *testing.T) {
	for endpoint, want := range map[string]string{
		"https://fcm.googleapis.com/fcm/send/abc:def": "https://fcm.googleapis.com",
		"https://web.push.apple.com/QGuQyavXutnMH":    "https://web.push.apple.com",
		"http://127.0.0.1:43117/push/1?x=y":           "http://127.0.0.1:43117",
	} {
		if got, err := webpush.Origin(endpoint); err != nil || got != want {
			t.Errorf("Origin(%s) = %q, %v; want %q", endpoint, got, err, want)
		}
	}
	if _, err := webpush.Origin("/relative"); err == nil {
		t.Error("relative endpoint has an origin")
	}
}

// The public key is the 65-octet uncompressed point; a JWT verifies with
// it and carries the claims given.
func TestVAPIDKeyAndJWT(t *testing.T) {
	k := mustKey(t)
	pub, err := webpush.PublicKey(k)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := base64.RawURLEncoding.DecodeString(pub)
	if err != nil || len(raw) != 65 || raw[0] != 4 {
		t.Fatalf("public key %q: %d octets, %v", pub, len(raw), err)
	}
	now := time.Now()
	want := webpush.Claims{Audience: "https://push.example.net", Expires: now.Add(time.Hour).Unix(), Subject: "mailto:a@example.com"}
	jwt, err := webpush.SignJWT(k, want)
	if err != nil {
		t.Fatal(err)
	}
	got, err := webpushtest.VerifyJWT(jwt, pub)
	if err != nil || got != want {
		t.Fatalf("VerifyJWT = %+v, %v", got, err)
	}
	if _, err := webpushtest.VerifyJWT(jwt, mustPub(t)); err == nil {
		t.Error("JWT verified with another key")
	}
	header := "vapid t=" + jwt + ", k=" + pub
	if _, err := webpushtest.CheckAuthorization(header, "https://push.example.net", pub, now); err != nil {
		t.Errorf("CheckAuthorization: %v", err)
	}
	for name, c := range map[string]struct {
		claims webpush.Claims
		origin string
	}{
		"other origin": {want, "https://other.example.net"},
		"expired":      {webpush.Claims{Audience: want.Audience, Expires: now.Add(-time.Second).Unix()}, want.Audience},
		"over 24h":     {webpush.Claims{Audience: want.Audience, Expires: now.Add(25 * time.Hour).Unix()}, want.Audience},
		"bad subject":  {webpush.Claims{Audience: want.Audience, Expires: want.Expires, Subject: "mailto:mailto:x"}, want.Audience},
	} {
		jwt, err := webpush.SignJWT(k, c.claims)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := webpushtest.CheckAuthorization("vapid t="+jwt+", k="+pub, c.origin, pub, now); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func mustPub(t *testing.T) string {
	t.Helper()
	pub, err := webpush.PublicKey(mustKey(t))
	if err != nil {
		t.Fatal(err)
	}
	return pub
}
