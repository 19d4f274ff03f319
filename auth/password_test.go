package auth

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"
)

// fastParams keeps argon2 cheap in tests.
func fastParams() Argon2Params {
	return Argon2Params{MemoryKiB: 1024, Time: 1, Threads: 1}
}

func mustHash(t testing.TB, pw *Passwords, password string) string {
	t.Helper()
	h, err := pw.Hash(password)
	if err != nil {
		t.Fatalf("Hash: %v", err)
	}
	return h
}

func TestDefaultArgon2Params(t *testing.T) {
	want := Argon2Params{MemoryKiB: 19456, Time: 2, Threads: 1}
	if got := DefaultArgon2Params(); got != want {
		t.Fatalf("DefaultArgon2Params() = %+v, want %+v", got, want)
	}
}

func TestHashFormat(t *testing.T) {
	pw := NewPasswords(fastParams(), 2)
	h := mustHash(t, pw, "secret")
	re := regexp.MustCompile(`^\$argon2id\$v=19\$m=1024,t=1,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$`)
	if !re.MatchString(h) {
		t.Fatalf("hash %q does not match %v", h, re)
	}
	if h2 := mustHash(t, pw, "secret"); h2 == h {
		t.Fatal("two hashes of the same password are equal: salt not random")
	}
}

func TestVerify(t *testing.T) {
	pw := NewPasswords(fastParams(), 2)
	h := mustHash(t, pw, "correct horse")
	tests := []struct {
		name, hash, password string
		want                 bool
	}{
		{"right password", h, "correct horse", true},
		{"wrong password", h, "correct horsE", false},
		{"empty password", h, "", false},
		{"unknown user", "", "correct horse", false},
		{"unknown user empty password", "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := pw.Verify(context.Background(), tt.hash, tt.password)
			if err != nil || got != tt.want {
				t.Fatalf("Verify = %v, %v; want %v, nil", got, err, tt.want)
			}
		})
	}
}

func TestVerifyOtherParams(t *testing.T) {
	old := NewPasswords(Argon2Params{MemoryKiB: 2048, Time: 2, Threads: 2}, 1)
	h := mustHash(t, old, "pw")
	cur := NewPasswords(fastParams(), 1)
	ok, err := cur.Verify(context.Background(), h, "pw")
	if err != nil || !ok {
		t.Fatalf("Verify of hash with other params = %v, %v; want true", ok, err)
	}
}

func TestVerifyDefaultParams(t *testing.T) {
	pw := NewPasswords(DefaultArgon2Params(), 1)
	h := mustHash(t, pw, "pw")
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("hash %q lacks default params", h)
	}
	ok, err := pw.Verify(context.Background(), h, "pw")
	if err != nil || !ok {
		t.Fatalf("Verify = %v, %v; want true", ok, err)
	}
}

func TestVerifyMalformed(t *testing.T) {
	pw := NewPasswords(fastParams(), 1)
	good := mustHash(t, pw, "pw")
	parts := strings.Split(good, "$") // "", argon2id, v=19, params, salt, hash
	join := func(p ...string) string { return strings.Join(p, "$") }
	tests := []struct{ name, hash string }{
		{"garbage", "not a hash"},
		{"bcrypt", "$2b$10$abcdefghijklmnopqrstuu"},
		{"argon2i", join("", "argon2i", parts[2], parts[3], parts[4], parts[5])},
		{"missing field", join("", "argon2id", parts[2], parts[3], parts[4])},
		{"extra field", good + "$x"},
		{"bad version", join("", "argon2id", "v=16", parts[3], parts[4], parts[5])},
		{"bad params", join("", "argon2id", parts[2], "m=x,t=1,p=1", parts[4], parts[5])},
		{"params trailing", join("", "argon2id", parts[2], "m=1024,t=1,p=1,k=2", parts[4], parts[5])},
		{"zero time", join("", "argon2id", parts[2], "m=1024,t=0,p=1", parts[4], parts[5])},
		{"zero threads", join("", "argon2id", parts[2], "m=1024,t=1,p=0", parts[4], parts[5])},
		{"huge memory", join("", "argon2id", parts[2], "m=99999999,t=1,p=1", parts[4], parts[5])},
		{"memory beyond the bound", join("", "argon2id", parts[2], fmt.Sprintf("m=%d,t=1,p=1", MaxArgon2MemoryKiB+1), parts[4], parts[5])},
		{"time beyond the bound", join("", "argon2id", parts[2], fmt.Sprintf("m=1024,t=%d,p=1", MaxArgon2Time+1), parts[4], parts[5])},
		{"salt not base64", join("", "argon2id", parts[2], parts[3], "!!!!", parts[5])},
		{"salt padded", join("", "argon2id", parts[2], parts[3], parts[4]+"==", parts[5])},
		{"short salt", join("", "argon2id", parts[2], parts[3], "AAAA", parts[5])},
		{"short hash", join("", "argon2id", parts[2], parts[3], parts[4], "AAAA")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, err := pw.Verify(context.Background(), tt.hash, "pw")
			if ok || !errors.Is(err, ErrMalformedHash) {
				t.Fatalf("Verify(%q) = %v, %v; want false, ErrMalformedHash", tt.hash, ok, err)
			}
		})
	}
}

