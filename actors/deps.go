package actors

import (
	"time"

	"github.com/rs/zerolog"

	"github.com/pushauth/pushauth/auth"
	"github.com/pushauth/pushauth/providers"
	"github.com/pushauth/pushauth/push"
	"github.com/pushauth/pushauth/store"
)

// Settings are the run-time values a login reads once, when it starts
// (SPEC S1.3: a reload applies to logins started afterwards).
type Settings struct {
	NotificationTimeout time.Duration
	ChallengeTimeout    time.Duration
	PushOff             bool
	Offline             bool
}

// Deps is what the actors need from the rest of the server.
type Deps struct {
	Store     store.Store
	Passwords *auth.Passwords
	Signer    *push.Signer
	// Providers by name: "poll", "apns", "fcm", "onelogin".
	Providers map[string]providers.Pusher
	// ProviderLimits tune the provider actors (circuit breaker, rate, retries).
	ProviderLimits ProviderLimits
	// Settings returns the current settings.
	Settings func() Settings
	Log      zerolog.Logger
	Metrics  *Metrics // optional
	// Now is the clock (time.Now when nil).
	Now func() time.Time
}

func (d *Deps) now() time.Time {
	if d.Now == nil {
		return time.Now()
	}
	return d.Now()
}
