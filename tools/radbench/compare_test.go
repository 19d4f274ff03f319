package main

import (
	"flag"
	"io"
	"math"
	"strings"
	"testing"
	"time"
)

func TestFormatRatio(t *testing.T) {
	for _, c := range []struct {
		a, b float64
		want string
	}{
		{1239, 17414, "0.071×"}, // issue 13's push login against FreeRADIUS PAP
		{0.5, 1, "0.50×"},
		{0.00123, 1, "0.0012×"},
		{0.099, 1, "0.099×"},
		{1, 1, "1.00×"},
		{940, 65, "14.5×"},
		{250, 1, "250×"},
		{0, 5, "0×"},
		{5, 0, "-"},
		{0, 0, "-"},
		{math.NaN(), 1, "-"},
		{-1, 1, "-"},
	} {
		if got := formatRatio(c.a, c.b); got != c.want {
			t.Errorf("formatRatio(%v, %v) = %q, want %q", c.a, c.b, got, c.want)
		}
	}
}

func TestCPUPer(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0:                        "-",
		65 * time.Microsecond:    "65.0 µs",
		940 * time.Microsecond:   "940.0 µs",
		1500 * time.Microsecond:  "1.50 ms",
		33900 * time.Microsecond: "33.90 ms",
	} {
		if got := cpuPer(d); got != want {
			t.Errorf("cpuPer(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestNewFigures(t *testing.T) {
	res := &levelResult{latencies: make([]time.Duration, 100), window: 2 * time.Second}
	f := newFigures(16, res, Summary{N: 100, P50: time.Millisecond}, 50*time.Millisecond)
	if f.concurrency != 16 || f.rate != 50 || f.p50 != time.Millisecond || f.cpuPer != 500*time.Microsecond {
		t.Fatalf("%+v", f)
	}
	if f := newFigures(1, &levelResult{window: time.Second}, Summary{}, time.Second); f.cpuPer != 0 {
		t.Fatalf("no logins: %+v", f)
	}
}

func TestComparisonPrint(t *testing.T) {
	c := &comparison{peer: []levelFigures{
		{concurrency: 1, rate: 9416, p50: 90 * time.Microsecond, cpuPer: 65 * time.Microsecond},
		{concurrency: 16, rate: 17414, p50: 870 * time.Microsecond, cpuPer: 65 * time.Microsecond},
	}}
	mine := []levelFigures{
		{concurrency: 16, rate: 1239, p50: 12200 * time.Microsecond, cpuPer: 940 * time.Microsecond},
		{concurrency: 64, rate: 1300, p50: 40 * time.Millisecond, cpuPer: time.Millisecond},
	}
	var b strings.Builder
	c.print(&b, "push login", mine)
	out := b.String()
	lines := strings.Split(out, "\n")
	var row16, row64 string
	for _, l := range lines {
		switch f := strings.Fields(l); {
		case len(f) > 0 && f[0] == "16":
			row16 = l
		case len(f) > 0 && f[0] == "64":
			row64 = l
		}
	}
	for _, want := range []string{"17414.0", "1239.0", "0.071×", "0.87", "12.2", "65.0 µs", "940.0 µs", "14.5×"} {
		if !strings.Contains(row16, want) {
			t.Errorf("row 16 lacks %q: %q\n%s", want, row16, out)
		}
	}
	if strings.Count(row64, " - ") < 3 {
		t.Errorf("row 64 has no peer figures, want dashes: %q", row64)
	}
	if !strings.Contains(out, "pushauth push login ÷ FreeRADIUS PAP request") || !strings.Contains(out, "CPU ratio:") {
		t.Errorf("no title or legend:\n%s", out)
	}
	var none *comparison
	none.print(&b, "push login", mine) // without --compare: nothing
	if b.String() != out {
		t.Error("a nil comparison printed")
	}
}

func TestCompareFlags(t *testing.T) {
	var f compareFlags
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	f.register(fs)
	if err := fs.Parse([]string{"--compare", "freeradius", "--freeradius-bin", "/x/freeradius"}); err != nil {
		t.Fatal(err)
	}
	if err := f.check(); err != nil || f.peer != peerFreeradius || f.po.bin != "/x/freeradius" {
		t.Fatalf("%+v %v", f, err)
	}
	f.peer = "radiator"
	if err := f.check(); err == nil {
		t.Fatal("--compare radiator accepted")
	}
}