// The bounds Verify applies to a stored hash are the ones Validate applies
// to the parameters of new hashes (the config's passwords.argon2_*): a
// hash at the bounds parses, one beyond them does not, and Validate agrees.
func TestArgon2BoundsShared(t *testing.T) {
	tests := []struct {
		p  Argon2Params
		ok bool
	}{
		{Argon2Params{MemoryKiB: MaxArgon2MemoryKiB, Time: MaxArgon2Time, Threads: 1}, true},
		{Argon2Params{MemoryKiB: MinArgon2MemoryKiB * MaxArgon2Threads, Time: MinArgon2Time, Threads: MaxArgon2Threads}, true},
		{Argon2Params{MemoryKiB: MaxArgon2MemoryKiB + 1, Time: 1, Threads: 1}, false},
		{Argon2Params{MemoryKiB: 1024, Time: MaxArgon2Time + 1, Threads: 1}, false},
		{Argon2Params{MemoryKiB: MinArgon2MemoryKiB - 1, Time: 1, Threads: 1}, false},
		{Argon2Params{MemoryKiB: 16, Time: 1, Threads: 4}, false},
	}
	for _, tt := range tests {
		s := fmt.Sprintf("m=%d,t=%d,p=%d", tt.p.MemoryKiB, tt.p.Time, tt.p.Threads)
		got, err := parsePHCParams(s)
		if (err == nil) != tt.ok || (tt.ok && got != tt.p) {
			t.Errorf("parsePHCParams(%q) = %+v, %v; want ok=%v", s, got, err, tt.ok)
		}
		if err := tt.p.Validate(); (err == nil) != tt.ok {
			t.Errorf("%+v.Validate() = %v; want ok=%v", tt.p, err, tt.ok)
		}
	}
}

// TestVerifyUnknownUserRunsArgon2 checks SPEC S2.2 structurally (no timing):
// an empty hash verifies a real dummy hash made with the configured params.
func TestVerifyUnknownUserRunsArgon2(t *testing.T) {
	pw := NewPasswords(fastParams(), 1)
	h, err := parsePHC(pw.dummy)
	if err != nil {
		t.Fatalf("dummy hash %q does not parse: %v", pw.dummy, err)
	}
	if h.params != fastParams() {
		t.Fatalf("dummy params = %+v, want %+v", h.params, fastParams())
	}
	before := pw.runs.Load()
	if ok, err := pw.Verify(context.Background(), "", "anything"); ok || err != nil {
		t.Fatalf("Verify(\"\") = %v, %v; want false, nil", ok, err)
	}
	if got := pw.runs.Load() - before; got != 1 {
		t.Fatalf("Verify(\"\") ran argon2 %d times, want 1", got)
	}
}

