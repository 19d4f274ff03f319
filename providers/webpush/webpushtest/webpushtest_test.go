package webpushtest_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"net/http"
	"testing"
	"time"

	"github.com/pushauth/pushauth/providers/webpush"
	"github.com/pushauth/pushauth/providers/webpush/webpushtest"
)

// The fake refuses what a push service refuses, and records why.
func TestRefusals(t *testing.T) {
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	pub, _ := webpush.PublicKey(k)
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	fake := webpushtest.Start(t, pub)
	sub := fake.NewSubscription(t)
	parsed, err := webpush.ParseSubscription([]byte(sub.JSON), webpush.EndpointPolicy{AllowLoopback: true})
	if err != nil {
		t.Fatal(err)
	}
	body, err := webpush.Encrypt([]byte(`{"data":"x","signature":"y"}`), parsed)
	if err != nil {
		t.Fatal(err)
	}
	jwt := func(key *ecdsa.PrivateKey, aud string) string {
		s, err := webpush.SignJWT(key, webpush.Claims{Audience: aud, Expires: time.Now().Add(time.Hour).Unix()})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	good := map[string]string{"Authorization": "vapid t=" + jwt(k, fake.URL) + ", k=" + pub,
		"TTL": "30", "Content-Encoding": "aes128gcm", "Urgency": "high", "Topic": "abc"}
	send := func(url string, b []byte, change map[string]string) int {
		req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(b))
		for h, v := range good {
			req.Header.Set(h, v)
		}
		for h, v := range change {
			req.Header.Set(h, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for name, c := range map[string]struct {
		url    string
		body   []byte
		change map[string]string
		status int
	}{
		"unknown subscription": {fake.URL + "/push/nope", body, nil, 404},
		"other key":            {sub.Endpoint, body, map[string]string{"Authorization": "vapid t=" + jwt(other, fake.URL) + ", k=" + pub}, 403},
		"other aud":            {sub.Endpoint, body, map[string]string{"Authorization": "vapid t=" + jwt(k, "https://x.example") + ", k=" + pub}, 403},
		"no TTL":               {sub.Endpoint, body, map[string]string{"TTL": ""}, 400},
		"encoding":             {sub.Endpoint, body, map[string]string{"Content-Encoding": "aesgcm"}, 400},
		"topic too long":       {sub.Endpoint, body, map[string]string{"Topic": "0123456789012345678901234567890123"}, 400},
		"not encrypted":        {sub.Endpoint, bytes.Repeat([]byte("x"), 200), nil, 400},
		"too large":            {sub.Endpoint, bytes.Repeat([]byte("x"), 4097), nil, 413},
	} {
		if got := send(c.url, c.body, c.change); got != c.status {
			t.Errorf("%s: status %d, want %d", name, got, c.status)
		}
	}
	if n := len(fake.Refusals()); n != 8 || len(fake.Messages()) != 0 {
		t.Fatalf("%d refusals %v, %d messages", n, fake.Refusals(), len(fake.Messages()))
	}
	if got := send(sub.Endpoint, body, nil); got != http.StatusCreated {
		t.Fatalf("good push: %d %v", got, fake.Refusals())
	}
	if m := fake.Next(t, time.Second); string(m.Body) != `{"data":"x","signature":"y"}` || m.TTL != 30 {
		t.Errorf("message %+v", m)
	}
	fake.Respond(sub, http.StatusGone, "")
	if got := send(sub.Endpoint, body, nil); got != http.StatusGone {
		t.Errorf("after Respond(410): %d", got)
	}
}
