package deviceapi

import (
	"context"
	"crypto/ecdsa"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// PollTokenHeader carries a poll token: a pending call may send it
// instead of SignatureHeader (docs/device-api.md section 6).
const PollTokenHeader = "X-Pushauth-Poll-Token"

// PollTokenLifetime is how long a poll token stays valid after the signed
// pending call that issued it. A token call never extends it, so a device
// signs at least once per lifetime.
const PollTokenLifetime = time.Hour

// pollTokenKeyInfo labels the HKDF derivation of the poll-token key from
// the push-signing key, so the two keys never serve each other's purpose.
const pollTokenKeyInfo = "pushauth poll-token HMAC key v1"

// pollTokenVersion prefixes every token: "v1.{expires}.{mac}".
const pollTokenVersion = "v1"

// maxPollToken bounds the header read: a longer value is refused unread.
const maxPollToken = 128

// PollTokenKey derives the HMAC-SHA256 key of poll tokens from the
// server's push-signing key (HKDF-SHA256 with a fixed label). Every node
// of a cluster holds the same push-signing key, so every node derives the
// same poll-token key and accepts the others' tokens.
func PollTokenKey(signingKey *ecdsa.PrivateKey) ([]byte, error) {
	secret, err := signingKey.Bytes()
	if err != nil {
		return nil, fmt.Errorf("poll-token key: %w", err)
	}
	key, err := hkdf.Key(sha256.New, secret, nil, pollTokenKeyInfo, sha256.Size)
	if err != nil {
		return nil, fmt.Errorf("poll-token key: %w", err)
	}
	return key, nil
}

// randomPollTokenKey is the key of an API built without Deps.PollTokenKey:
// its tokens are good only on this handler.
func randomPollTokenKey() []byte {
	k := make([]byte, sha256.Size)
	_, _ = rand.Read(k) // never fails (crypto/rand)
	return k
}

// pollTokens issues and checks poll tokens. A token is
// "v1.{expires}.{mac}": expires in Unix seconds and mac the base64url
// (unpadded) HMAC-SHA256 over the device id, the device's registered
// public key and expires, so it dies with its expiry, with the device and
// with a change of the device's key.
type pollTokens struct {
	key []byte
}

var (
	errPollTokenExpired = errors.New("poll token expired")
	errPollTokenInvalid = errors.New("poll token invalid")
)

// issue returns a token for the device and when it expires.
func (p pollTokens) issue(deviceID string, pub []byte, now time.Time) (token string, expires int64) {
	expires = now.Add(PollTokenLifetime).Unix()
	mac := p.mac(deviceID, pub, expires)
	return pollTokenVersion + "." + strconv.FormatInt(expires, 10) + "." +
		base64.RawURLEncoding.EncodeToString(mac), expires
}

// check verifies token for the device in constant time, then its expiry.
func (p pollTokens) check(token, deviceID string, pub []byte, now time.Time) error {
	if len(token) > maxPollToken {
		return errPollTokenInvalid
	}
	version, rest, _ := strings.Cut(token, ".")
	exp, macB64, ok := strings.Cut(rest, ".")
	if version != pollTokenVersion || !ok {
		return errPollTokenInvalid
	}
	expires, err := strconv.ParseInt(exp, 10, 64)
	if err != nil {
		return errPollTokenInvalid
	}
	mac, err := base64.RawURLEncoding.DecodeString(macB64)
	if err != nil || !hmac.Equal(mac, p.mac(deviceID, pub, expires)) {
		return errPollTokenInvalid
	}
	if !now.Before(time.Unix(expires, 0)) {
		return errPollTokenExpired
	}
	return nil
}

// mac is HMAC-SHA256 over a label, the length-prefixed device id and
// public key, and expires: no two different inputs share a message.
func (p pollTokens) mac(deviceID string, pub []byte, expires int64) []byte {
	h := hmac.New(sha256.New, p.key)
	var n [8]byte
	h.Write([]byte("pending-poll-token\x00"))
	binary.BigEndian.PutUint32(n[:4], uint32(len(deviceID)))
	h.Write(n[:4])
	h.Write([]byte(deviceID))
	binary.BigEndian.PutUint32(n[:4], uint32(len(pub)))
	h.Write(n[:4])
	h.Write(pub)
	binary.BigEndian.PutUint64(n[:], uint64(expires))
	h.Write(n[:])
	return h.Sum(nil)
}

// tokenDevice authenticates a pending call of device id by its poll
// token. The device is looked up first, so a removed device is refused
// as unknown even while its token has not expired. A device whose token
// holds is recorded as seen.
func (a *api) tokenDevice(ctx context.Context, id, token string) error {
	tok, err := a.device(ctx, id)
	if err != nil {
		return err
	}
	err = a.tokens.check(token, id, tok.Device.PublicKey, a.Now())
	if err == nil {
		a.seen(tok)
		return nil
	}
	ev := a.Log.Warn()
	if errors.Is(err, errPollTokenExpired) {
		ev = a.Log.Debug() // routine: the device slept through its token
	}
	ev.Str("device_id", id).Str("reason", err.Error()).Msg("poll token refused")
	return errorf(http.StatusUnauthorized, "bad_poll_token",
		"the poll token is invalid or expired; sign this request (X-Pushauth-Signature) to get a new one")
}
