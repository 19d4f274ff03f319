package webpush

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/pushauth/pushauth/providers"
)

// Config configures the Web Push provider.
type Config struct {
	// Key is the VAPID key (ECDSA P-256); browsers subscribe with its
	// public half (PublicKey).
	Key *ecdsa.PrivateKey
	// Subject is the VAPID contact, a mailto: or https: URL; empty sends
	// no sub claim.
	Subject string
	// Endpoints says which endpoints pushes may go to; the dialer also
	// refuses addresses the policy does not allow (a host name resolving
	// to a private address).
	Endpoints EndpointPolicy
	// Pending, when set, gets every push too (the poll provider: the
	// device's pending list), and its Withdraw every withdrawal, so a web
	// app reads its pushes with pending calls even when Web Push fails.
	Pending providers.Pusher
	// Client overrides the HTTP client (tests); nil builds one that
	// follows no redirect and dials only allowed addresses.
	Client *http.Client
	// Now is the clock for TTL, JWT expiry and Retry-After; nil: time.Now.
	Now func() time.Time
}

// FieldError is one configuration problem; Field is the key in the
// provider's config section.
type FieldError = providers.FieldError

// Validate returns every problem in c, each a *FieldError.
func Validate(c Config) []error {
	var errs []error
	if c.Key == nil || c.Key.Curve != elliptic.P256() {
		errs = append(errs, &FieldError{Field: "vapid_private_key_file", Err: errors.New("needs an ECDSA P-256 key")})
	}
	if c.Subject != "" && !ValidSubject(c.Subject) {
		errs = append(errs, &FieldError{Field: "subject", Err: errors.New("must be a mailto: or https: URL")})
	}
	return errs
}

// ValidSubject tells whether s is a mailto: URL with an address or an
// https: URL with a host (RFC 8292 section 2.1).
func ValidSubject(s string) bool {
	u, err := url.Parse(s)
	switch {
	case err != nil:
		return false
	case u.Scheme == "mailto":
		return strings.Contains(u.Opaque, "@") && !strings.ContainsAny(u.Opaque, " \t")
	case u.Scheme == "https":
		return u.Host != "" && u.User == nil
	}
	return false
}
