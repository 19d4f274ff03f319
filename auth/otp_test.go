package auth

import (
	"bytes"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pushauth/pushauth/store"
)

// rfcSeed is the shared secret of RFC 4226 Appendix D and RFC 6238 Appendix B (SHA1).
const rfcSeed = "12345678901234567890"

func TestHOTPRFC4226(t *testing.T) {
	want := []string{"755224", "287082", "359152", "969429", "338314",
		"254676", "287922", "162583", "399871", "520489"}
	for counter, code := range want {
		if got := HOTP([]byte(rfcSeed), uint64(counter), 6); got != code {
			t.Errorf("HOTP(counter %d) = %s, want %s", counter, got, code)
		}
	}
}

func TestTOTPRFC6238(t *testing.T) {
	tests := []struct {
		unix int64
		code string
	}{
		{59, "94287082"},
		{1111111109, "07081804"},
		{1111111111, "14050471"},
		{1234567890, "89005924"},
		{2000000000, "69279037"},
		{20000000000, "65353130"},
	}
	spec := OTPSpec{Algorithm: store.OTPTOTP, Digits: 8, Period: 30, LastStep: -1}
	for _, tt := range tests {
		now := time.Unix(tt.unix, 0)
		step := TOTPStep(now, 30)
		if got := HOTP([]byte(rfcSeed), uint64(step), 8); got != tt.code {
			t.Errorf("TOTP(%d) = %s, want %s", tt.unix, got, tt.code)
		}
		if got, ok := VerifyOTP([]byte(rfcSeed), spec, tt.code, now); !ok || got != step {
			t.Errorf("VerifyOTP(%d, %s) = %d, %v; want %d, true", tt.unix, tt.code, got, ok, step)
		}
	}
}

func TestHOTPDigits(t *testing.T) {
	tests := []struct {
		digits, wantLen int
	}{{0, 6}, {-1, 6}, {6, 6}, {7, 7}, {8, 8}, {10, 10}, {12, 10}}
	for _, tt := range tests {
		if got := HOTP([]byte(rfcSeed), 0, tt.digits); len(got) != tt.wantLen {
			t.Errorf("HOTP(digits %d) = %q, want length %d", tt.digits, got, tt.wantLen)
		}
	}
}

func TestTOTPStep(t *testing.T) {
	tests := []struct {
		unix   int64
		period int
		want   int64
	}{
		{0, 30, 0}, {29, 30, 0}, {30, 30, 1}, {59, 0, 1}, {60, 60, 1},
		{-1, 30, -1}, {-30, 30, -1}, {-31, 30, -2},
	}
	for _, tt := range tests {
		if got := TOTPStep(time.Unix(tt.unix, 0), tt.period); got != tt.want {
			t.Errorf("TOTPStep(%d, %d) = %d, want %d", tt.unix, tt.period, got, tt.want)
		}
	}
}

func TestVerifyTOTPWindow(t *testing.T) {
	seed := []byte(rfcSeed)
	now := time.Unix(1111111111, 0) // step 37037037, 1 s into it
	cur := TOTPStep(now, 30)
	code := func(step int64) string { return HOTP(seed, uint64(step), 6) }
	spec := func(last int64) OTPSpec {
		return OTPSpec{Algorithm: store.OTPTOTP, Digits: 6, Period: 30, LastStep: last}
	}
	tests := []struct {
		name     string
		spec     OTPSpec
		code     string
		wantStep int64
		wantOK   bool
	}{
		{"current", spec(-1), code(cur), cur, true},
		{"previous", spec(-1), code(cur - 1), cur - 1, true},
		{"next", spec(-1), code(cur + 1), cur + 1, true},
		{"two back", spec(-1), code(cur - 2), 0, false},
		{"two ahead", spec(-1), code(cur + 2), 0, false},
		{"replay current", spec(cur), code(cur), 0, false},
		{"older than last", spec(cur), code(cur - 1), 0, false},
		{"next after last", spec(cur), code(cur + 1), cur + 1, true},
		{"last ahead of window", spec(cur + 1), code(cur + 1), 0, false},
		{"after previous used", spec(cur - 1), code(cur), cur, true},
		{"zero period means 30", OTPSpec{Algorithm: store.OTPTOTP, LastStep: -1}, code(cur), cur, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			step, ok := VerifyOTP(seed, tt.spec, tt.code, now)
			if ok != tt.wantOK || (ok && step != tt.wantStep) {
				t.Fatalf("VerifyOTP = %d, %v; want %d, %v", step, ok, tt.wantStep, tt.wantOK)
			}
		})
	}
}

