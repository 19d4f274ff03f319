package apnstest

import (
	"crypto/ecdsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math/big"
	"strings"
	"time"
)

// Provider token failures, as APNs names them.
var (
	errInvalidToken = errors.New("InvalidProviderToken")
	errExpiredToken = errors.New("ExpiredProviderToken")
)

// verifyJWT checks an APNs provider token: an ES256 JWS whose header names
// keyID and whose claims name teamID and an issue time within the last hour.
func verifyJWT(jwt string, pub *ecdsa.PublicKey, keyID, teamID string, now time.Time) error {
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		return errInvalidToken
	}
	var hdr struct {
		Alg string `json:"alg"`
		Kid string `json:"kid"`
	}
	var claims struct {
		Iss string   `json:"iss"`
		Iat *float64 `json:"iat"`
	}
	if decodePart(parts[0], &hdr) != nil || decodePart(parts[1], &claims) != nil {
		return errInvalidToken
	}
	if hdr.Alg != "ES256" || hdr.Kid != keyID || claims.Iss != teamID || claims.Iat == nil {
		return errInvalidToken
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil || len(sig) != 64 {
		return errInvalidToken
	}
	h := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	r, s := new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])
	if !ecdsa.Verify(pub, h[:], r, s) {
		return errInvalidToken
	}
	iat := time.Unix(int64(*claims.Iat), 0)
	switch {
	case iat.After(now.Add(time.Minute)):
		return errInvalidToken
	case now.Sub(iat) > time.Hour:
		return errExpiredToken
	}
	return nil
}

func decodePart(s string, v any) error {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}
