// Package fcmtest is a fake Firebase Cloud Messaging service for tests. It
// speaks the wire protocol the Firebase Admin SDK uses: a service account's
// OAuth2 token endpoint (JWT-bearer grant, RS256 assertions checked against
// the keys it generated) and the FCM HTTP v1 send endpoint with FCM's error
// JSON. It runs on an httptest TLS server (HTTP/2); trust it with CAFile.
//
//	fake := fcmtest.NewServer(t)
//	sa := fake.ServiceAccount(t, t.TempDir())
//	p, _ := fcm.New(ctx, fcm.Config{CredentialsFile: sa, Endpoint: fake.URL() + "/v1", CAFile: fake.CAFile(t)})
//	... p.Push(ctx, n) ...
//	msg, _ := fake.Next(ctx)
package fcmtest

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"
)

// DefaultProject is the project id of the service accounts the server
// writes and the only project it serves.
const DefaultProject = "pushauth-test"

// Server is a fake FCM. All methods are safe for concurrent use.
type Server struct {
	srv     *httptest.Server
	project string

	mu           sync.Mutex
	accounts     map[string]*rsa.PublicKey // client_email → key
	tokens       map[string]time.Time      // issued access token → expiry
	unregistered map[string]bool
	failure      *failure
	tokenFailure *failure
	messages     []Message
	cursor       int           // next message Next returns
	wake         chan struct{} // closed and replaced when a message is accepted
	stats        Stats
	accountSeq   int
	conns        int // open client connections
}

type failure struct {
	status    int
	fcmStatus string // google.rpc status, or the OAuth2 error for the token endpoint
	errorCode string // FcmError errorCode detail, or error_description
}

// Message is a send request the server accepted.
type Message struct {
	Project string // from the URL path
	Name    string // the name the server answered: projects/P/messages/ID
	Token   string
	Data    map[string]string
	Android *Android
	// Raw is the request body, as received.
	Raw json.RawMessage
	// Received is when the server accepted it.
	Received time.Time
}

// Android is the message's android block.
type Android struct {
	Priority    string        // as sent: "high", "HIGH", "normal", "NORMAL" or ""
	TTL         time.Duration // parsed from TTLString
	TTLString   string        // as sent, e.g. "29s" or "29.500000000s"; "" when absent
	CollapseKey string
}

// Stats counts requests.
type Stats struct {
	TokenRequests int // POST /token, any outcome
	TokensIssued  int
	SendRequests  int // POST .../messages:send, any outcome
	Accepted      int
	Rejected      int // sends answered with an error (including injected failures)
}

// NewServer starts a fake FCM on a TLS httptest server (HTTP/2 enabled) and
// closes it when the test ends.
func NewServer(t testing.TB) *Server {
	t.Helper()
	s := &Server{
		project:      DefaultProject,
		accounts:     make(map[string]*rsa.PublicKey),
		tokens:       make(map[string]time.Time),
		unregistered: make(map[string]bool),
		wake:         make(chan struct{}),
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/token", s.handleToken)
	mux.HandleFunc("/v1/projects/{project}/{method}", s.handleSend)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "NOT_FOUND", "", "The requested URL "+r.URL.Path+" was not found on this server.")
	})
	s.srv = httptest.NewUnstartedServer(mux)
	s.srv.EnableHTTP2 = true
	s.srv.Config.ConnState = s.connState
	s.srv.StartTLS()
	t.Cleanup(s.Close)
	return s
}

// URL is the server's base URL (https://127.0.0.1:PORT). The FCM endpoint
// is URL()+"/v1", the token URI URL()+"/token".
func (s *Server) URL() string { return s.srv.URL }

// TokenURI is the OAuth2 token endpoint the service accounts name.
func (s *Server) TokenURI() string { return s.srv.URL + "/token" }

// Project is the project id the server serves.
func (s *Server) Project() string { return s.project }

// Conns counts the client connections open now (token requests and sends
// share them; a client that closed its idle connections has none).
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

// Close shuts the server down; sends then fail with network errors.
func (s *Server) Close() { s.srv.Close() }

// Client is an HTTP client that trusts the server.
func (s *Server) Client() *http.Client { return s.srv.Client() }

