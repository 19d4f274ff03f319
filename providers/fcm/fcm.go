// Package fcm is the push provider for Android devices: it sends each push
// as a Firebase Cloud Messaging (HTTP v1) data message carrying the signed
// push (docs/device-api.md section 5) to the device's registration token.
//
// The provider builds its own HTTP client: one TLS transport (system roots
// plus Config.CAFile) serves both the OAuth2 token requests of the service
// account and the FCM sends, and every access-token fetch is bounded by the
// push's context. The Firebase SDK gets that client through
// option.WithHTTPClient and never discovers credentials on its own.
package fcm

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"cloud.google.com/go/auth"
	"cloud.google.com/go/auth/credentials"
	firebase "firebase.google.com/go/v4"
	"firebase.google.com/go/v4/messaging"
	"google.golang.org/api/option"

	"github.com/pushauth/pushauth/providers"
)

var _ providers.Provider = (*Provider)(nil)

// Scope is the OAuth2 scope the provider asks for.
const Scope = "https://www.googleapis.com/auth/firebase.messaging"

// Data keys of every FCM message the provider sends.
const (
	KeyData      = "data"      // push.Signed.Data: the payload JSON, as signed
	KeySignature = "signature" // push.Signed.Signature
	KeyLoginID   = "login_id"  // the login id (also the collapse key)
)

// errStopped is returned by Push, Check and Start after Stop.
var errStopped = fmt.Errorf("fcm: provider stopped: %w", providers.ErrUnavailable)

// Provider sends pushes through FCM. It is safe for concurrent use.
type Provider struct {
	client    *messaging.Client
	creds     *auth.Credentials
	transport *http.Transport // under both the sends and the token requests
	project   string
	now       func() time.Time
	sends     providers.Gate // sends in flight (their goroutines); closed by Stop
}

// New validates c, loads the credentials and builds the FCM client. It does
// not touch the network (see Check).
func New(ctx context.Context, c Config) (*Provider, error) {
	l, errs := load(c)
	if len(errs) > 0 {
		return nil, fmt.Errorf("fcm: %w", errors.Join(errs...))
	}
	base := baseTransport(l)
	discard := slog.New(slog.DiscardHandler) // the auth library never logs requests or tokens
	creds, err := credentials.DetectDefault(&credentials.DetectOptions{
		Scopes:          []string{Scope},
		CredentialsJSON: l.credsJSON,
		Client:          &http.Client{Transport: base},
		Logger:          discard,
	})
	if err != nil {
		return nil, fmt.Errorf("fcm: credentials: %v", err)
	}
	hc := &http.Client{Transport: &bearerTransport{creds: creds, base: base}}
	app, err := firebase.NewApp(ctx, &firebase.Config{ProjectID: l.projectID},
		option.WithHTTPClient(hc), option.WithEndpoint(l.endpoint))
	if err != nil {
		return nil, fmt.Errorf("fcm: %v", err)
	}
	mc, err := app.Messaging(ctx)
	if err != nil {
		return nil, fmt.Errorf("fcm: %v", err)
	}
	return &Provider{client: mc, creds: creds, transport: base, project: l.projectID, now: time.Now}, nil
}

// baseTransport is the TLS transport for both the FCM endpoint and the
// token URI: system roots plus the configured CA.
func baseTransport(l *loaded) *http.Transport {
	var t *http.Transport
	if d, ok := http.DefaultTransport.(*http.Transport); ok {
		t = d.Clone()
	} else {
		t = &http.Transport{Proxy: http.ProxyFromEnvironment, TLSHandshakeTimeout: 10 * time.Second, IdleConnTimeout: 90 * time.Second}
	}
	t.MaxIdleConnsPerHost = 100
	t.ForceAttemptHTTP2 = true
	if l.roots != nil {
		t.TLSClientConfig = &tls.Config{RootCAs: l.roots, MinVersion: tls.VersionTLS12}
	}
	return t
}

// bearerTransport adds the service account's access token. The token is
// fetched (when not cached) with the request's context, so a slow token
// endpoint cannot outlive a push's deadline.
type bearerTransport struct {
	creds *auth.Credentials
	base  http.RoundTripper
}

func (t *bearerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	tok, err := t.creds.Token(req.Context())
	if err != nil {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, err
	}
	typ := tok.Type
	if typ == "" {
		typ = "Bearer"
	}
	r := req.Clone(req.Context())
	r.Header.Set("Authorization", typ+" "+tok.Value)
	resp, err := t.base.RoundTrip(r)
	if a, ok := req.Context().Value(attemptsKey{}).(*attempts); ok {
		a.record(resp, err)
	}
	return resp, err
}

