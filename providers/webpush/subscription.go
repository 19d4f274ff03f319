package webpush

import (
	"bytes"
	"crypto/ecdh"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strings"
)

// Limits on a subscription as a device sends it.
const (
	// MaxSubscriptionSize bounds the JSON of a subscription (bytes).
	MaxSubscriptionSize = 4096
	// MaxEndpointLength bounds the endpoint URL (bytes).
	MaxEndpointLength = 2048
	// p256dhLength is an uncompressed P-256 point; authLength the auth
	// secret (RFC 8291 section 3).
	p256dhLength = 65
	authLength   = 16
)

// Why a subscription is refused (wrapped by ParseSubscription's errors).
var (
	ErrSubscriptionTooLarge = errors.New("push subscription too large")
	ErrBadSubscription      = errors.New("malformed push subscription")
	ErrBadEndpoint          = errors.New("push endpoint not allowed")
	ErrBadKeys              = errors.New("bad push subscription keys")
)

// Subscription is a browser's push subscription: where to send (Endpoint)
// and the keys to encrypt for (RFC 8291).
type Subscription struct {
	Endpoint string
	// P256DH is the user agent's public key, an uncompressed P-256 point
	// (65 octets); Auth its 16-octet authentication secret.
	P256DH []byte
	Auth   []byte
}

// wireSubscription is PushSubscription.toJSON(); expirationTime and any
// other member are ignored.
type wireSubscription struct {
	Endpoint string `json:"endpoint"`
	Keys     struct {
		P256DH string `json:"p256dh"`
		Auth   string `json:"auth"`
	} `json:"keys"`
}

// EndpointPolicy says which endpoints a subscription may name.
type EndpointPolicy struct {
	// AllowLoopback also accepts http:// and https:// endpoints on a
	// loopback host and any port (tests with a local fake push service).
	// Otherwise an endpoint must be https on port 443 whose host is a name
	// or a public address.
	AllowLoopback bool
}

// ParseSubscription checks a subscription as a browser sends it (the JSON
// of PushSubscription.toJSON()) against the size limits, p and the key
// lengths, and returns it. Errors wrap one of ErrSubscriptionTooLarge,
// ErrBadSubscription, ErrBadEndpoint and ErrBadKeys, and never quote the
// input.
func ParseSubscription(raw []byte, p EndpointPolicy) (*Subscription, error) {
	if len(raw) > MaxSubscriptionSize {
		return nil, fmt.Errorf("%w: %d bytes, at most %d", ErrSubscriptionTooLarge, len(raw), MaxSubscriptionSize)
	}
	var w wireSubscription
	dec := json.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(&w); err != nil || dec.More() {
		return nil, fmt.Errorf("%w: want a JSON object with endpoint and keys", ErrBadSubscription)
	}
	if err := p.Check(w.Endpoint); err != nil {
		return nil, err
	}
	dh, err := decodeKey(w.Keys.P256DH, p256dhLength, "p256dh")
	if err != nil {
		return nil, err
	}
	if _, err := ecdh.P256().NewPublicKey(dh); err != nil {
		return nil, fmt.Errorf("%w: keys.p256dh is not a point on P-256", ErrBadKeys)
	}
	auth, err := decodeKey(w.Keys.Auth, authLength, "auth")
	if err != nil {
		return nil, err
	}
	return &Subscription{Endpoint: w.Endpoint, P256DH: dh, Auth: auth}, nil
}

// decodeKey decodes base64url (padding optional) of exactly n octets.
func decodeKey(s string, n int, name string) ([]byte, error) {
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
	if err != nil || len(b) != n {
		return nil, fmt.Errorf("%w: keys.%s must be %d octets in base64url", ErrBadKeys, name, n)
	}
	return b, nil
}

// Check tells whether endpoint may be used under p; the error wraps
// ErrBadEndpoint or ErrSubscriptionTooLarge.
func (p EndpointPolicy) Check(endpoint string) error {
	if endpoint == "" {
		return fmt.Errorf("%w: endpoint is required", ErrBadEndpoint)
	}
	if len(endpoint) > MaxEndpointLength {
		return fmt.Errorf("%w: endpoint is longer than %d bytes", ErrSubscriptionTooLarge, MaxEndpointLength)
	}
	u, err := url.Parse(endpoint)
	if err != nil || !u.IsAbs() || u.Host == "" || u.User != nil || u.Fragment != "" || u.Opaque != "" {
		return fmt.Errorf("%w: endpoint must be an absolute URL without user info or fragment", ErrBadEndpoint)
	}
	if p.AllowLoopback && isLoopbackHost(u.Hostname()) && (u.Scheme == "http" || u.Scheme == "https") {
		return nil
	}
	if u.Scheme != "https" {
		return fmt.Errorf("%w: endpoint must be an https URL", ErrBadEndpoint)
	}
	if port := u.Port(); port != "" && port != "443" {
		return fmt.Errorf("%w: endpoint must use port 443", ErrBadEndpoint)
	}
	if addr, err := netip.ParseAddr(u.Hostname()); err == nil && !PublicAddr(addr) {
		return fmt.Errorf("%w: endpoint must not be a private, loopback or local address", ErrBadEndpoint)
	}
	return nil
}

// isLoopbackHost tells whether host is "localhost" or a loopback address.
func isLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// PublicAddr tells whether a push service may live at addr: not loopback,
// private, link-local, multicast or unspecified.
func PublicAddr(addr netip.Addr) bool {
	addr = addr.Unmap()
	return addr.IsValid() && addr.IsGlobalUnicast() && !addr.IsPrivate() &&
		!netip.MustParsePrefix("100.64.0.0/10").Contains(addr) // carrier-grade NAT
}

// JSON is the subscription as stored for its device (store.Device
// PushToken): {"endpoint":…,"keys":{"p256dh":…,"auth":…}} with the keys in
// base64url without padding.
func (s *Subscription) JSON() string {
	var w wireSubscription
	w.Endpoint = s.Endpoint
	w.Keys.P256DH = base64.RawURLEncoding.EncodeToString(s.P256DH)
	w.Keys.Auth = base64.RawURLEncoding.EncodeToString(s.Auth)
	b, _ := json.Marshal(w) // strings only: cannot fail
	return string(b)
}

// Stored reads a subscription kept by JSON. The endpoint is not checked
// against a policy (Provider checks it when it sends).
func Stored(s string) (*Subscription, error) {
	return ParseSubscription([]byte(s), EndpointPolicy{AllowLoopback: true})
}
