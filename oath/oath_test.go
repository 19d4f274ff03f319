package oath

import (
	"testing"
	"time"

	"github.com/pushauth/pushauth/internal/deptest"
)

// RFC 4226 Appendix D: the HOTP values of the ASCII seed
// "12345678901234567890" for counters 0..9.
func TestHOTPAppendixD(t *testing.T) {
	seed := []byte("12345678901234567890")
	want := []string{"755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871", "520489"}
	for c, w := range want {
		if got := HOTP(seed, uint64(c), 6); got != w {
			t.Errorf("HOTP(%d) = %s, want %s", c, got, w)
		}
	}
}

// RFC 6238 Appendix B (SHA-1): the 8-digit TOTP values at its times,
// through TOTPStep with the default 30-second period.
func TestTOTPAppendixB(t *testing.T) {
	seed := []byte("12345678901234567890")
	for unix, want := range map[int64]string{59: "94287082", 1111111109: "07081804", 1111111111: "14050471",
		1234567890: "89005924", 2000000000: "69279037", 20000000000: "65353130"} {
		step := TOTPStep(time.Unix(unix, 0), 0)
		if got := HOTP(seed, uint64(step), 8); got != want {
			t.Errorf("TOTP at %d = %s, want %s", unix, got, want)
		}
	}
	if s := TOTPStep(time.Unix(-1, 0), 30); s != -1 {
		t.Errorf("step of 1969-12-31T23:59:59Z = %d, want -1", s)
	}
}

func TestDigitsAndPeriodBounds(t *testing.T) {
	if Digits(0) != DefaultDigits || Digits(12) != MaxDigits || Digits(8) != 8 {
		t.Fatal("Digits bounds")
	}
	if Period(0) != DefaultPeriod || Period(60) != 60 {
		t.Fatal("Period default")
	}
}

// A client computes passcodes with the standard library alone.
func TestDeps(t *testing.T) {
	deptest.StdOnly(t, ".")
}
