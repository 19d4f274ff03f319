package webpushtest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/pushauth/pushauth/providers/webpush"
)

// CheckAuthorization checks a push's Authorization header as a push
// service does (RFC 8292): "vapid t=<JWT>, k=<key>", the key a P-256
// point (and wantKey when not empty), the JWT ES256-signed by it, its aud
// = origin, its exp after now and at most 24 hours ahead, and its sub,
// when present, a mailto: or https: URL. It returns the JWT's claims.
func CheckAuthorization(header, origin, wantKey string, now time.Time) (webpush.Claims, error) {
	var c webpush.Claims
	scheme, params, ok := strings.Cut(header, " ")
	if !ok || !strings.EqualFold(scheme, "vapid") {
		return c, errors.New("authorization is not the vapid scheme")
	}
	t, k := vapidParams(params)
	if t == "" || k == "" {
		return c, errors.New("authorization lacks t= or k=")
	}
	if wantKey != "" && k != wantKey {
		return c, errors.New("k= is not the application server key the subscription was made with")
	}
	c, err := VerifyJWT(t, k)
	if err != nil {
		return c, err
	}
	exp := time.Unix(c.Expires, 0)
	switch {
	case c.Audience != origin:
		return c, fmt.Errorf("JWT aud %q is not this push service's origin %q", c.Audience, origin)
	case !exp.After(now):
		return c, errors.New("JWT expired")
	case exp.After(now.Add(webpush.MaxJWTLifetime)):
		return c, errors.New("JWT exp more than 24 hours ahead")
	case c.Subject != "" && !webpush.ValidSubject(c.Subject):
		return c, fmt.Errorf("JWT sub %q is not a mailto: or https: URL", c.Subject)
	}
	return c, nil
}

// vapidParams reads t= and k= from "t=…, k=…" (any order).
func vapidParams(s string) (t, k string) {
	for _, p := range strings.Split(s, ",") {
		name, val, _ := strings.Cut(strings.TrimSpace(p), "=")
		switch name {
		case "t":
			t = val
		case "k":
			k = val
		}
	}
	return t, k
}

// VerifyJWT checks an ES256 JWT's signature (raw r‖s) with key, the
// base64url uncompressed P-256 point, and returns its claims.
func VerifyJWT(jwt, key string) (webpush.Claims, error) {
	var c webpush.Claims
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		return c, errors.New("JWT has not three parts")
	}
	enc := base64.RawURLEncoding
	head, err1 := enc.DecodeString(parts[0])
	body, err2 := enc.DecodeString(parts[1])
	sig, err3 := enc.DecodeString(parts[2])
	point, err4 := enc.DecodeString(key)
	if err := errors.Join(err1, err2, err3, err4); err != nil {
		return c, fmt.Errorf("JWT or key not base64url: %w", err)
	}
	var h struct{ Alg, Typ string }
	if err := json.Unmarshal(head, &h); err != nil || h.Alg != "ES256" {
		return c, errors.New("JWT header is not alg ES256")
	}
	pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), point)
	if err != nil {
		return c, fmt.Errorf("k= is not a P-256 point: %w", err)
	}
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if len(sig) != 64 || !ecdsa.Verify(pub, digest[:], new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])) {
		return c, errors.New("JWT signature does not verify with k=")
	}
	if err := json.Unmarshal(body, &c); err != nil {
		return c, errors.New("JWT claims are not JSON")
	}
	return c, nil
}
