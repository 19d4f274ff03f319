package deviceclient

import (
	"encoding/base32"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/pushauth/pushauth/oath"
)

// Code returns the token's one-time password: for TOTP the code of the
// step containing now; for HOTP the code of the next counter, which it
// then advances (Save to keep it).
func (d *Device) Code(now time.Time) (string, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	o := &d.state.OTP
	seed, err := decodeSeed(o.SeedB32)
	if err != nil {
		return "", err
	}
	switch o.Algorithm {
	case "totp", "":
		return oath.HOTP(seed, uint64(oath.TOTPStep(now, o.Period)), o.Digits), nil
	case "hotp":
		c := max(o.Counter, 0)
		o.Counter = c + 1
		return oath.HOTP(seed, uint64(c), o.Digits), nil
	}
	return "", fmt.Errorf("unknown OTP algorithm %q", o.Algorithm)
}

// decodeSeed decodes base32 with or without padding, any case.
func decodeSeed(b32 string) ([]byte, error) {
	s := strings.TrimRight(strings.ToUpper(strings.TrimSpace(b32)), "=")
	seed, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(s)
	if err != nil || len(seed) == 0 {
		return nil, errors.New("device state: otp seed_b32 is not base32")
	}
	return seed, nil
}
