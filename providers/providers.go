// Package providers defines the Pusher and Provider interfaces every push
// provider implements (poll, APNs, FCM, OneLogin), the errors that tell a
// login what to do when a push cannot be delivered, and Gate, which lets a
// provider's Stop wait for its work.
package providers

import (
	"context"
	"errors"
	"time"

	"github.com/pushauth/pushauth/push"
)

// Notification is one push to one device.
type Notification struct {
	Payload   push.Payload
	Signed    push.Signed
	PushToken string // provider registration token (APNs/FCM); empty for poll
	// OneLogin Protect target: the OneLogin user id and, when the user has
	// several, the device id.
	OneLoginUser   string
	OneLoginDevice string
	Deadline       time.Time
}

// AnswerFunc delivers an answer that arrived through a provider (OneLogin
// Protect) to the login, exactly like a device answer through the device
// API. decision is push.Approve or push.Deny.
type AnswerFunc func(ctx context.Context, loginID, deviceID, nonce, decision string) error

// Pusher delivers notifications. Push must honour ctx's deadline and must be
// safe for concurrent use. It is what a login needs of a provider; the
// server, which owns the providers, uses Provider.
type Pusher interface {
	// Name is the provider's name in audit records and metrics.
	Name() string
	Push(ctx context.Context, n *Notification) error
	// Withdraw removes a notification that is no longer wanted (login
	// finished); providers that cannot recall a push do nothing.
	Withdraw(deviceID, loginID string)
}

// Provider is a Pusher with its lifecycle; every push provider implements
// it. Its package's Validate checks a Config without touching the network
// (pushauthd --check-config); New provisions it (parses keys and files,
// builds clients) without starting goroutines or connecting; Start starts
// its background work; Stop ends it.
//
// Start and Stop may each be called more than once, and Stop without Start
// is fine. A stopped provider stays stopped: Start fails afterwards, and
// providers that own connections or goroutines refuse Push with an error
// wrapping ErrUnavailable.
type Provider interface {
	Pusher
	// Start starts the provider's background goroutines, if any. ctx is
	// the server's lifetime: when it ends, that work ends too (Stop is
	// still needed to wait for it).
	Start(ctx context.Context) error
	// Stop refuses new work, ends the provider's goroutines and closes its
	// idle connections. It waits for those goroutines (and pushes in
	// flight) until ctx ends, then returns an error wrapping ctx's error.
	Stop(ctx context.Context) error
}

// Delivery errors a Pusher may return (wrapped). Any other error is a
// permanent failure of this send (e.g. bad credentials); every failure but
// ErrUnregistered counts towards the provider's circuit breaker.
var (
	// ErrUnregistered: the device's push registration is gone; disable it.
	ErrUnregistered = errors.New("device push registration is no longer valid")
	// ErrUnavailable: the provider cannot be reached now (circuit open).
	ErrUnavailable = errors.New("push provider unavailable")
	// ErrTemporary: a failure worth retrying within the login's deadline
	// (HTTP 429, 5xx, network errors, timeouts).
	ErrTemporary = errors.New("temporary push failure")
)
