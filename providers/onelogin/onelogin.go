// Package onelogin is the push provider for OneLogin Protect (SPEC S2.4,
// S4.2): a push is a verification created through OneLogin's Verify Factor
// API v2 for the user's Protect device; the user answers in the OneLogin
// Protect app and this provider polls the verification's status and hands
// the answer to the login through an AnswerFunc, exactly like a device
// answer through the device API (SPEC S5.1).
//
// API calls carry an OAuth 2.0 access token from the client-credentials
// grant, cached until shortly before it expires and refreshed once when the
// API rejects it. The provider never logs and its errors never carry the
// client secret or a token.
package onelogin

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/pushauth/pushauth/providers"
	"github.com/pushauth/pushauth/push"
)

var _ providers.Provider = (*Provider)(nil)

const (
	// DefaultPollInterval is how often a verification's status is polled
	// when Config.PollInterval is zero.
	DefaultPollInterval = time.Second
	// MaxPollInterval bounds Config.PollInterval: a longer interval would
	// outlast NOTIFICATIONTIMEOUT (at most 30s, SPEC S1.1).
	MaxPollInterval = 30 * time.Second

	requestTimeout = 10 * time.Second // one HTTP request
	answerTimeout  = 10 * time.Second // delivering an answer to the login
	// defaultPushWindow bounds polling when neither the notification nor the
	// context has a deadline (OneLogin's default verification lifetime).
	defaultPushWindow = 120 * time.Second
)

// ErrCredentials means OneLogin rejected the API credential pair (bad
// client_id/client_secret, or a token that is refused even when fresh) or
// the pair lacks the scope for the MFA API. It is a permanent failure.
var ErrCredentials = errors.New("onelogin: API credentials rejected")

// errStopped is returned by Push and Start after Stop.
var errStopped = fmt.Errorf("onelogin: provider stopped: %w", providers.ErrUnavailable)

// Config configures the provider.
type Config struct {
	// BaseURL is the API host, e.g. https://api.us.onelogin.com or
	// https://<subdomain>.onelogin.com (required).
	BaseURL  string
	ClientID string
	// ClientSecret is the secret's value (the server reads it from a file).
	ClientSecret string
	// PollInterval is how often a pending verification is polled
	// (DefaultPollInterval when zero).
	PollInterval time.Duration
	// HTTPClient is used for every call (optional; tests). Stop closes its
	// idle connections.
	HTTPClient *http.Client
	// LateAnswerWindow is how long polling goes on after the login's push
	// deadline, so that a deny tapped after the push timed out still
	// cancels the challenged login (SPEC S3.5); DefaultLateAnswerWindow when
	// zero. The login withdraws the push when it ends, which stops polling.
	LateAnswerWindow time.Duration
}

// DefaultLateAnswerWindow keeps polling within OneLogin's shortest
// verification lifetime (120 s) for the longest NOTIFICATIONTIMEOUT (30 s).
const DefaultLateAnswerWindow = 90 * time.Second

// FieldError is one configuration problem; Field is the key under the
// provider's section (base_url, client_id, client_secret, poll_interval).
type FieldError struct {
	Field string
	Msg   string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Msg }

// Validate returns every problem in c (nil when it is usable). Messages
// never repeat the secret or the URL's credentials.
func Validate(c Config) []error {
	var errs []error
	add := func(field, msg string) { errs = append(errs, &FieldError{Field: field, Msg: msg}) }
	if strings.TrimSpace(c.BaseURL) == "" {
		add("base_url", "is required")
	} else if msg := checkBaseURL(c.BaseURL); msg != "" {
		add("base_url", msg)
	}
	if strings.TrimSpace(c.ClientID) == "" {
		add("client_id", "is required")
	}
	if c.ClientSecret == "" {
		add("client_secret", "is required")
	}
	switch {
	case c.PollInterval < 0:
		add("poll_interval", "must not be negative")
	case c.PollInterval > MaxPollInterval:
		add("poll_interval", fmt.Sprintf("must be at most %s", MaxPollInterval))
	}
	return errs
}