func TestVerifyTOTPPeriodEdges(t *testing.T) {
	seed := []byte(rfcSeed)
	spec := OTPSpec{Algorithm: store.OTPTOTP, Digits: 6, Period: 30, LastStep: -1}
	code := HOTP(seed, 100, 6) // valid in steps 99..101: unix 2970 .. 3059
	tests := []struct {
		unix int64
		want bool
	}{{2969, false}, {2970, true}, {3000, true}, {3059, true}, {3060, false}}
	for _, tt := range tests {
		if _, ok := VerifyOTP(seed, spec, code, time.Unix(tt.unix, 0)); ok != tt.want {
			t.Errorf("code of step 100 at unix %d: ok = %v, want %v", tt.unix, ok, tt.want)
		}
	}
}

func TestVerifyHOTPLookAhead(t *testing.T) {
	seed := []byte(rfcSeed)
	want := []string{"755224", "287082", "359152", "969429", "338314",
		"254676", "287922", "162583", "399871", "520489"}
	spec := func(last int64) OTPSpec {
		return OTPSpec{Algorithm: store.OTPHOTP, Digits: 6, LastStep: last}
	}
	tests := []struct {
		name     string
		spec     OTPSpec
		code     string
		wantStep int64
		wantOK   bool
	}{
		{"first of fresh token", spec(-1), want[0], 0, true},
		{"tenth of fresh token", spec(-1), want[9], 9, true},
		{"next counter", spec(3), want[4], 4, true},
		{"replay last", spec(3), want[3], 0, false},
		{"older", spec(3), want[1], 0, false},
		{"look-ahead edge", spec(0), want[9], 9, true},
		{"beyond look-ahead", spec(0), HOTP(seed, 11, 6), 0, false},
		{"look-ahead edge far", spec(100), HOTP(seed, 110, 6), 110, true},
		{"beyond look-ahead far", spec(100), HOTP(seed, 111, 6), 0, false},
	}
	now := time.Unix(0, 0) // irrelevant for HOTP
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			step, ok := VerifyOTP(seed, tt.spec, tt.code, now)
			if ok != tt.wantOK || (ok && step != tt.wantStep) {
				t.Fatalf("VerifyOTP = %d, %v; want %d, %v", step, ok, tt.wantStep, tt.wantOK)
			}
		})
	}
}

func TestVerifyOTPRejectsBadInput(t *testing.T) {
	seed := []byte(rfcSeed)
	totp := OTPSpec{Algorithm: store.OTPTOTP, Digits: 6, Period: 30, LastStep: -1}
	now := time.Unix(59, 0)
	good := HOTP(seed, uint64(TOTPStep(now, 30)), 6)
	tests := []struct {
		name string
		seed []byte
		spec OTPSpec
		code string
	}{
		{"empty code", seed, totp, ""},
		{"short", seed, totp, good[:5]},
		{"long", seed, totp, good + "0"},
		{"eight digits for six", seed, totp, HOTP(seed, 1, 8)},
		{"letters", seed, totp, "12a456"},
		{"spaces", seed, totp, " " + good[1:]},
		{"unicode digits", seed, totp, "١٢٣٤٥٦"},
		{"empty seed", nil, totp, good},
		{"wrong seed", []byte("another seed 1234567"), totp, good},
		{"unknown algorithm", seed, OTPSpec{Algorithm: "motp", Digits: 6, LastStep: -1}, good},
		{"empty algorithm", seed, OTPSpec{Digits: 6, LastStep: -1}, good},
	}
	if _, ok := VerifyOTP(seed, totp, good, now); !ok {
		t.Fatal("control: good code refused")
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if step, ok := VerifyOTP(tt.seed, tt.spec, tt.code, now); ok {
				t.Fatalf("VerifyOTP(%q) = %d, true; want refused", tt.code, step)
			}
		})
	}
}

func TestNewSeed(t *testing.T) {
	a, err := NewSeed()
	if err != nil || len(a) != SeedLen {
		t.Fatalf("NewSeed = %d bytes, %v; want %d bytes", len(a), err, SeedLen)
	}
	b, _ := NewSeed()
	if string(a) == string(b) {
		t.Fatal("two seeds are equal")
	}
}

