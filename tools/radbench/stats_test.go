package main

import (
	"strings"
	"testing"
	"time"

	"github.com/pushauth/pushauth/config"
)

func TestPercentile(t *testing.T) {
	ms := func(n int) time.Duration { return time.Duration(n) * time.Millisecond }
	var ds []time.Duration
	for i := 100; i >= 1; i-- { // 100 ms .. 1 ms, unsorted
		ds = append(ds, ms(i))
	}
	s := Summarize(ds)
	want := Summary{N: 100, Mean: 50500 * time.Microsecond, P50: ms(50), P90: ms(90), P99: ms(99), Max: ms(100)}
	if s != want {
		t.Fatalf("Summarize = %+v, want %+v", s, want)
	}
	for _, c := range []struct {
		sorted []time.Duration
		p      float64
		want   time.Duration
	}{
		{nil, 50, 0},
		{[]time.Duration{ms(7)}, 1, ms(7)},
		{[]time.Duration{ms(7)}, 100, ms(7)},
		{[]time.Duration{ms(1), ms(2)}, 50, ms(1)},   // nearest rank: ceil(0.5*2) = 1
		{[]time.Duration{ms(1), ms(2)}, 50.1, ms(2)}, // ceil(1.002) = 2
		{[]time.Duration{ms(1), ms(2), ms(3)}, 99, ms(3)},
		{[]time.Duration{ms(1), ms(2), ms(3)}, 0, ms(1)}, // clamped to the first
	} {
		if got := Percentile(c.sorted, c.p); got != c.want {
			t.Errorf("Percentile(%v, %v) = %v, want %v", c.sorted, c.p, got, c.want)
		}
	}
	if (Summarize(nil) != Summary{}) {
		t.Error("Summarize(nil) is not zero")
	}
}

func TestFormatting(t *testing.T) {
	if got := ms(1234 * time.Microsecond); got != "1.23" {
		t.Errorf("ms = %q", got)
	}
	if got := ms(123456 * time.Microsecond); got != "123" {
		t.Errorf("ms = %q", got)
	}
	if got := formatCounts(map[string]int{"b": 2, "a": 1}); got != "a=1 b=2" {
		t.Errorf("formatCounts = %q", got)
	}
	var b strings.Builder
	var tb table
	tb.add("x", "long header")
	tb.add("1", "2")
	tb.print(&b)
	if lines := strings.Split(strings.TrimRight(b.String(), "\n"), "\n"); len(lines) != 2 || len(lines[0]) != len(lines[1]) {
		t.Errorf("table not aligned:\n%s", b.String())
	}
}

func TestParseInts(t *testing.T) {
	got, err := parseInts("1, 16,256")
	if err != nil || len(got) != 3 || got[0] != 1 || got[1] != 16 || got[2] != 256 {
		t.Fatalf("parseInts = %v, %v", got, err)
	}
	for _, bad := range []string{"", "0", "1,x", "-3"} {
		if _, err := parseInts(bad); err == nil {
			t.Errorf("parseInts(%q) accepted", bad)
		}
	}
}

func TestOATHUserCodes(t *testing.T) {
	seed := []byte("12345678901234567890") // RFC 4226 test seed
	u := &oathUser{seed: seed, alg: "hotp", digits: 6}
	for _, want := range []string{"755224", "287082", "359152"} {
		if got, ok := u.code(time.Now()); !ok || got != want {
			t.Fatalf("hotp code %q %v, want %q", got, ok, want)
		}
	}
	// TOTP: steps cur-1, cur, cur+1 once each, then none until the clock moves.
	now := time.Unix(59, 0) // RFC 6238: step 1 → 287082 (6 digits)
	u = &oathUser{seed: seed, alg: "totp", digits: 6, period: 30, next: -1}
	var codes []string
	for {
		c, ok := u.code(now)
		if !ok {
			break
		}
		codes = append(codes, c)
	}
	if strings.Join(codes, ",") != "755224,287082,359152" {
		t.Fatalf("totp codes %v", codes)
	}
	if _, ok := u.code(now.Add(30 * time.Second)); !ok {
		t.Fatal("no totp code in the next step")
	}
}

func TestConfigYAML(t *testing.T) {
	y := configYAML(serverOptions{notifTimeout: 30, logLevel: "info", maxInFlight: 262144, argonMemKiB: 1024, argonTime: 1}, "/tmp/d", "tok", nil)
	cfg, warnings, err := config.LoadBytes("radbench.yaml", []byte(y), nil)
	if err != nil || len(warnings) > 0 {
		t.Fatalf("the server refuses the config: %v %v\n%s", err, warnings, y)
	}
	if len(cfg.Radius.Clients) != 4 || cfg.NotificationTimeout != 30*time.Second || cfg.Passwords.Argon2MemoryKiB != 1024 {
		t.Fatalf("config read back as %+v", cfg)
	}
	for _, want := range []string{"NOTIFICATIONTIMEOUT: 30", "listen: 127.0.0.1:0", "max_in_flight: 262144",
		"kind: isapi, policy: bench, number_matching: false}", "token: tok", "format: json", "passwords: {argon2_memory_kib: 1024, argon2_time: 1}"} {
		if !strings.Contains(y, want) {
			t.Errorf("config lacks %q:\n%s", want, y)
		}
	}
}

// With RadSec on, the config holds a listener with the run's certificates
// and the RadSec client radbench connects as, and the server accepts it.
func TestConfigYAMLRadSec(t *testing.T) {
	certs, err := newRadsecCerts(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	y := configYAML(serverOptions{notifTimeout: 30, logLevel: "info", maxInFlight: 262144}, "/tmp/d", "tok", certs)
	cfg, warnings, err := config.LoadBytes("radbench.yaml", []byte(y), nil)
	if err != nil || len(warnings) > 0 {
		t.Fatalf("the server refuses the config: %v %v\n%s", err, warnings, y)
	}
	last := cfg.Radius.Clients[len(cfg.Radius.Clients)-1]
	if !cfg.Radius.TLS.Enabled || cfg.Radius.TLS.Listen != "127.0.0.1:0" || !last.IsTLS() || last.TLSSubject != radsecSubject {
		t.Fatalf("config read back as %+v, last client %+v", cfg.Radius.TLS, last)
	}
}
