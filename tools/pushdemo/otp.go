package main

import (
	"encoding/base32"
	"errors"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/pushauth/pushauth/auth"
)

// parseOTPAuth reads the seed and period of an otpauth://totp URI, as an
// authenticator app does.
func parseOTPAuth(uri string) (*oath, error) {
	u, err := url.Parse(uri)
	if err != nil || u.Scheme != "otpauth" {
		return nil, errors.New("expected an otpauth:// URI for the OATH token")
	}
	b32 := strings.TrimRight(strings.ToUpper(u.Query().Get("secret")), "=")
	seed, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(b32)
	if err != nil || len(seed) == 0 {
		return nil, errors.New("expected a base32 secret in the otpauth URI")
	}
	period, err := strconv.Atoi(u.Query().Get("period"))
	if err != nil || period <= 0 {
		period = 30
	}
	return &oath{seed: seed, period: period}, nil
}

// code is the TOTP code for now.
func (o *oath) code(now time.Time) string {
	return auth.HOTP(o.seed, uint64(auth.TOTPStep(now, o.period)), 6)
}