func checkBaseURL(raw string) string {
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return "is not a valid URL"
	case u.Scheme != "https" && u.Scheme != "http":
		return "must be an https:// URL"
	case u.Host == "":
		return "has no host"
	case u.User != nil:
		return "must not contain credentials"
	case u.RawQuery != "" || u.Fragment != "":
		return "must not have a query or fragment"
	case u.Scheme == "http" && !isLoopback(u.Hostname()):
		return "must use https (plain http is allowed for loopback only)"
	}
	return ""
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Provider sends OneLogin Protect pushes. It is safe for concurrent use.
type Provider struct {
	baseURL  string
	clientID string
	secret   string
	interval time.Duration
	late     time.Duration // polling after the push deadline (S3.5)
	hc       *http.Client
	answer   providers.AnswerFunc
	now      func() time.Time // clock for the token cache

	life     context.Context // cancelled by Stop or when Start's ctx ends
	stopLife context.CancelFunc
	work     providers.Gate // pushes in flight, pollers, token refreshes

	mu      sync.Mutex
	started bool
	unlink  func() bool // stops tying life to Start's ctx
	pollers map[pollKey]*poller
	tok     string    // cached access token
	tokExp  time.Time // refresh at or after this instant
	flight  *tokenFlight
}

type pollKey struct{ device, login string }

// poller is one push: its verification being created, then polled.
type poller struct {
	cancel context.CancelFunc
	done   chan struct{} // closed when the push's goroutine work has ended
}

// New checks c and returns a provider that delivers answers through answer.
// It starts nothing and does not connect; see Start and Stop.
func New(c Config, answer providers.AnswerFunc) (*Provider, error) {
	if errs := Validate(c); len(errs) > 0 {
		return nil, fmt.Errorf("onelogin: invalid config: %w", errors.Join(errs...))
	}
	if answer == nil {
		return nil, errors.New("onelogin: an AnswerFunc is required")
	}
	interval := c.PollInterval
	if interval == 0 {
		interval = DefaultPollInterval
	}
	late := c.LateAnswerWindow
	if late <= 0 {
		late = DefaultLateAnswerWindow
	}
	hc := c.HTTPClient
	if hc == nil {
		// Its own transport, so that Stop closes only this provider's
		// idle connections, not those of http.DefaultTransport's users.
		var rt http.RoundTripper = http.DefaultTransport
		if t, ok := rt.(*http.Transport); ok {
			rt = t.Clone()
		}
		hc = &http.Client{Timeout: requestTimeout, Transport: rt}
	}
	life, stop := context.WithCancel(context.Background())
	return &Provider{
		baseURL:  strings.TrimRight(c.BaseURL, "/"),
		clientID: c.ClientID,
		secret:   c.ClientSecret,
		interval: interval,
		late:     late,
		hc:       hc,
		answer:   answer,
		now:      time.Now,
		life:     life,
		stopLife: stop,
		pollers:  make(map[pollKey]*poller),
	}, nil
}

// Name implements providers.Pusher.
func (p *Provider) Name() string { return "onelogin" }

