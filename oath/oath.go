// Package oath computes OATH one-time passwords: RFC 4226 HOTP codes and
// RFC 6238 TOTP time steps, with the standard library alone, so that a
// client (the soft token, the device simulator) can compute passcodes
// without linking the server's packages. Checking a code against a token
// (the window, replay, constant time) is auth.VerifyOTP's.
package oath

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/binary"
	"hash"
	"time"
)

// Defaults and bounds.
const (
	DefaultDigits = 6
	DefaultPeriod = 30 // TOTP step in seconds
	MaxDigits     = 10 // a truncated HOTP value has at most 10 decimal digits
)

// Digits is n as a code length: DefaultDigits when n <= 0, MaxDigits at
// most.
func Digits(n int) int {
	switch {
	case n <= 0:
		return DefaultDigits
	case n > MaxDigits:
		return MaxDigits
	}
	return n
}

// Period is p as a TOTP step in seconds: DefaultPeriod when p <= 0.
func Period(p int) int64 {
	if p <= 0 {
		return DefaultPeriod
	}
	return int64(p)
}

// HOTP returns the HMAC-SHA1 one-time password for counter, zero padded
// to Digits(digits). A TOTP code is HOTP(seed, TOTPStep(now, period),
// digits).
func HOTP(seed []byte, counter uint64, digits int) string {
	var buf [MaxDigits]byte
	return string(Code(hmac.New(sha1.New, seed), counter, Digits(digits), &buf))
}

// Code writes the code for counter into buf using mac (HMAC-SHA1 keyed
// with the seed) and returns it; it allocates nothing beyond mac's own
// work, so a verifier can try many counters cheaply. digits must be in
// 1..MaxDigits.
func Code(mac hash.Hash, counter uint64, digits int, buf *[MaxDigits]byte) []byte {
	var msg [8]byte
	var sumBuf [sha1.Size]byte
	binary.BigEndian.PutUint64(msg[:], counter)
	mac.Reset()
	mac.Write(msg[:])
	sum := mac.Sum(sumBuf[:0])
	off := sum[len(sum)-1] & 0x0f
	value := binary.BigEndian.Uint32(sum[off:]) & 0x7fffffff
	code := buf[:digits]
	for i := digits - 1; i >= 0; i-- {
		code[i] = '0' + byte(value%10)
		value /= 10
	}
	return code
}

// TOTPStep returns the time step of now for a period in seconds (<= 0
// means DefaultPeriod).
func TOTPStep(now time.Time, period int) int64 {
	p := Period(period)
	t := now.Unix()
	step := t / p
	if t < 0 && t%p != 0 {
		step-- // floor for times before 1970
	}
	return step
}
