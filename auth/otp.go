package auth

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base32"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/pushauth/pushauth/oath"
	"github.com/pushauth/pushauth/store"
)

// OTP defaults and verification window.
const (
	SeedLen       = 20 // bytes; the RFC 4226 recommended 160-bit HMAC-SHA1 key
	DefaultDigits = oath.DefaultDigits
	DefaultPeriod = oath.DefaultPeriod // TOTP step in seconds
	MaxDigits     = oath.MaxDigits

	// TOTPWindow is how many steps before and after the current one a TOTP
	// code may come from (clock drift).
	TOTPWindow = 1
	// HOTPLookAhead is how many counters after the last accepted one an
	// HOTP code may come from (button presses that never reached us).
	HOTPLookAhead = 10
)

// OTPSpec describes an OATH token's codes and its replay state.
type OTPSpec struct {
	Algorithm string // store.OTPTOTP or store.OTPHOTP
	Digits    int    // 0 means DefaultDigits
	Period    int    // TOTP step in seconds; 0 means DefaultPeriod
	LastStep  int64  // last accepted TOTP step or HOTP counter; -1 when none
}

func (s OTPSpec) digits() int { return oath.Digits(s.Digits) }

func (s OTPSpec) period() int64 { return oath.Period(s.Period) }

// NewSeed returns a fresh random SeedLen-byte OTP seed.
func NewSeed() ([]byte, error) {
	seed := make([]byte, SeedLen)
	if _, err := rand.Read(seed); err != nil {
		return nil, err
	}
	return seed, nil
}

// HOTP returns the RFC 4226 one-time password for counter (oath.HOTP).
func HOTP(seed []byte, counter uint64, digits int) string { return oath.HOTP(seed, counter, digits) }

// TOTPStep returns the RFC 6238 time step of now (oath.TOTPStep).
func TOTPStep(now time.Time, period int) int64 { return oath.TOTPStep(now, period) }

// VerifyOTP checks a code against a TOTP or HOTP token. TOTP accepts the
// steps around now within TOTPWindow; HOTP accepts the counters
// LastStep+1 .. LastStep+HOTPLookAhead. Either way only steps above
// spec.LastStep count, so a code is never accepted twice. On success it
// returns the matched step (or counter), which the caller must consume with
// store.AcceptWithOTP. Codes are compared in constant time; a code of the
// wrong length, with non-digits, or for an unknown algorithm or empty seed
// is refused.
func VerifyOTP(seed []byte, spec OTPSpec, code string, now time.Time) (step int64, ok bool) {
	if len(seed) == 0 || !isDigits(code, spec.digits()) {
		return 0, false
	}
	first, last, valid := candidateSteps(spec, now)
	if !valid {
		return 0, false
	}
	return matchStep(seed, spec.digits(), code, first, last)
}

// candidateSteps returns the inclusive range of steps a code may match.
func candidateSteps(spec OTPSpec, now time.Time) (first, last int64, ok bool) {
	var lo, hi int64
	switch spec.Algorithm {
	case store.OTPTOTP:
		cur := TOTPStep(now, spec.Period)
		lo, hi = cur-TOTPWindow, cur+TOTPWindow
	case store.OTPHOTP:
		lo, hi = spec.LastStep+1, spec.LastStep+HOTPLookAhead
	default:
		return 0, 0, false
	}
	lo = max(lo, spec.LastStep+1, 0)
	return lo, hi, lo <= hi
}

// matchStep compares code with every candidate (no early exit) and returns
// the lowest matching step.
func matchStep(seed []byte, digits int, code string, first, last int64) (int64, bool) {
	mac := hmac.New(sha1.New, seed)
	var buf [MaxDigits]byte
	given := []byte(code)
	found := int64(-1)
	for s := first; s <= last; s++ {
		eq := subtle.ConstantTimeCompare(oath.Code(mac, uint64(s), digits, &buf), given)
		if eq == 1 && found < 0 {
			found = s
		}
	}
	return found, found >= 0
}

func isDigits(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// OTPAuthURI returns the Key URI that authenticator apps import (usually as
// a QR code), e.g.
// otpauth://totp/Issuer:alice?digits=6&issuer=Issuer&period=30&secret=BASE32.
// An HOTP URI carries counter=LastStep+1 instead of period.
func OTPAuthURI(issuer, account string, seed []byte, spec OTPSpec) string {
	q := url.Values{}
	q.Set("secret", base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(seed))
	q.Set("digits", strconv.Itoa(spec.digits()))
	kind := store.OTPTOTP
	if spec.Algorithm == store.OTPHOTP {
		kind = store.OTPHOTP
		q.Set("counter", strconv.FormatInt(max(spec.LastStep+1, 0), 10))
	} else {
		q.Set("period", strconv.FormatInt(spec.period(), 10))
	}
	label := escapeLabel(account)
	if issuer != "" {
		q.Set("issuer", issuer)
		label = escapeLabel(issuer) + ":" + label
	}
	return "otpauth://" + kind + "/" + label + "?" + q.Encode()
}

// escapeLabel path-escapes one half of an otpauth label, including any ':'
// (which separates issuer from account).
func escapeLabel(s string) string {
	return strings.ReplaceAll(url.PathEscape(s), ":", "%3A")
}
