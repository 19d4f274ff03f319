package server

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/rs/zerolog"

	"github.com/pushauth/pushauth/internal/logbuf"
	"github.com/pushauth/pushauth/providers"
)

// lifecycleProvider records Start and Stop; startErr and stopErr are
// returned by them.
type lifecycleProvider struct {
	name              string
	startErr, stopErr error

	mu            sync.Mutex
	starts, stops int
	stopCtxAlive  bool
}

var _ providers.Provider = (*lifecycleProvider)(nil)

func (p *lifecycleProvider) Name() string                                        { return p.name }
func (p *lifecycleProvider) Push(context.Context, *providers.Notification) error { return nil }
func (p *lifecycleProvider) Withdraw(string, string)                             {}

func (p *lifecycleProvider) Start(context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.starts++
	return p.startErr
}

func (p *lifecycleProvider) Stop(ctx context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.stops++
	_, hasDeadline := ctx.Deadline()
	p.stopCtxAlive = ctx.Err() == nil && hasDeadline
	return p.stopErr
}

func (p *lifecycleProvider) counts() (starts, stops int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.starts, p.stops
}

// A provider failing to start stops start-up with its config section in the
// error, and the providers started before it are stopped again.
func TestStartPushersNamesFailingSection(t *testing.T) {
	boom := errors.New("boom")
	apns := &lifecycleProvider{name: "apns"}
	fcm := &lifecycleProvider{name: "fcm"}
	ol := &lifecycleProvider{name: "onelogin", startErr: boom}
	s := &Server{log: zerolog.Nop()}
	err := s.startPushers(context.Background(), map[string]providers.Provider{"apns": apns, "fcm": fcm, "onelogin": ol})
	if !errors.Is(err, boom) || !strings.HasPrefix(err.Error(), "providers.onelogin: ") {
		t.Fatalf("err = %v, want it to start with providers.onelogin and wrap the cause", err)
	}
	for _, p := range []*lifecycleProvider{apns, fcm} {
		if starts, stops := p.counts(); starts != 1 || stops != 1 {
			t.Errorf("%s: %d starts, %d stops; want started, then stopped again", p.name, starts, stops)
		}
	}
	if starts, stops := ol.counts(); starts != 1 || stops != 0 {
		t.Errorf("onelogin: %d starts, %d stops", starts, stops)
	}
}

// stopPushers stops every provider with a bounded context of its own (also
// when shutdown's context has ended) and logs the failures.
func TestStopPushersLogsFailures(t *testing.T) {
	var buf logbuf.Buffer
	s := &Server{log: zerolog.New(&buf)}
	ok := &lifecycleProvider{name: "poll"}
	bad := &lifecycleProvider{name: "onelogin", stopErr: errors.New("onelogin: waiting for pollers to end: context deadline exceeded")}
	spent, cancel := context.WithCancel(context.Background())
	cancel()
	s.stopPushers(spent, map[string]providers.Provider{"poll": ok, "onelogin": bad})
	for _, p := range []*lifecycleProvider{ok, bad} {
		p.mu.Lock()
		if p.stops != 1 || !p.stopCtxAlive {
			t.Errorf("%s: %d stops, bounded live ctx %v", p.name, p.stops, p.stopCtxAlive)
		}
		p.mu.Unlock()
	}
	log := buf.String()
	if !strings.Contains(log, `"provider":"onelogin"`) || !strings.Contains(log, "waiting for pollers") || strings.Contains(log, `"provider":"poll"`) {
		t.Errorf("log = %s", log)
	}
}
