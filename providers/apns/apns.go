// Package apns is the push provider for iOS devices: it sends each login's
// signed push to Apple Push Notification service over HTTP/2, with token
// (.p8) or certificate (.p12/.pem) authentication, and maps APNs' answers to
// the providers error kinds. Package apnstest is a fake APNs for tests.
package apns

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/sideshow/apns2"
	"github.com/sideshow/apns2/payload"
	"github.com/sideshow/apns2/token"

	"github.com/pushauth/pushauth/providers"
)

var _ providers.Provider = (*Provider)(nil)

// Category is the notification category the app registers its Approve /
// Deny actions under.
const Category = "PUSHAUTH_LOGIN"

const (
	maxPayload    = 4096 // bytes, APNs' limit for alert pushes
	maxCollapseID = 64   // bytes
	// sendTimeout bounds a send whose context has no deadline.
	sendTimeout = 30 * time.Second
)

// errStopped is returned by Push and Start after Stop.
var errStopped = fmt.Errorf("apns: provider stopped: %w", providers.ErrUnavailable)

// Provider sends pushes to APNs. It is safe for concurrent use; keep one per
// configuration so its HTTP/2 connection is reused.
type Provider struct {
	client *apns2.Client
	topic  string
	sends  providers.Gate // pushes in flight; closed by Stop
}

// New validates c, loads its key or certificate and returns a provider. It
// does not connect until the first push.
func New(c Config) (*Provider, error) {
	l, errs := load(c)
	if len(errs) > 0 {
		return nil, fmt.Errorf("apns config: %w", errors.Join(errs...))
	}
	tlsConf := &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: l.roots}
	client := &apns2.Client{Host: l.host}
	if l.cert != nil {
		tlsConf.Certificates = []tls.Certificate{*l.cert}
		client.Certificate = *l.cert
	} else {
		// token.Token caches the JWT and renews it before APNs' one-hour
		// limit, under its own mutex.
		client.Token = &token.Token{AuthKey: l.key, KeyID: c.KeyID, TeamID: c.TeamID}
	}
	protocols := new(http.Protocols)
	protocols.SetHTTP2(true) // APNs accepts HTTP/2 only
	client.HTTPClient = &http.Client{
		Timeout: sendTimeout,
		Transport: &http.Transport{
			Proxy:               http.ProxyFromEnvironment,
			DialContext:         (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 15 * time.Second}).DialContext,
			TLSClientConfig:     tlsConf,
			TLSHandshakeTimeout: 10 * time.Second,
			Protocols:           protocols,
			HTTP2:               &http.HTTP2Config{SendPingTimeout: 15 * time.Second, PingTimeout: 10 * time.Second},
		},
	}
	return &Provider{client: client, topic: c.Topic}, nil
}

// Name implements providers.Pusher.
func (p *Provider) Name() string { return "apns" }

// Withdraw does nothing: APNs cannot recall a notification.
func (p *Provider) Withdraw(deviceID, loginID string) {}

// Start implements providers.Provider. APNs needs no background work (the
// HTTP/2 connection is opened by the first push), so it only refuses to
// restart a stopped provider.
func (p *Provider) Start(context.Context) error {
	if p.sends.Closed() {
		return errStopped
	}
	return nil
}

// Stop implements providers.Provider: Push fails from now on; Stop waits for
// pushes in flight until ctx ends, then closes the idle HTTP/2 connection.
// Calling it again is harmless.
func (p *Provider) Stop(ctx context.Context) error {
	p.sends.Close()
	err := p.sends.Wait(ctx)
	p.closeIdle(ctx)
	if err != nil {
		return fmt.Errorf("apns: waiting for pushes in flight: %w", err)
	}
	return nil
}

// closeIdle closes the HTTP/2 connections. The last push's stream may be
// torn down just after its Push returned, leaving its connection busy for
// a moment, so it tries a few times over closeIdleFor (or until ctx ends).
func (p *Provider) closeIdle(ctx context.Context) {
	t := time.NewTicker(closeIdleFor / 10)
	defer t.Stop()
	deadline := time.Now().Add(closeIdleFor)
	for {
		p.client.HTTPClient.CloseIdleConnections()
		if time.Now().After(deadline) {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// closeIdleFor bounds closeIdle.
const closeIdleFor = 200 * time.Millisecond

// Push sends n to the device token n.PushToken, within ctx's deadline.
// After Stop it fails with an error wrapping providers.ErrUnavailable.
func (p *Provider) Push(ctx context.Context, n *providers.Notification) error {
	if !p.sends.Enter() {
		return errStopped
	}
	defer p.sends.Leave()
	if n.PushToken == "" || url.PathEscape(n.PushToken) != n.PushToken {
		return fmt.Errorf("apns: malformed device token: %w", providers.ErrUnregistered)
	}
	body, err := Payload(n)
	if err != nil {
		return err
	}
	if len(body) > maxPayload {
		return fmt.Errorf("apns: payload is %d bytes, over APNs' %d-byte limit", len(body), maxPayload)
	}
	note := &apns2.Notification{
		DeviceToken: n.PushToken,
		Topic:       p.topic,
		Priority:    apns2.PriorityHigh,
		PushType:    apns2.PushTypeAlert,
		Expiration:  n.Deadline,
		Payload:     body,
	}
	if n.Deadline.IsZero() {
		// Never let APNs store a push without a deadline: a time in the
		// past means "deliver now or drop".
		note.Expiration = time.Unix(1, 0)
	}
	if len(n.Payload.LoginID) <= maxCollapseID {
		note.CollapseID = n.Payload.LoginID
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("apns: %w: %w", providers.ErrTemporary, err)
	}
	res, err := p.client.PushWithContext(ctx, note)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // its text holds the URL, i.e. the device token
		}
		return fmt.Errorf("apns: %w: %w", providers.ErrTemporary, err)
	}
	return outcome(res.StatusCode, res.Reason)
}

// outcome maps an APNs answer to the providers error kinds.
func outcome(status int, reason string) error {
	reason = clean(reason)
	switch {
	case status == http.StatusOK:
		return nil
	case status == http.StatusGone,
		status == http.StatusBadRequest && (reason == apns2.ReasonBadDeviceToken || reason == apns2.ReasonDeviceTokenNotForTopic):
		return fmt.Errorf("apns: %d %s: %w", status, reason, providers.ErrUnregistered)
	case status == http.StatusTooManyRequests, status >= 500:
		return fmt.Errorf("apns: %d %s: %w", status, reason, providers.ErrTemporary)
	default:
		return fmt.Errorf("apns: push rejected: %d %s", status, reason)
	}
}

// clean keeps a reason fit for an error message.
func clean(s string) string {
	if len(s) > 64 {
		s = s[:64]
	}
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, s)
}

// Payload returns the notification's JSON body: an alert saying who signs in
// to what, category PUSHAUTH_LOGIN and mutable-content for the app's
// extension, and the signed push as the top-level keys "data" and
// "signature" (docs/device-api.md section 5).
func Payload(n *providers.Notification) ([]byte, error) {
	text := n.Payload.User + " is signing in to " + n.Payload.Client
	if n.Payload.CallingStation != "" {
		text += " from " + n.Payload.CallingStation
	}
	p := payload.NewPayload().
		AlertTitle("Sign-in request").
		AlertBody(text).
		Sound("default").
		Category(Category).
		MutableContent().
		Custom("data", n.Signed.Data).
		Custom("signature", n.Signed.Signature)
	b, err := p.MarshalJSON()
	if err != nil {
		return nil, fmt.Errorf("apns: encode payload: %w", err)
	}
	return b, nil
}