func TestDummyHashesDiffer(t *testing.T) {
	a, b := NewPasswords(fastParams(), 1), NewPasswords(fastParams(), 1)
	if a.dummy == "" || a.dummy == b.dummy {
		t.Fatalf("dummy hashes %q and %q: want non-empty and distinct", a.dummy, b.dummy)
	}
}

func TestVerifyHonoursContext(t *testing.T) {
	pw := NewPasswords(fastParams(), 1)
	h := mustHash(t, pw, "pw")
	pw.sem <- struct{}{} // occupy the only slot
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	ok, err := pw.Verify(ctx, h, "pw")
	if ok || !errors.Is(err, context.Canceled) {
		t.Fatalf("Verify with cancelled ctx = %v, %v; want false, context.Canceled", ok, err)
	}
	<-pw.sem
	if ok, err := pw.Verify(context.Background(), h, "pw"); !ok || err != nil {
		t.Fatalf("Verify after slot freed = %v, %v; want true, nil", ok, err)
	}
}

func TestVerifyConcurrencyBounded(t *testing.T) {
	const limit = 2
	pw := NewPasswords(fastParams(), limit)
	h := mustHash(t, pw, "pw")
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if len(pw.sem) > limit {
				t.Errorf("%d slots in use, limit %d", len(pw.sem), limit)
			}
			if ok, err := pw.Verify(context.Background(), h, "pw"); !ok || err != nil {
				t.Errorf("Verify = %v, %v", ok, err)
			}
		})
	}
	wg.Wait()
	if cap(pw.sem) != limit || len(pw.sem) != 0 {
		t.Fatalf("semaphore cap %d len %d; want %d, 0", cap(pw.sem), len(pw.sem), limit)
	}
}

// Concurrency reports the argon2 computations allowed at once, which the
// server sizes the logins' fair gate by.
func TestPasswordsConcurrency(t *testing.T) {
	if got := NewPasswords(fastParams(), 3).Concurrency(); got != 3 {
		t.Fatalf("Concurrency() = %d, want 3", got)
	}
	if got := NewPasswords(fastParams(), 0).Concurrency(); got != runtime.NumCPU() {
		t.Fatalf("Concurrency() of the default = %d, want NumCPU %d", got, runtime.NumCPU())
	}
}

// Cost is the time one hash took at start: more for a costlier hash.
func TestPasswordsCost(t *testing.T) {
	cheap := NewPasswords(Argon2Params{MemoryKiB: 64, Time: 1}, 1).Cost()
	dear := NewPasswords(Argon2Params{MemoryKiB: 32 << 10, Time: 4}, 1).Cost()
	if cheap <= 0 || dear <= cheap {
		t.Fatalf("Cost() = %v for 64 KiB t=1, %v for 32 MiB t=4: want 0 < cheap < dear", cheap, dear)
	}
}

func TestNewPasswordsDefaults(t *testing.T) {
	pw := NewPasswords(Argon2Params{MemoryKiB: 1024}, 0)
	want := Argon2Params{MemoryKiB: 1024, Time: 2, Threads: 1}
	if pw.params != want {
		t.Fatalf("params = %+v, want %+v", pw.params, want)
	}
	if cap(pw.sem) < 1 {
		t.Fatalf("semaphore capacity %d, want >= 1", cap(pw.sem))
	}
}

// The server's default argon2id settings.
func BenchmarkPasswordVerifyDefault(b *testing.B) { benchVerify(b, DefaultArgon2Params()) }

// The cheapest settings radbench uses (--argon2-memory-kib 64
// --argon2-time 1), so a passcode login's server CPU can be told apart
// from its hash.
func BenchmarkPasswordVerifyCheap(b *testing.B) {
	benchVerify(b, Argon2Params{MemoryKiB: 64, Time: 1, Threads: 1})
}

func benchVerify(b *testing.B, params Argon2Params) {
	pw := NewPasswords(params, 1)
	h := mustHash(b, pw, "benchmark password")
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if ok, err := pw.Verify(ctx, h, "benchmark password"); !ok || err != nil {
			b.Fatalf("Verify = %v, %v", ok, err)
		}
	}
}