// attempts remembers the outcome of a push's last HTTP attempt, so that a
// push cut short while the SDK waits to retry can say what FCM answered.
type attempts struct {
	mu   sync.Mutex
	n    int
	last string
}

type attemptsKey struct{}

func (a *attempts) record(resp *http.Response, err error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.n++
	if err != nil {
		a.last = oneLine(err.Error(), 200)
	} else {
		a.last = "HTTP " + resp.Status
	}
}

func (a *attempts) String() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.n == 0 {
		return ""
	}
	return fmt.Sprintf("%d attempt(s), last: %s", a.n, a.last)
}

// Name implements providers.Pusher.
func (p *Provider) Name() string { return "fcm" }

// ProjectID is the Firebase project the provider sends through.
func (p *Provider) ProjectID() string { return p.project }

// Withdraw does nothing: FCM cannot recall a message. The device drops a
// push whose login has ended when its answer is refused or it expires.
func (p *Provider) Withdraw(deviceID, loginID string) {}

// Start implements providers.Provider. FCM needs no background work of the
// provider's own, so it only refuses to restart a stopped provider.
func (p *Provider) Start(context.Context) error {
	if p.sends.Closed() {
		return errStopped
	}
	return nil
}

// Stop implements providers.Provider: Push and Check fail from now on; Stop
// waits for sends in flight (including a send's goroutine that outlived
// its Push, see bounded) until ctx ends, then closes the idle connections
// to FCM and the token endpoint. Calling it again is harmless.
func (p *Provider) Stop(ctx context.Context) error {
	p.sends.Close()
	err := p.sends.Wait(ctx)
	p.transport.CloseIdleConnections()
	if err != nil {
		return fmt.Errorf("fcm: waiting for sends in flight: %w", err)
	}
	return nil
}

// Check fetches an access token, proving the credentials and the token
// endpoint work; errors are classified like Push's.
func (p *Provider) Check(ctx context.Context) error {
	if !p.sends.Enter() {
		return errStopped
	}
	return bounded(ctx, func(ctx context.Context) error {
		defer p.sends.Leave()
		if _, err := p.creds.Token(ctx); err != nil {
			return tokenError(ctx, err)
		}
		return nil
	})
}

// Push sends n as a high-priority data message to n.PushToken. The send
// (the SDK retries 503s and network errors internally) is bounded by ctx
// and by n.Deadline. Errors wrap providers.ErrUnregistered (the token is
// gone), providers.ErrTemporary (429, 5xx, network, deadline),
// providers.ErrUnavailable (after Stop) or are permanent (credentials,
// permissions, a rejected message).
func (p *Provider) Push(ctx context.Context, n *providers.Notification) error {
	if n == nil {
		return errors.New("fcm: nil notification")
	}
	if n.PushToken == "" {
		return &sendError{kind: providers.ErrUnregistered, msg: "device has no FCM registration token"}
	}
	ttl := n.Deadline.Sub(p.now()).Truncate(time.Second)
	if ttl < 0 {
		ttl = 0
	}
	msg := &messaging.Message{
		Token: n.PushToken,
		Data: map[string]string{
			KeyData:      n.Signed.Data,
			KeySignature: n.Signed.Signature,
			KeyLoginID:   n.Payload.LoginID,
		},
		Android: &messaging.AndroidConfig{
			Priority:    "high",
			TTL:         &ttl,
			CollapseKey: n.Payload.LoginID,
		},
	}
	if !n.Deadline.IsZero() {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, n.Deadline)
		defer cancel()
	}
	tries := &attempts{}
	ctx = context.WithValue(ctx, attemptsKey{}, tries)
	if !p.sends.Enter() {
		return errStopped
	}
	return bounded(ctx, func(ctx context.Context) error {
		defer p.sends.Leave() // when the send's goroutine ends, not when Push returns
		// Fetch (or reuse) the access token first, so that a token
		// failure is reported as such instead of disappearing into the
		// SDK's network-error retries.
		if _, err := p.creds.Token(ctx); err != nil {
			return tokenError(ctx, err)
		}
		if _, err := p.client.Send(ctx, msg); err != nil {
			return sendFailure(ctx, err)
		}
		return nil
	})
}

// bounded runs f and returns when it does or when ctx ends, whichever comes
// first. Everything f does honours ctx; the guard covers the token cache,
// which serialises refreshes behind a mutex that knows no context.
func bounded(ctx context.Context, f func(context.Context) error) error {
	done := make(chan error, 1)
	go func() { done <- f(ctx) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		select {
		case err := <-done:
			return err
		default:
		}
		return deadlineError(ctx, nil)
	}
}
