package webpush

import (
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"time"
)

// MaxJWTLifetime is the longest a VAPID JWT may be valid (RFC 8292
// section 2: no more than 24 hours ahead).
const MaxJWTLifetime = 24 * time.Hour

// jwtLifetime is how long the JWTs this package makes are valid: well
// inside MaxJWTLifetime, so a push service's clock may be off by hours.
const jwtLifetime = 12 * time.Hour

// PublicKey is the application server key of VAPID key k as browsers take
// it (pushManager.subscribe's applicationServerKey) and as the k= parameter
// of the Authorization header: the uncompressed P-256 point (65 octets) in
// base64url without padding.
func PublicKey(k *ecdsa.PrivateKey) (string, error) {
	pub, err := k.PublicKey.ECDH()
	if err != nil {
		return "", fmt.Errorf("vapid public key: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(pub.Bytes()), nil
}

// Claims are a VAPID JWT's claims (RFC 8292 section 2).
type Claims struct {
	Audience string `json:"aud"`           // the push service's origin
	Expires  int64  `json:"exp"`           // Unix seconds
	Subject  string `json:"sub,omitempty"` // mailto: or https: contact
}

// Origin is the origin of endpoint, scheme://host[:port] (the JWT's aud).
func Origin(endpoint string) (string, error) {
	u, err := url.Parse(endpoint)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return "", fmt.Errorf("%w: endpoint is not an absolute URL", ErrBadEndpoint)
	}
	return u.Scheme + "://" + u.Host, nil
}

// SignJWT returns the ES256 JWT for c signed with k: base64url header,
// claims and the raw r‖s signature (RFC 7515, RFC 7518 section 3.4).
func SignJWT(k *ecdsa.PrivateKey, c Claims) (string, error) {
	claims, err := json.Marshal(c)
	if err != nil {
		return "", fmt.Errorf("vapid claims: %w", err)
	}
	enc := base64.RawURLEncoding
	input := enc.EncodeToString([]byte(`{"typ":"JWT","alg":"ES256"}`)) + "." + enc.EncodeToString(claims)
	h := sha256.Sum256([]byte(input))
	r, s, err := ecdsa.Sign(rand.Reader, k, h[:])
	if err != nil {
		return "", fmt.Errorf("vapid signature: %w", err)
	}
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:])
	return input + "." + enc.EncodeToString(sig), nil
}

// vapid makes the Authorization header of pushes.
type vapid struct {
	key     *ecdsa.PrivateKey
	public  string // PublicKey(key)
	subject string
}

// authorization is the header value for a push to endpoint at now:
// "vapid t=<JWT>, k=<public key>" (RFC 8292 section 3).
func (v *vapid) authorization(endpoint string, now time.Time) (string, error) {
	aud, err := Origin(endpoint)
	if err != nil {
		return "", err
	}
	jwt, err := SignJWT(v.key, Claims{Audience: aud, Expires: now.Add(jwtLifetime).Unix(), Subject: v.subject})
	if err != nil {
		return "", err
	}
	return "vapid t=" + jwt + ", k=" + v.public, nil
}
