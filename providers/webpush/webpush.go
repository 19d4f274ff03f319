package webpush

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"syscall"
	"time"

	"github.com/pushauth/pushauth/providers"
)

var _ providers.Provider = (*Provider)(nil)

const (
	// sendTimeout bounds a send whose context has no deadline.
	sendTimeout = 30 * time.Second
	// maxAnswer is how much of a push service's answer is read.
	maxAnswer = 4 << 10
	// topicLength is the Topic header's length (RFC 8030 section 5.4: at
	// most 32 characters of the base64url alphabet).
	topicLength = 32
)

// errStopped is returned by Push and Start after Stop.
var errStopped = fmt.Errorf("webpush: provider stopped: %w", providers.ErrUnavailable)

// Provider sends pushes to web devices' push services. It is safe for
// concurrent use.
type Provider struct {
	vapid     vapid
	endpoints EndpointPolicy
	pending   providers.Pusher
	client    *http.Client
	now       func() time.Time
	sends     providers.Gate
	backoff   backoff
}

// New validates c and returns a provider; it connects to nothing yet.
func New(c Config) (*Provider, error) {
	if errs := Validate(c); len(errs) > 0 {
		return nil, fmt.Errorf("webpush config: %w", errors.Join(errs...))
	}
	pub, err := PublicKey(c.Key)
	if err != nil {
		return nil, err
	}
	p := &Provider{
		vapid:     vapid{key: c.Key, public: pub, subject: c.Subject},
		endpoints: c.Endpoints,
		pending:   c.Pending,
		client:    c.Client,
		now:       c.Now,
	}
	if p.client == nil {
		p.client = newClient(c.Endpoints)
	}
	if p.now == nil {
		p.now = time.Now
	}
	return p, nil
}

// newClient is an HTTP client that follows no redirect and dials only
// addresses the policy allows: a push endpoint's host name must not lead
// the server to its own network.
func newClient(policy EndpointPolicy) *http.Client {
	d := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second,
		Control: func(_, address string, _ syscall.RawConn) error { return policy.checkDial(address) }}
	return &http.Client{
		Timeout: sendTimeout,
		Transport: &http.Transport{
			DialContext:         d.DialContext,
			TLSHandshakeTimeout: 10 * time.Second,
			ForceAttemptHTTP2:   true,
			MaxIdleConnsPerHost: 16,
			IdleConnTimeout:     90 * time.Second,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// checkDial refuses an address the policy does not allow.
func (p EndpointPolicy) checkDial(address string) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("webpush: dial %s: %w", address, err)
	}
	if PublicAddr(ap.Addr()) || (p.AllowLoopback && ap.Addr().Unmap().IsLoopback()) {
		return nil
	}
	return fmt.Errorf("webpush: push endpoint resolves to %s, which is not a public address: %w", ap.Addr(), ErrBadEndpoint)
}

// Name implements providers.Pusher.
func (p *Provider) Name() string { return "webpush" }

// Withdraw implements providers.Pusher: Web Push cannot recall a message,
// but the push leaves the device's pending list.
func (p *Provider) Withdraw(deviceID, loginID string) {
	if p.pending != nil {
		p.pending.Withdraw(deviceID, loginID)
	}
}

// Start implements providers.Provider; there is no background work.
func (p *Provider) Start(context.Context) error {
	if p.sends.Closed() {
		return errStopped
	}
	return nil
}

// Stop implements providers.Provider: Push fails from now on; Stop waits
// for pushes in flight until ctx ends, then closes idle connections.
func (p *Provider) Stop(ctx context.Context) error {
	p.sends.Close()
	err := p.sends.Wait(ctx)
	p.client.CloseIdleConnections()
	if err != nil {
		return fmt.Errorf("webpush: waiting for pushes in flight: %w", err)
	}
	return nil
}