// Start implements providers.Provider: the provider's pollers and token
// refreshes end when ctx does (they are started per push, not here). A
// second Start does nothing; Start after Stop fails.
func (p *Provider) Start(ctx context.Context) error {
	if p.work.Closed() {
		return errStopped
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.started {
		p.started = true
		p.unlink = context.AfterFunc(ctx, p.stopLife)
	}
	return nil
}

// Stop implements providers.Provider: Push fails from now on, every poller
// and token refresh is cancelled, and Stop waits for them (and for pushes
// in flight) until ctx ends; then it closes the HTTP client's idle
// connections. Calling it again is harmless.
func (p *Provider) Stop(ctx context.Context) error {
	p.work.Close()
	p.stopLife()
	p.mu.Lock()
	if p.unlink != nil {
		p.unlink()
	}
	p.mu.Unlock()
	err := p.work.Wait(ctx)
	p.hc.CloseIdleConnections()
	if err != nil {
		return fmt.Errorf("onelogin: waiting for pollers to end: %w", err)
	}
	return nil
}

// Push creates a verification (a Protect push) for n.OneLoginUser's device
// (n.OneLoginDevice, or the user's OneLogin Protect device when empty) and
// returns once OneLogin accepted it. A goroutine then polls its status
// until the user answers, it expires, LateAnswerWindow after n.Deadline
// passes, or Withdraw or Stop stops it.
//
// Errors wrap providers.ErrTemporary (429, 5xx, network, timeouts),
// providers.ErrUnregistered (user or device unknown to OneLogin, or no
// Protect device), providers.ErrUnavailable (after Stop, or once Start's
// ctx has ended) or ErrCredentials; anything else is permanent too.
func (p *Provider) Push(ctx context.Context, n *providers.Notification) error {
	if n.OneLoginUser == "" {
		return fmt.Errorf("onelogin: notification has no OneLogin user: %w", providers.ErrUnregistered)
	}
	deadline := n.Deadline
	if deadline.IsZero() {
		if d, ok := ctx.Deadline(); ok {
			deadline = d
		} else {
			deadline = time.Now().Add(defaultPushWindow)
		}
	}
	if p.life.Err() != nil || !p.work.Enter() {
		return errStopped
	}
	key := pollKey{device: n.Payload.DeviceID, login: n.Payload.LoginID}
	pctx, pcancel := context.WithDeadline(p.life, deadline.Add(p.late))
	e := &poller{cancel: pcancel, done: make(chan struct{})}

	p.mu.Lock()
	if old := p.pollers[key]; old != nil {
		old.cancel() // a newer push for the same login replaces it
	}
	p.pollers[key] = e
	p.mu.Unlock()

	verID, err := p.create(ctx, pctx, n, deadline)
	if err != nil {
		p.finish(key, e)
		if p.life.Err() != nil && ctx.Err() == nil {
			return fmt.Errorf("%w (push cut short: %v)", errStopped, err)
		}
		return err
	}
	go p.poll(pctx, key, e, n, verID)
	return nil
}

// create makes the verification; it stops early when the push is withdrawn.
func (p *Provider) create(ctx, pctx context.Context, n *providers.Notification, deadline time.Time) (string, error) {
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := context.AfterFunc(pctx, cancel)
	defer stop()

	device := n.OneLoginDevice
	if device == "" {
		d, err := p.protectDevice(cctx, n.OneLoginUser)
		if err != nil {
			return "", err
		}
		device = d
	}
	return p.createVerification(cctx, n.OneLoginUser, device, time.Until(deadline))
}

// Withdraw stops polling the push of a login (the login has finished or
// timed out). It does not wait and never blocks on the network.
func (p *Provider) Withdraw(deviceID, loginID string) {
	key := pollKey{device: deviceID, login: loginID}
	p.mu.Lock()
	e := p.pollers[key]
	delete(p.pollers, key)
	p.mu.Unlock()
	if e != nil {
		e.cancel()
	}
}

// finish ends a push: it forgets the poller (unless a newer push replaced
// it) and releases its goroutine slot.
func (p *Provider) finish(key pollKey, e *poller) {
	p.mu.Lock()
	if p.pollers[key] == e {
		delete(p.pollers, key)
	}
	p.mu.Unlock()
	e.cancel()
	close(e.done)
	p.work.Leave()
}

// poll checks the verification every interval until it is answered,
// expires, or ctx ends (deadline, Withdraw, Stop).
func (p *Provider) poll(ctx context.Context, key pollKey, e *poller, n *providers.Notification, verID string) {
	defer p.finish(key, e)
	t := time.NewTimer(p.interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		status, err := p.verificationStatus(ctx, n.OneLoginUser, verID)
		if err != nil {
			if errors.Is(err, providers.ErrTemporary) {
				t.Reset(p.interval)
				continue
			}
			return // gone, credentials refused, withdrawn: nothing to tell
		}
		var decision string
		switch status {
		case "accepted", "approved":
			decision = push.Approve
		case "rejected", "denied":
			decision = push.Deny
		case "expired":
			return // the login's own timer handles the timeout
		default: // "pending" and anything unknown: ask again
			t.Reset(p.interval)
			continue
		}
		if ctx.Err() != nil {
			return // withdrawn while the answer was on its way
		}
		actx, cancel := context.WithTimeout(p.life, answerTimeout)
		// The login refuses stale or duplicate answers itself; an error
		// here has nobody to go to (the provider never logs).
		_ = p.answer(actx, n.Payload.LoginID, n.Payload.DeviceID, n.Payload.Nonce, decision)
		cancel()
		return
	}
}
