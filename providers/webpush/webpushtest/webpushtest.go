// Package webpushtest is a fake Web Push service for tests: an httptest
// server that speaks RFC 8030 the way browsers' push services do. It
// checks each push's VAPID authorization (RFC 8292: the ES256 JWT's
// signature against k=, aud = its own origin, exp within 24 hours), its
// headers and size, DECRYPTS the body (RFC 8291 aes128gcm) with keys of a
// subscription the test created, records what it decrypted and answers
// 201 Created, or whatever status a test asks for.
//
//	fake := webpushtest.Start(t, vapidPublicKey) // "" accepts any key
//	sub := fake.NewSubscription(t)               // browser-side keys
//	... activate a web device with push_subscription: sub.JSON ...
//	msg := fake.Next(t, 10*time.Second)          // a decrypted push
//	fake.Respond(sub, http.StatusGone, "")       // the browser unsubscribed
//
// It serves plain HTTP on 127.0.0.1, so the server under test needs
// providers.webpush.allow_http_endpoints (webpush.EndpointPolicy
// AllowLoopback). All methods are safe for concurrent use.
package webpushtest

import (
	"context"
	"crypto/ecdh"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/pushauth/pushauth/providers/webpush"
)

// Server is a fake push service.
type Server struct {
	// URL is the service's origin, http://127.0.0.1:port: the aud every
	// VAPID JWT must name.
	URL string
	// VAPIDKey is the k= every push must carry ("" accepts any key).
	VAPIDKey string

	mu       sync.Mutex
	subs     map[string]*Subscription // by endpoint path
	answers  map[string]answer        // by endpoint path; absent: 201
	messages []Message
	refused  []Refusal
	cursor   int           // next message Next returns
	wake     chan struct{} // closed and replaced when a message arrives
	now      func() time.Time
}

// Subscription is one browser's subscription on the fake: its endpoint
// and the keys only the browser holds.
type Subscription struct {
	Endpoint string
	Private  *ecdh.PrivateKey // the browser's key; its public half is p256dh
	Auth     []byte           // the 16-octet auth secret
	// JSON is the subscription as PushSubscription.toJSON() gives it, with
	// "expirationTime":null: what a web app sends as push_subscription.
	JSON string
}

// Message is one push the fake accepted.
type Message struct {
	Endpoint string
	// Body is the decrypted payload: for pushauth, the signed push JSON
	// {"data":…,"signature":…}.
	Body    []byte
	TTL     int64
	Urgency string
	Topic   string
	Claims  webpush.Claims // the VAPID JWT's claims
	At      time.Time
}

// Refusal is a push the fake refused because it broke the protocol (a
// test's own Respond answers are not refusals).
type Refusal struct {
	Endpoint string
	Status   int
	Reason   string
}

type answer struct {
	status     int
	retryAfter string
}

// Start runs a fake push service until the test ends. vapidKey is the
// application server key pushes must carry in k= (as GET
// /v1/webpush/config answers it); "" accepts any valid key.
func Start(t testing.TB, vapidKey string) *Server {
	t.Helper()
	s := &Server{VAPIDKey: vapidKey, subs: map[string]*Subscription{}, answers: map[string]answer{},
		wake: make(chan struct{}), now: time.Now}
	hs := httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(hs.Close)
	s.URL = hs.URL
	return s
}

// NewSubscription makes a browser's subscription on this service: fresh
// keys and an endpoint under URL.
func (s *Server) NewSubscription(t testing.TB) *Subscription {
	t.Helper()
	priv, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	auth := make([]byte, 16)
	id := make([]byte, 12)
	if _, err := rand.Read(auth); err != nil {
		t.Fatal(err)
	}
	if _, err := rand.Read(id); err != nil {
		t.Fatal(err)
	}
	path := "/push/" + hex.EncodeToString(id)
	sub := &Subscription{Endpoint: s.URL + path, Private: priv, Auth: auth}
	enc := base64.RawURLEncoding
	sub.JSON = `{"endpoint":"` + sub.Endpoint + `","expirationTime":null,"keys":{"p256dh":"` +
		enc.EncodeToString(priv.PublicKey().Bytes()) + `","auth":"` + enc.EncodeToString(auth) + `"}}`
	s.mu.Lock()
	s.subs[path] = sub
	s.mu.Unlock()
	return sub
}

// Respond makes later pushes to sub get status (with Retry-After
// retryAfter when not empty) instead of being accepted: 404 or 410 (the
// subscription is gone), 413, 429, 5xx. Status 0 accepts them again.
func (s *Server) Respond(sub *Subscription, status int, retryAfter string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	path := sub.Endpoint[len(s.URL):]
	if status == 0 {
		delete(s.answers, path)
		return
	}
	s.answers[path] = answer{status: status, retryAfter: retryAfter}
}

// Messages returns every push accepted so far, oldest first.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.messages...)
}

// Refusals returns the pushes refused for breaking the protocol (bad
// VAPID JWT, missing header, undecryptable body …), oldest first. A test
// of a correct sender expects none.
func (s *Server) Refusals() []Refusal {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Refusal(nil), s.refused...)
}

// Next returns the next accepted push that Next has not returned yet,
// waiting up to timeout for it; it fails the test when none comes.
func (s *Server) Next(t testing.TB, timeout time.Duration) Message {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	m, err := s.NextContext(ctx)
	if err != nil {
		t.Fatalf("webpushtest: no push within %s (refused: %v)", timeout, s.Refusals())
	}
	return m
}

// NextContext is Next until ctx ends, returning ctx's error then.
func (s *Server) NextContext(ctx context.Context) (Message, error) {
	for {
		s.mu.Lock()
		if s.cursor < len(s.messages) {
			m := s.messages[s.cursor]
			s.cursor++
			s.mu.Unlock()
			return m, nil
		}
		wake := s.wake
		s.mu.Unlock()
		select {
		case <-wake:
		case <-ctx.Done():
			return Message{}, ctx.Err()
		}
	}
}