// Push puts n on the device's pending list (when Config.Pending is set)
// and sends it to the device's push subscription (n.PushToken, as
// Subscription.JSON stores it). Errors wrap providers.ErrUnregistered
// (the subscription is gone or unusable), providers.ErrTemporary (429,
// 5xx, network) or nothing (a permanent refusal, e.g. a bad VAPID JWT).
func (p *Provider) Push(ctx context.Context, n *providers.Notification) error {
	if !p.sends.Enter() {
		return errStopped
	}
	defer p.sends.Leave()
	if p.pending != nil {
		_ = p.pending.Push(ctx, n) // best effort; the Web Push result decides
	}
	sub, err := Stored(n.PushToken)
	if err == nil {
		err = p.endpoints.Check(sub.Endpoint)
	}
	if err != nil {
		return fmt.Errorf("webpush: unusable subscription: %w: %w", err, providers.ErrUnregistered)
	}
	req, err := p.request(ctx, n, sub)
	if err != nil {
		return err
	}
	if err := p.backoff.wait(ctx, req.URL.Host, p.now()); err != nil {
		return err
	}
	return p.send(req)
}

// request builds the encrypted RFC 8030 request of n to sub.
func (p *Provider) request(ctx context.Context, n *providers.Notification, sub *Subscription) (*http.Request, error) {
	plain, err := json.Marshal(n.Signed)
	if err != nil {
		return nil, fmt.Errorf("webpush: encode push: %w", err)
	}
	body, err := Encrypt(plain, sub)
	if err != nil {
		return nil, fmt.Errorf("webpush: %w", err)
	}
	now := p.now()
	auth, err := p.vapid.authorization(sub.Endpoint, now)
	if err != nil {
		return nil, fmt.Errorf("webpush: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, sub.Endpoint, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("webpush: %w: %w", ErrBadEndpoint, providers.ErrUnregistered)
	}
	h := req.Header
	h.Set("Content-Type", "application/octet-stream")
	h.Set("Content-Encoding", "aes128gcm")
	h.Set("TTL", strconv.FormatInt(TTL(n.Payload.Expires, now), 10))
	h.Set("Urgency", "high")
	h.Set("Topic", Topic(n.Payload.LoginID))
	h.Set("Authorization", auth)
	return req, nil
}

// TTL is the time-to-live of a push that expires at expires: its whole
// seconds left at now, 0 once it has passed (deliver now or drop).
func TTL(expires, now time.Time) int64 {
	return max(int64(expires.Sub(now)/time.Second), 0)
}

// Topic is the Topic header of a login's pushes: 32 base64url characters
// of the SHA-256 of its id, so a newer push of the login replaces one the
// push service still holds (login ids may be longer than 32 characters).
func Topic(loginID string) string {
	h := sha256.Sum256([]byte(loginID))
	return base64.RawURLEncoding.EncodeToString(h[:])[:topicLength]
}

// send does req and maps the push service's answer.
func (p *Provider) send(req *http.Request) error {
	if err := req.Context().Err(); err != nil {
		return fmt.Errorf("webpush: %w: %w", providers.ErrTemporary, err)
	}
	resp, err := p.client.Do(req)
	if err != nil {
		if errors.Is(err, ErrBadEndpoint) {
			return fmt.Errorf("webpush: %w: %w", ErrBadEndpoint, providers.ErrUnregistered)
		}
		return fmt.Errorf("webpush: %w: %w", providers.ErrTemporary, unwrapURL(err))
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxAnswer)) // reuse the connection
	if resp.StatusCode == http.StatusTooManyRequests {
		p.backoff.set(req.URL.Host, retryAfter(resp.Header.Get("Retry-After"), p.now()), p.now())
	}
	return outcome(resp.StatusCode)
}

// outcome maps a push service's status (RFC 8030 section 5, RFC 8292
// section 4) to the providers error kinds.
func outcome(status int) error {
	switch {
	case status >= 200 && status < 300:
		return nil
	case status == http.StatusNotFound, status == http.StatusGone:
		return fmt.Errorf("webpush: %d: the subscription is gone: %w", status, providers.ErrUnregistered)
	case status == http.StatusTooManyRequests, status >= 500:
		return fmt.Errorf("webpush: %d: %w", status, providers.ErrTemporary)
	case status == http.StatusRequestEntityTooLarge:
		return fmt.Errorf("webpush: 413: the push service refused the message as too large")
	case status == http.StatusUnauthorized, status == http.StatusForbidden:
		return fmt.Errorf("webpush: %d: the push service refused the VAPID authorization (key or subject)", status)
	}
	return fmt.Errorf("webpush: push rejected: %d", status)
}

// unwrapURL drops the *url.Error around err: its text holds the endpoint,
// which identifies the device.
func unwrapURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}
