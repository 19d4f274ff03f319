package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"strings"
)

// ActivationCodeSize is the random bytes of an activation code: 16
// base32 characters, 80 bits (SPEC S4.1).
const ActivationCodeSize = 10

// NewActivationCode returns a fresh activation code: upper-case base32
// without padding, easy to type and safe in a URL.
func NewActivationCode() string {
	b := make([]byte, ActivationCodeSize)
	_, _ = rand.Read(b) // never fails (Go 1.24+)
	return base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b)
}

// ActivationCodeHash is what the store keeps of an activation code: the
// SHA-256 of the code as typed, without spaces, in upper case (the device
// API hashes what a phone sends the same way).
func ActivationCodeHash(code string) []byte {
	h := sha256.Sum256([]byte(strings.ToUpper(strings.Join(strings.Fields(code), ""))))
	return h[:]
}

// NewSerial returns a token serial such as "SOFT-1A2B3C4D": prefix, a
// dash and 32 random bits in hex.
func NewSerial(prefix string) string {
	b := make([]byte, 4)
	_, _ = rand.Read(b) // never fails (Go 1.24+)
	return prefix + "-" + strings.ToUpper(hex.EncodeToString(b))
}
