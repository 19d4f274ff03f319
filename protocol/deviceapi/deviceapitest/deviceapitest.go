// Package deviceapitest runs the device API in-process for tests of the
// device side (deviceapi itself, deviceclient, the soft-token simulator):
// a real SQLite store in a temporary directory, a real poll provider and
// server signer, and Logins, a small stand-in for the actor system that
// records answers and judges them the way a login does. End-to-end tests
// of the whole server use the real actor system instead.
package deviceapitest

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/pushauth/pushauth/cluster/local"
	"github.com/pushauth/pushauth/internal/logbuf"
	"github.com/pushauth/pushauth/protocol/deviceapi"
	"github.com/pushauth/pushauth/providers"
	"github.com/pushauth/pushauth/providers/poll"
	"github.com/pushauth/pushauth/push"
	"github.com/pushauth/pushauth/store"
	"github.com/pushauth/pushauth/store/sqlite"
)

// Server is a running device API with its dependencies.
type Server struct {
	URL    string
	Store  *sqlite.Store
	Poll   *poll.Provider
	Signer *push.Signer
	Logins *Logins
	Clock  *Clock
	Logs   *logbuf.Buffer // everything the API logged

	inFlight atomic.Int64
	handler  atomic.Pointer[http.Handler]
	options  []func(*deviceapi.Deps) // Start's, for Restart
	mu       sync.Mutex
	seq      int
	users    map[string]int64
}

// Handler is the API handler serving now (Restart replaces it), for
// benchmarks that leave the network out.
func (s *Server) Handler() http.Handler { return *s.handler.Load() }

// InFlight is the number of requests being served now (e.g. long polls).
func (s *Server) InFlight() int64 { return s.inFlight.Load() }

// Start starts the API on an httptest server; everything stops with t.
// Options may adjust the dependencies before the handler is built.
func Start(t testing.TB, options ...func(*deviceapi.Deps)) *Server {
	t.Helper()
	s := &Server{
		Store:  openStore(t),
		Poll:   newPoll(t),
		Signer: newSigner(t),
		Clock:  NewClock(time.Now()),
		Logs:   &logbuf.Buffer{},
		users:  map[string]int64{},
	}
	s.Logins = NewLogins(s.Poll)
	s.options = options
	s.Restart()
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.inFlight.Add(1)
		defer s.inFlight.Add(-1)
		(*s.handler.Load()).ServeHTTP(w, r)
	}))
	t.Cleanup(hs.Close)
	s.URL = hs.URL
	return s
}

// Restart builds the API handler anew at the same URL, over the same
// store, poll provider, signer and clock, with Start's options and then
// these: like a restarted server, or another node of a cluster. Unless an
// option sets Deps.PollTokenKey, the new handler has a new random key and
// refuses the poll tokens the old one issued. Requests already being
// served finish on the old handler.
func (s *Server) Restart(options ...func(*deviceapi.Deps)) {
	deps := deviceapi.Deps{
		Store: s.Store, Answers: s.Logins, Poll: s.Poll, Signer: s.Signer,
		Log: zerolog.New(s.Logs).Level(zerolog.DebugLevel), Now: s.Clock.Now,
		MaxLongPoll: 5 * time.Second,
	}
	for _, o := range append(s.options[:len(s.options):len(s.options)], options...) {
		o(&deps)
	}
	h := deviceapi.New(deps)
	s.handler.Store(&h)
}

// newPoll is a poll provider on a cluster of one, stopped with t.
func newPoll(t testing.TB) *poll.Provider {
	t.Helper()
	net := local.New(zerolog.Nop())
	t.Cleanup(func() { _ = net.Stop(context.Background()) })
	p, err := poll.New(net, zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func openStore(t testing.TB) *sqlite.Store {
	t.Helper()
	dir := t.TempDir()
	st, err := sqlite.OpenDir(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func newSigner(t testing.TB) *push.Signer {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return push.NewSigner(k)
}

// Token is a soft token created for a test.
type Token struct {
	Serial string
	User   string
	Seed   []byte
	Code   string // activation code
	URL    string // activation URL (what the QR code holds)
}

// NewToken creates a user (if new) and a TOTP soft token for it, with an
// activation code valid for ten minutes of the server clock.
func (s *Server) NewToken(t testing.TB, user string) *Token {
	t.Helper()
	ctx := context.Background()
	uid := s.userID(t, user)
	tok := &store.Token{
		UserID: uid, Type: store.TokenSoftToken, Serial: s.next("ST"), Algorithm: store.OTPTOTP,
		Digits: 6, Period: 30, Seed: randomBytes(t, 20), PushOn: true,
	}
	if err := s.Store.CreateToken(ctx, tok); err != nil {
		t.Fatal(err)
	}
	code := base32.StdEncoding.EncodeToString(randomBytes(t, 10)) // as the admin API makes them
	h := sha256.Sum256([]byte(code))
	act := &store.Activation{CodeHash: h[:], TokenID: tok.ID, ExpiresAt: s.Clock.Now().Add(10 * time.Minute)}
	if err := s.Store.CreateActivation(ctx, act); err != nil {
		t.Fatal(err)
	}
	return &Token{Serial: tok.Serial, User: user, Seed: tok.Seed, Code: code,
		URL: s.URL + "/v1/activate?code=" + code}
}

func (s *Server) userID(t testing.TB, name string) int64 {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if id, ok := s.users[name]; ok {
		return id
	}
	u := &store.User{Name: name}
	if err := s.Store.CreateUser(context.Background(), u); err != nil {
		t.Fatal(err)
	}
	s.users[name] = u.ID
	return u.ID
}

func (s *Server) next(prefix string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	return fmt.Sprintf("%s%04d", prefix, s.seq)
}

// Push starts a fake login for user that pushes to deviceID through the
// poll provider, and returns its payload. The push expires after ttl (real
// time: the poll provider uses the wall clock).
func (s *Server) Push(t testing.TB, user, deviceID string, ttl time.Duration) push.Payload {
	t.Helper()
	return s.PushChoices(t, user, deviceID, ttl, [3]int{})
}

// PushChoices is Push with number matching's three choices.
func (s *Server) PushChoices(t testing.TB, user, deviceID string, ttl time.Duration, choices [3]int) push.Payload {
	t.Helper()
	p := push.Payload{
		LoginID: s.next("login_"), Nonce: hex.EncodeToString(randomBytes(t, 12)),
		User: user, Client: "vpn-gw", Agent: "generic", CallingStation: "203.0.113.7",
		DeviceID: deviceID, Expires: time.Now().Add(ttl).UTC().Truncate(time.Second),
		NumberChoices: choices,
	}
	signed, err := s.Signer.Sign(p)
	if err != nil {
		t.Fatal(err)
	}
	s.Logins.add(p)
	n := &providers.Notification{Payload: p, Signed: signed, Deadline: p.Expires}
	if err := s.Poll.Push(context.Background(), n); err != nil {
		t.Fatal(err)
	}
	return p
}

func randomBytes(t testing.TB, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

// Clock is a settable clock for the API.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a clock standing at now.
func NewClock(now time.Time) *Clock { return &Clock{now: now} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Add moves the clock by d.
func (c *Clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}