func TestOTPAuthURI(t *testing.T) {
	seed := []byte(rfcSeed) // base32: GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ
	tests := []struct {
		name, issuer, account string
		spec                  OTPSpec
		wantLabel             string
		wantQuery             url.Values
	}{
		{
			name: "totp", issuer: "PushAuth", account: "alice",
			spec:      OTPSpec{Algorithm: store.OTPTOTP, Digits: 6, Period: 30, LastStep: -1},
			wantLabel: "PushAuth:alice",
			wantQuery: url.Values{"secret": {"GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"},
				"issuer": {"PushAuth"}, "digits": {"6"}, "period": {"30"}},
		},
		{
			name: "hotp", issuer: "PushAuth", account: "bob",
			spec:      OTPSpec{Algorithm: store.OTPHOTP, Digits: 8, LastStep: 41},
			wantLabel: "PushAuth:bob",
			wantQuery: url.Values{"secret": {"GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"},
				"issuer": {"PushAuth"}, "digits": {"8"}, "counter": {"42"}},
		},
		{
			name: "fresh hotp", issuer: "PushAuth", account: "carol",
			spec:      OTPSpec{Algorithm: store.OTPHOTP, LastStep: -1},
			wantLabel: "PushAuth:carol",
			wantQuery: url.Values{"secret": {"GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"},
				"issuer": {"PushAuth"}, "digits": {"6"}, "counter": {"0"}},
		},
		{
			name: "escaping", issuer: "Acme: VPN", account: "dave@example.com",
			spec:      OTPSpec{Algorithm: store.OTPTOTP},
			wantLabel: "Acme%3A%20VPN:dave@example.com",
			wantQuery: url.Values{"secret": {"GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"},
				"issuer": {"Acme: VPN"}, "digits": {"6"}, "period": {"30"}},
		},
		{
			name: "no issuer", account: "erin",
			spec:      OTPSpec{Algorithm: store.OTPTOTP},
			wantLabel: "erin",
			wantQuery: url.Values{"secret": {"GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"},
				"digits": {"6"}, "period": {"30"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw := OTPAuthURI(tt.issuer, tt.account, seed, tt.spec)
			u, err := url.Parse(raw)
			if err != nil {
				t.Fatalf("URI %q does not parse: %v", raw, err)
			}
			if u.Scheme != "otpauth" || u.Host != tt.spec.Algorithm {
				t.Errorf("URI %q: scheme/host %s/%s", raw, u.Scheme, u.Host)
			}
			if prefix := "otpauth://" + tt.spec.Algorithm + "/" + tt.wantLabel + "?"; !strings.HasPrefix(raw, prefix) {
				t.Errorf("URI %q does not start with %q", raw, prefix)
			}
			if got := u.Query(); got.Encode() != tt.wantQuery.Encode() {
				t.Errorf("URI %q: query %v, want %v", raw, got, tt.wantQuery)
			}
		})
	}
}

func BenchmarkVerifyOTP(b *testing.B) {
	seed := []byte(rfcSeed)
	now := time.Unix(1234567890, 0)
	spec := OTPSpec{Algorithm: store.OTPTOTP, Digits: 6, Period: 30, LastStep: -1}
	code := HOTP(seed, uint64(TOTPStep(now, 30)+1), 6) // last candidate: worst case
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := VerifyOTP(seed, spec, code, now); !ok {
			b.Fatal("code refused")
		}
	}
}

// Activation codes are 16 base32 characters; their hash ignores case and
// spaces, as a phone's typed code may have them.
func TestActivationCode(t *testing.T) {
	code := NewActivationCode()
	if len(code) != 16 || strings.ToUpper(code) != code || NewActivationCode() == code {
		t.Fatalf("code %q", code)
	}
	spaced := strings.ToLower(code[:4] + " " + code[4:])
	if !bytes.Equal(ActivationCodeHash(spaced), ActivationCodeHash(code)) {
		t.Fatal("the hash depends on case or spaces")
	}
	if s := NewSerial("SELF"); len(s) != len("SELF-")+8 || !strings.HasPrefix(s, "SELF-") {
		t.Fatalf("serial %q", s)
	}
}
