// Package push defines what travels between pushauth and a phone: the push
// payload the server signs, the answer a device signs, and the keys both use
// (ECDSA P-256 with SHA-256, ASN.1 DER signatures, base64 on the wire).
// docs/device-api.md describes the same bytes for app writers.
package push

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// Decisions a device can send.
const (
	Approve = "approve"
	Deny    = "deny"
)

// Payload is what a push carries to the phone so it can show who is logging
// in from where and answer.
type Payload struct {
	LoginID        string    `json:"login_id"`
	Nonce          string    `json:"nonce"`
	User           string    `json:"user"`
	Client         string    `json:"client"`
	Agent          string    `json:"agent"`
	CallingStation string    `json:"calling_station_id,omitempty"`
	DeviceID       string    `json:"device_id"`
	Expires        time.Time `json:"expires"`
	// NumberChoices, under number matching (SPEC S10.3), are three
	// two-digit numbers; the agent shows the user one of them, and an
	// approve must name it. Absent (all zero) otherwise.
	NumberChoices [3]int `json:"number_choices,omitzero"`
}

// Signed is a payload as sent: the exact JSON bytes and the server's
// signature over them.
type Signed struct {
	Data      string `json:"data"`      // the payload's JSON, as signed
	Signature string `json:"signature"` // base64 ASN.1 ECDSA P-256 SHA-256 over Data's bytes
}

// AnswerMessage is the exact byte string a device signs to answer a push.
func AnswerMessage(loginID, nonce, decision string) []byte {
	return []byte(loginID + "|" + nonce + "|" + decision)
}

// NumberPrompt is the Reply-Message of the Access-Challenge that shows the
// user the number to pick under number matching (SPEC S10.3). Agents
// recognise it with ShownNumber.
const NumberPrompt = "Pick %d in your app to approve this sign-in."

// ShownNumber returns the number a number-matching challenge shows, and
// false for any other Reply-Message.
func ShownNumber(replyMessage string) (int, bool) {
	var n int
	if _, err := fmt.Sscanf(replyMessage, NumberPrompt, &n); err != nil || n < 10 || n > 99 {
		return 0, false
	}
	return n, true
}

// PickedAnswerMessage is what a device signs to answer a push with number
// choices: the answer and the number the user picked.
func PickedAnswerMessage(loginID, nonce, decision string, number int) []byte {
	return []byte(loginID + "|" + nonce + "|" + decision + "|" + strconv.Itoa(number))
}

// Signer signs payloads with the server's key.
type Signer struct {
	key *ecdsa.PrivateKey
}

// NewSigner wraps a P-256 private key.
func NewSigner(key *ecdsa.PrivateKey) *Signer { return &Signer{key: key} }

// Sign encodes and signs a payload.
func (s *Signer) Sign(p Payload) (Signed, error) {
	data, err := json.Marshal(p)
	if err != nil {
		return Signed{}, fmt.Errorf("encode push payload: %w", err)
	}
	sig, err := Sign(s.key, data)
	if err != nil {
		return Signed{}, err
	}
	return Signed{Data: string(data), Signature: sig}, nil
}

// PublicKey is the server's public key, PKIX DER in base64.
func (s *Signer) PublicKey() string {
	der, _ := x509.MarshalPKIXPublicKey(&s.key.PublicKey) // a P-256 key always marshals
	return base64.StdEncoding.EncodeToString(der)
}

// Sign signs msg with key: SHA-256, ASN.1 DER, base64.
func Sign(key *ecdsa.PrivateKey, msg []byte) (string, error) {
	h := sha256.Sum256(msg)
	sig, err := ecdsa.SignASN1(rand.Reader, key, h[:])
	if err != nil {
		return "", fmt.Errorf("sign: %w", err)
	}
	return base64.StdEncoding.EncodeToString(sig), nil
}

// ErrBadSignature means a signature or key did not verify or parse.
var ErrBadSignature = errors.New("bad signature")

// Verify checks a base64 signature over msg with a PKIX DER P-256 public key.
func Verify(pubDER []byte, msg []byte, sigB64 string) error {
	pub, err := ParsePublicKey(pubDER)
	if err != nil {
		return err
	}
	sig, err := base64.StdEncoding.DecodeString(sigB64)
	if err != nil {
		return fmt.Errorf("%w: signature is not base64", ErrBadSignature)
	}
	h := sha256.Sum256(msg)
	if !ecdsa.VerifyASN1(pub, h[:], sig) {
		return ErrBadSignature
	}
	return nil
}

// ParsePublicKey parses a PKIX DER public key and requires P-256.
func ParsePublicKey(der []byte) (*ecdsa.PublicKey, error) {
	k, err := x509.ParsePKIXPublicKey(der)
	if err != nil {
		return nil, fmt.Errorf("%w: public key does not parse", ErrBadSignature)
	}
	pub, ok := k.(*ecdsa.PublicKey)
	if !ok || pub.Curve != elliptic.P256() {
		return nil, fmt.Errorf("%w: public key is not ECDSA P-256", ErrBadSignature)
	}
	return pub, nil
}

// LoadOrCreateKey reads a PEM PKCS#8 P-256 key from path, creating it (0600)
// on first use.
func LoadOrCreateKey(path string) (*ecdsa.PrivateKey, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return createKey(path)
	}
	if err != nil {
		return nil, fmt.Errorf("read signing key: %w", err)
	}
	blk, _ := pem.Decode(b)
	if blk == nil {
		return nil, fmt.Errorf("signing key %s: not PEM", path)
	}
	k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
	if err != nil {
		return nil, fmt.Errorf("signing key %s: %w", path, err)
	}
	ec, ok := k.(*ecdsa.PrivateKey)
	if !ok || ec.Curve != elliptic.P256() {
		return nil, fmt.Errorf("signing key %s: not an ECDSA P-256 key", path)
	}
	return ec, nil
}

func createKey(path string) (*ecdsa.PrivateKey, error) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate signing key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		return nil, fmt.Errorf("encode signing key: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("create key dir: %w", err)
	}
	data := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	if err := os.WriteFile(path, data, 0o600); err != nil {
		return nil, fmt.Errorf("write signing key: %w", err)
	}
	return k, nil
}
