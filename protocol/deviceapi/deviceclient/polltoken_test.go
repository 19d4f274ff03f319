package deviceclient_test

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/pushauth/pushauth/protocol/deviceapi"
	"github.com/pushauth/pushauth/protocol/deviceapi/deviceapitest"
	"github.com/pushauth/pushauth/protocol/deviceapi/deviceclient"
)

// authLog records how each pending call was authenticated ("signature",
// "token" or "none") and the status it got, on the way to a real server.
type authLog struct {
	mu    sync.Mutex
	calls []string
}

func (l *authLog) RoundTrip(req *http.Request) (*http.Response, error) {
	how := "none"
	switch {
	case req.Header.Get(deviceapi.SignatureHeader) != "":
		how = "signature"
	case req.Header.Get(deviceapi.PollTokenHeader) != "":
		how = "token"
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err == nil {
		how += " " + http.StatusText(resp.StatusCode)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.calls = append(l.calls, how)
	return resp, err
}

// take returns the calls recorded since the last take.
func (l *authLog) take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	c := l.calls
	l.calls = nil
	return c
}

// tokenDevice is a device sharing the server's clock whose requests are
// recorded.
func tokenDevice(t *testing.T, s *deviceapitest.Server) (*deviceclient.Device, *authLog) {
	t.Helper()
	d, _ := activate(t, s, "alice", deviceclient.Options{})
	log := &authLog{}
	d.HTTP = &http.Client{Transport: log, Timeout: 30 * time.Second}
	d.Now = s.Clock.Now
	return d, log
}

func poll(t *testing.T, d *deviceclient.Device, log *authLog, want ...string) {
	t.Helper()
	if _, err := d.Pending(context.Background(), 0); err != nil {
		t.Fatal(err)
	}
	got := log.take()
	if len(got) != len(want) {
		t.Fatalf("calls %q, want %q", got, want)
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("calls %q, want %q", got, want)
		}
	}
}

const (
	signedOK = "signature OK"
	tokenOK  = "token OK"
)

func TestPendingUsesThePollToken(t *testing.T) {
	s := deviceapitest.Start(t)
	d, log := tokenDevice(t, s)
	poll(t, d, log, signedOK)
	poll(t, d, log, tokenOK)
	poll(t, d, log, tokenOK)
	// Within a minute of its expiry the token is no longer sent.
	s.Clock.Add(deviceapi.PollTokenLifetime - deviceclient.PollTokenMargin + time.Second)
	poll(t, d, log, signedOK)
	poll(t, d, log, tokenOK)
}

func TestPendingSignsAgainWhenTheTokenIsRefused(t *testing.T) {
	s := deviceapitest.Start(t)
	d, log := tokenDevice(t, s)
	poll(t, d, log, signedOK)
	s.Restart() // a new poll-token key: the held token is refused
	poll(t, d, log, "token Unauthorized", signedOK)
	poll(t, d, log, tokenOK)
}

func TestPendingSignEveryPoll(t *testing.T) {
	s := deviceapitest.Start(t)
	d, log := tokenDevice(t, s)
	d.SignEveryPoll = true
	poll(t, d, log, signedOK)
	poll(t, d, log, signedOK)
}

// Concurrent polls share the token safely, also while it is refused and
// replaced (run with -race).
func TestPendingTokenConcurrently(t *testing.T) {
	s := deviceapitest.Start(t)
	d, log := tokenDevice(t, s)
	poll(t, d, log, signedOK)
	s.Restart()
	var wg sync.WaitGroup
	for range deviceapi.DefaultMaxPollsPerDevice - 1 {
		wg.Go(func() {
			if _, err := d.Pending(context.Background(), 0); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	log.take()
	poll(t, d, log, tokenOK)
}
