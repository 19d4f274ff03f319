// Package apnstest is a fake Apple Push Notification service for tests: an
// HTTP/2 TLS server for POST /3/device/{token} that checks the provider
// token (ES256 JWT) or client certificate, the apns-* headers and the
// payload the way APNs does, answers with APNs' status codes and reasons,
// and records every notification it accepts.
package apnstest

import (
	"context"
	"crypto/ecdsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/pushauth/pushauth/push"
)

// Options configures a Server. The zero value accepts any request that is
// well formed.
type Options struct {
	// Token auth: when PublicKey is set, every request needs a provider
	// token signed by its private key with this key id and team id.
	TeamID, KeyID string
	PublicKey     *ecdsa.PublicKey
	// RequireClientCert: requests must come over a connection with a
	// client certificate (any certificate; certificate auth).
	RequireClientCert bool
	// Topic, when set, is the only apns-topic the device tokens belong to;
	// another gets 400 DeviceTokenNotForTopic.
	Topic string
}

// Received is one accepted notification.
type Received struct {
	Token      string // device token from the path
	Header     http.Header
	Body       []byte
	Proto      string            // "HTTP/2.0"
	ClientCert *x509.Certificate // nil without certificate auth
}

// Signed returns the push's top-level "data" and "signature" strings.
func (r Received) Signed() (push.Signed, error) {
	var s push.Signed
	err := json.Unmarshal(r.Body, &s)
	return s, err
}

// Server is a fake APNs. Its methods are safe for concurrent use.
type Server struct {
	opts   Options
	srv    *httptest.Server
	closed chan struct{}
	once   sync.Once

	mu       sync.Mutex
	received []Received
	next     int           // index of the next notification Next returns
	wake     chan struct{} // closed and replaced when one is accepted
	requests int
	conns    int // open client connections
	jwts     map[string]bool
	rejects  map[string]answer // by device token
	failure  answer
	delay    time.Duration
}

type answer struct {
	status int
	reason string
}

// NewServer starts a fake APNs; it is closed when the test ends.
func NewServer(t testing.TB, opts Options) *Server {
	s := &Server{
		opts:    opts,
		closed:  make(chan struct{}),
		wake:    make(chan struct{}),
		jwts:    make(map[string]bool),
		rejects: make(map[string]answer),
	}
	s.srv = httptest.NewUnstartedServer(http.HandlerFunc(s.handle))
	s.srv.EnableHTTP2 = true
	s.srv.Config.ConnState = s.connState
	if opts.RequireClientCert {
		s.srv.TLS = &tls.Config{ClientAuth: tls.RequestClientCert}
	}
	s.srv.StartTLS()
	t.Cleanup(s.Close)
	return s
}

// URL is the server's base URL (for Config.URL).
func (s *Server) URL() string { return s.srv.URL }

// CAFile writes the server's certificate as PEM to a temporary file and
// returns its path (for Config.CAFile).
func (s *Server) CAFile(t testing.TB) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "apnstest-ca.pem")
	b := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s.srv.Certificate().Raw})
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatalf("apnstest: %v", err)
	}
	return path
}

// Close stops the server; requests being delayed are answered 503 Shutdown.
func (s *Server) Close() {
	s.once.Do(func() {
		close(s.closed)
		s.srv.Close()
	})
}

// Unregister makes token answer 410 Unregistered from now on.
func (s *Server) Unregister(token string) { s.Reject(token, http.StatusGone, "Unregistered") }

// Reject makes every push to token fail with status and reason (e.g. 400
// "BadDeviceToken"); status 0 lifts it.
func (s *Server) Reject(token string, status int, reason string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if status == 0 {
		delete(s.rejects, token)
		return
	}
	s.rejects[token] = answer{status, reason}
}

// SetFailure makes every request fail with status and reason (e.g. 503
// "ServiceUnavailable", 429 "TooManyRequests") until SetFailure(0, "").
func (s *Server) SetFailure(status int, reason string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failure = answer{status, reason}
}

// SetDelay holds every answer for d (or until the client gives up).
func (s *Server) SetDelay(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.delay = d
}

// Conns counts the client connections open now (a provider that closed
// its idle connections has none).
func (s *Server) Conns() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.conns
}

func (s *Server) connState(_ net.Conn, state http.ConnState) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch state {
	case http.StateNew:
		s.conns++
	case http.StateClosed, http.StateHijacked:
		s.conns--
	}
}

// Requests counts every request received, accepted or not.
func (s *Server) Requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests
}

// ProviderTokens counts the distinct valid provider tokens (JWTs) seen.
func (s *Server) ProviderTokens() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.jwts)
}

// Notifications returns every accepted notification, oldest first.
func (s *Server) Notifications() []Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Received(nil), s.received...)
}

// Next waits for the next accepted notification not yet returned by Next.
func (s *Server) Next(ctx context.Context) (Received, error) {
	for {
		s.mu.Lock()
		if s.next < len(s.received) {
			r := s.received[s.next]
			s.next++
			s.mu.Unlock()
			return r, nil
		}
		wake := s.wake
		s.mu.Unlock()
		select {
		case <-ctx.Done():
			return Received{}, ctx.Err()
		case <-s.closed:
			return Received{}, errors.New("apnstest: server closed")
		case <-wake:
		}
	}
}