// CAFile writes the server's certificate (PEM) into a temporary directory
// and returns its path.
func (s *Server) CAFile(t testing.TB) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "fcmtest-ca.pem")
	b := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s.srv.Certificate().Raw})
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatalf("fcmtest: write CA file: %v", err)
	}
	return p
}

// ServiceAccount generates an RSA key, registers its public half and writes
// a service-account key file (type service_account, project_id, client_email,
// private_key, token_uri = TokenURI()) into dir. It returns the file's path.
func (s *Server) ServiceAccount(t testing.TB, dir string) string {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatalf("fcmtest: generate key: %v", err)
	}
	s.mu.Lock()
	s.accountSeq++
	email := "pushauth-" + itoa(s.accountSeq) + "@" + s.project + ".iam.gserviceaccount.com"
	s.accounts[email] = &key.PublicKey
	s.mu.Unlock()

	kid := make([]byte, 20)
	_, _ = rand.Read(kid)
	der, err := marshalPKCS8(key)
	if err != nil {
		t.Fatalf("fcmtest: encode key: %v", err)
	}
	f := map[string]string{
		"type":                        "service_account",
		"project_id":                  s.project,
		"private_key_id":              hex.EncodeToString(kid),
		"private_key":                 string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})),
		"client_email":                email,
		"client_id":                   "1000000000000000000" + itoa(s.accountSeq),
		"auth_uri":                    "https://accounts.google.com/o/oauth2/auth",
		"token_uri":                   s.TokenURI(),
		"auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
		"client_x509_cert_url":        "https://www.googleapis.com/robot/v1/metadata/x509/" + email,
		"universe_domain":             "googleapis.com",
	}
	b, _ := json.MarshalIndent(f, "", "  ")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatalf("fcmtest: %v", err)
	}
	p := filepath.Join(dir, "service-account-"+itoa(s.accountSeq)+".json")
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatalf("fcmtest: write service account: %v", err)
	}
	return p
}

// Unregister makes every later send to token fail with 404 NOT_FOUND,
// errorCode UNREGISTERED (the app was uninstalled or the token expired).
func (s *Server) Unregister(token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.unregistered[token] = true
}

// SetFailure answers every later send with HTTP status and FCM's error JSON
// carrying fcmStatus (google.rpc status such as "UNAVAILABLE", "INTERNAL",
// "RESOURCE_EXHAUSTED", "PERMISSION_DENIED") and, when errorCode is not
// empty, an FcmError detail with that errorCode ("UNAVAILABLE",
// "QUOTA_EXCEEDED", "THIRD_PARTY_AUTH_ERROR" ...). status 0 clears it.
func (s *Server) SetFailure(status int, fcmStatus, errorCode string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if status == 0 {
		s.failure = nil
		return
	}
	s.failure = &failure{status: status, fcmStatus: fcmStatus, errorCode: errorCode}
}

// ClearFailure ends SetFailure.
func (s *Server) ClearFailure() { s.SetFailure(0, "", "") }

// SetTokenFailure answers every later token request with HTTP status and
// the OAuth2 error JSON {"error": oauthError, "error_description": desc}
// (e.g. 400 "invalid_grant", 503 "temporarily_unavailable"). status 0
// clears it.
func (s *Server) SetTokenFailure(status int, oauthError, desc string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if status == 0 {
		s.tokenFailure = nil
		return
	}
	s.tokenFailure = &failure{status: status, fcmStatus: oauthError, errorCode: desc}
}

// RevokeTokens invalidates every access token issued so far: later sends
// with them get 401 UNAUTHENTICATED.
func (s *Server) RevokeTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokens = make(map[string]time.Time)
}

// Messages returns the accepted messages, oldest first.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.messages...)
}

// Next returns the oldest accepted message Next has not returned yet,
// waiting for one until ctx ends.
func (s *Server) Next(ctx context.Context) (Message, error) {
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
		case <-ctx.Done():
			return Message{}, ctx.Err()
		case <-wake:
		}
	}
}

// Stats returns the request counters.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stats
}

func itoa(n int) string { return strconv.Itoa(n) }
