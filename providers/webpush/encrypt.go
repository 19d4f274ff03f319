package webpush

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
)

// Sizes of the aes128gcm content coding (RFC 8188) as RFC 8291 uses it:
// one record of RecordSize octets, whose header is the salt, the record
// size, the key id length and the sender's public key (the key id).
const (
	RecordSize    = 4096
	saltLength    = 16
	headerLength  = saltLength + 4 + 1 + p256dhLength // 86
	tagLength     = 16
	lastDelimiter = 0x02
	// MaxPlaintext is the largest plaintext that fits the one record:
	// 4096 − 86 header − 16 tag − 1 padding delimiter.
	MaxPlaintext = RecordSize - headerLength - tagLength - 1 // 3993
)

// ErrTooLarge: the plaintext does not fit one record.
var ErrTooLarge = errors.New("web push message larger than one record")

// Encrypt encrypts plaintext for the subscription's keys (RFC 8291) with a
// fresh sender key and salt: the body of a push with Content-Encoding
// aes128gcm.
func Encrypt(plaintext []byte, s *Subscription) ([]byte, error) {
	sender, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("web push sender key: %w", err)
	}
	salt := make([]byte, saltLength)
	if _, err := rand.Read(salt); err != nil {
		return nil, fmt.Errorf("web push salt: %w", err)
	}
	return encrypt(plaintext, s.P256DH, s.Auth, sender, salt)
}

// encrypt is Encrypt with the sender key and salt given (RFC 8291's
// Appendix A fixes both).
func encrypt(plaintext, uaPublic, authSecret []byte, sender *ecdh.PrivateKey, salt []byte) ([]byte, error) {
	if len(plaintext) > MaxPlaintext {
		return nil, fmt.Errorf("%w: %d octets, at most %d", ErrTooLarge, len(plaintext), MaxPlaintext)
	}
	ua, err := ecdh.P256().NewPublicKey(uaPublic)
	if err != nil {
		return nil, fmt.Errorf("%w: p256dh: %v", ErrBadKeys, err)
	}
	secret, err := sender.ECDH(ua)
	if err != nil {
		return nil, fmt.Errorf("web push key agreement: %w", err)
	}
	asPublic := sender.PublicKey().Bytes()
	gcm, nonce, err := contentKey(secret, authSecret, uaPublic, asPublic, salt)
	if err != nil {
		return nil, err
	}
	out := make([]byte, 0, headerLength+len(plaintext)+1+tagLength)
	out = append(out, salt...)
	out = binary.BigEndian.AppendUint32(out, RecordSize)
	out = append(out, byte(len(asPublic)))
	out = append(out, asPublic...)
	record := append(bytes.Clone(plaintext), lastDelimiter)
	return gcm.Seal(out, nonce, record, nil), nil
}

// contentKey derives the AES-128-GCM cipher and nonce of a message (RFC
// 8291 section 3.4, RFC 8188 section 2.2): the key agreement's secret is
// combined with the auth secret, then with the salt.
func contentKey(ecdhSecret, authSecret, uaPublic, asPublic, salt []byte) (cipher.AEAD, []byte, error) {
	prkKey, err := hkdf.Extract(sha256.New, ecdhSecret, authSecret)
	if err != nil {
		return nil, nil, fmt.Errorf("web push hkdf: %w", err)
	}
	keyInfo := "WebPush: info\x00" + string(uaPublic) + string(asPublic)
	ikm, err := hkdf.Expand(sha256.New, prkKey, keyInfo, 32)
	if err != nil {
		return nil, nil, fmt.Errorf("web push hkdf: %w", err)
	}
	prk, err := hkdf.Extract(sha256.New, ikm, salt)
	if err != nil {
		return nil, nil, fmt.Errorf("web push hkdf: %w", err)
	}
	cek, err := hkdf.Expand(sha256.New, prk, "Content-Encoding: aes128gcm\x00", 16)
	if err != nil {
		return nil, nil, fmt.Errorf("web push hkdf: %w", err)
	}
	nonce, err := hkdf.Expand(sha256.New, prk, "Content-Encoding: nonce\x00", 12)
	if err != nil {
		return nil, nil, fmt.Errorf("web push hkdf: %w", err)
	}
	block, err := aes.NewCipher(cek)
	if err != nil {
		return nil, nil, fmt.Errorf("web push cipher: %w", err)
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return nil, nil, fmt.Errorf("web push cipher: %w", err)
	}
	return gcm, nonce, nil
}

// Decrypt is the user agent's side of Encrypt: it decrypts an aes128gcm
// body of one record with the subscription's private key and auth secret
// (what a browser does; the fake push service in webpushtest uses it).
func Decrypt(body []byte, ua *ecdh.PrivateKey, authSecret []byte) ([]byte, error) {
	if len(body) < headerLength+tagLength+1 {
		return nil, errors.New("web push body shorter than its header")
	}
	salt, rs, idLen := body[:saltLength], binary.BigEndian.Uint32(body[saltLength:]), int(body[saltLength+4])
	if idLen != p256dhLength || rs < 18 {
		return nil, fmt.Errorf("web push header: key id of %d octets, record size %d", idLen, rs)
	}
	asPublic := body[saltLength+5 : headerLength]
	record := body[headerLength:]
	if len(record) > int(rs) {
		return nil, fmt.Errorf("web push body has more than one record (%d octets, record size %d)", len(record), rs)
	}
	as, err := ecdh.P256().NewPublicKey(asPublic)
	if err != nil {
		return nil, fmt.Errorf("web push sender key: %w", err)
	}
	secret, err := ua.ECDH(as)
	if err != nil {
		return nil, fmt.Errorf("web push key agreement: %w", err)
	}
	gcm, nonce, err := contentKey(secret, authSecret, ua.PublicKey().Bytes(), asPublic, salt)
	if err != nil {
		return nil, err
	}
	plain, err := gcm.Open(nil, nonce, record, nil)
	if err != nil {
		return nil, fmt.Errorf("web push decrypt: %w", err)
	}
	plain = bytes.TrimRight(plain, "\x00")
	if len(plain) == 0 || plain[len(plain)-1] != lastDelimiter {
		return nil, errors.New("web push record lacks the last-record delimiter")
	}
	return plain[:len(plain)-1], nil
}
