package auth

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/argon2"
)

// Argon2id hash layout.
const (
	argon2Version = argon2.Version // 19
	saltLen       = 16
	keyLen        = 32
	phcPrefix     = "$argon2id$"
)

// Argon2id cost bounds: the one set of limits for both the parameters of
// new hashes (passwords.argon2_* in the config, checked by
// Argon2Params.Validate) and those recorded in a stored hash (checked by
// Verify), so that a corrupt or hostile hash string cannot make a
// verification allocate or run without limit, and a config cannot make
// hashes that Verify then refuses.
const (
	MinArgon2MemoryKiB = 8
	MaxArgon2MemoryKiB = 1 << 20 // 1 GiB
	MinArgon2Time      = 1
	MaxArgon2Time      = 64
	MinArgon2Threads   = 1
	MaxArgon2Threads   = 255
)

// Bounds of the other fields of a stored hash.
const (
	minSaltLen = 8
	minKeyLen  = 16
	maxKeyLen  = 64
)

// ErrMalformedHash means a stored password hash is not an argon2id PHC string
// this package can verify.
var ErrMalformedHash = errors.New("malformed argon2id password hash")

// Argon2Params are the argon2id cost parameters of new hashes.
type Argon2Params struct {
	MemoryKiB uint32
	Time      uint32
	Threads   uint8
}

// DefaultArgon2Params returns the OWASP-recommended argon2id parameters:
// 19 MiB of memory, 2 passes, 1 thread.
func DefaultArgon2Params() Argon2Params {
	return Argon2Params{MemoryKiB: 19456, Time: 2, Threads: 1}
}

// Validate checks p against the argon2id bounds (MinArgon2MemoryKiB ..
// MaxArgon2Threads, and at least 8 KiB of memory per thread). A hash made
// with parameters it refuses could never be verified.
func (p Argon2Params) Validate() error {
	return checkArgon2(uint64(p.MemoryKiB), uint64(p.Time), uint64(p.Threads))
}

// checkArgon2 is Validate on wide integers, as parsed from a hash string.
func checkArgon2(m, t, p uint64) error {
	switch {
	case m < MinArgon2MemoryKiB || m > MaxArgon2MemoryKiB:
		return fmt.Errorf("memory %d KiB out of range %d..%d", m, MinArgon2MemoryKiB, MaxArgon2MemoryKiB)
	case t < MinArgon2Time || t > MaxArgon2Time:
		return fmt.Errorf("time %d out of range %d..%d", t, MinArgon2Time, MaxArgon2Time)
	case p < MinArgon2Threads || p > MaxArgon2Threads:
		return fmt.Errorf("threads %d out of range %d..%d", p, MinArgon2Threads, MaxArgon2Threads)
	case m < 8*p:
		return fmt.Errorf("memory %d KiB is less than 8 KiB × %d threads", m, p)
	}
	return nil
}

// withDefaults replaces zero fields with the defaults.
func (p Argon2Params) withDefaults() Argon2Params {
	d := DefaultArgon2Params()
	if p.MemoryKiB == 0 {
		p.MemoryKiB = d.MemoryKiB
	}
	if p.Time == 0 {
		p.Time = d.Time
	}
	if p.Threads == 0 {
		p.Threads = d.Threads
	}
	return p
}

// Passwords hashes and verifies directory passwords. At most maxConcurrent
// argon2 computations run at once, so memory stays bounded under load.
// A Passwords is safe for concurrent use.
type Passwords struct {
	params Argon2Params
	sem    chan struct{}
	dummy  string        // hash of a random password, verified for unknown users
	cost   time.Duration // how long hashing dummy took
	runs   atomic.Uint64 // argon2 computations done by Verify (for tests)
}

// NewPasswords returns a Passwords hashing with p (zero fields take the
// defaults) and running at most maxConcurrent argon2 computations at a time
// (maxConcurrent < 1 means runtime.NumCPU()).
func NewPasswords(p Argon2Params, maxConcurrent int) *Passwords {
	if maxConcurrent < 1 {
		maxConcurrent = runtime.NumCPU()
	}
	pw := &Passwords{
		params: p.withDefaults(),
		sem:    make(chan struct{}, maxConcurrent),
	}
	start := time.Now()
	pw.dummy = pw.hashWithSalt(rand.Text(), randomSalt())
	pw.cost = time.Since(start)
	return pw
}

// Concurrency is how many argon2 computations may run at once: the
// capacity of the fair gate in front of the logins' password checks
// (package internal/admission).
func (pw *Passwords) Concurrency() int { return cap(pw.sem) }

// Cost is how long one argon2 computation with the configured parameters
// took when NewPasswords made the dummy hash: the fair gate's first guess
// at how long a password check holds its slot.
func (pw *Passwords) Cost() time.Duration { return pw.cost }

// randomSalt returns saltLen random bytes. crypto/rand.Read never fails
// (Go 1.24 and later).
func randomSalt() []byte {
	salt := make([]byte, saltLen)
	_, _ = rand.Read(salt)
	return salt
}

// Hash returns the PHC string of password with a fresh 16-byte random salt,
// e.g. $argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>. It waits for a free
// computation slot.
func (pw *Passwords) Hash(password string) (string, error) {
	release, err := pw.acquire(context.Background())
	if err != nil {
		return "", err
	}
	defer release()
	return pw.hashWithSalt(password, randomSalt()), nil
}

func (pw *Passwords) hashWithSalt(password string, salt []byte) string {
	p := pw.params
	key := argon2.IDKey([]byte(password), salt, p.Time, p.MemoryKiB, p.Threads, keyLen)
	return formatPHC(phcHash{params: p, salt: salt, key: key})
}

// Verify reports whether password matches phcHash, comparing in constant
// time with the cost parameters recorded in phcHash (so hashes made with
// other parameters still verify). An empty phcHash (unknown user, or no
// directory password) is verified against a dummy hash and always returns
// false, costing the same as a wrong password (SPEC S2.2). A malformed hash
// returns ErrMalformedHash. Waiting for a computation slot honours ctx.
func (pw *Passwords) Verify(ctx context.Context, phcHash, password string) (bool, error) {
	known := phcHash != ""
	if !known {
		phcHash = pw.dummy
	}
	h, err := parsePHC(phcHash)
	if err != nil {
		return false, err
	}
	release, err := pw.acquire(ctx)
	if err != nil {
		return false, err
	}
	defer release()
	pw.runs.Add(1)
	key := argon2.IDKey([]byte(password), h.salt, h.params.Time, h.params.MemoryKiB, h.params.Threads, uint32(len(h.key)))
	match := subtle.ConstantTimeCompare(key, h.key) == 1
	return known && match, nil
}

// acquire takes a computation slot, or fails when ctx ends first.
func (pw *Passwords) acquire(ctx context.Context) (release func(), err error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	select {
	case pw.sem <- struct{}{}:
		return func() { <-pw.sem }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// phcHash is a decoded argon2id PHC string.
type phcHash struct {
	params Argon2Params
	salt   []byte
	key    []byte
}

func formatPHC(h phcHash) string {
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("%sv=%d$m=%d,t=%d,p=%d$%s$%s", phcPrefix, argon2Version,
		h.params.MemoryKiB, h.params.Time, h.params.Threads,
		b64.EncodeToString(h.salt), b64.EncodeToString(h.key))
}

// parsePHC decodes "$argon2id$v=19$m=M,t=T,p=P$salt$hash".
func parsePHC(s string) (phcHash, error) {
	rest, ok := strings.CutPrefix(s, phcPrefix)
	if !ok {
		return phcHash{}, fmt.Errorf("%w: not an $argon2id$ string", ErrMalformedHash)
	}
	parts := strings.Split(rest, "$")
	if len(parts) != 4 {
		return phcHash{}, fmt.Errorf("%w: want 5 $-separated fields", ErrMalformedHash)
	}
	var version int
	if _, err := fmt.Sscanf(parts[0], "v=%d", &version); err != nil || version != argon2Version {
		return phcHash{}, fmt.Errorf("%w: unsupported version %q", ErrMalformedHash, parts[0])
	}
	params, err := parsePHCParams(parts[1])
	if err != nil {
		return phcHash{}, err
	}
	salt, err := decodePHCField(parts[2], "salt", minSaltLen, 1<<10)
	if err != nil {
		return phcHash{}, err
	}
	key, err := decodePHCField(parts[3], "hash", minKeyLen, maxKeyLen)
	if err != nil {
		return phcHash{}, err
	}
	return phcHash{params: params, salt: salt, key: key}, nil
}

// parsePHCParams decodes "m=M,t=T,p=P" within safe bounds.
func parsePHCParams(s string) (Argon2Params, error) {
	var m, t, p uint64
	n, err := fmt.Sscanf(s, "m=%d,t=%d,p=%d", &m, &t, &p)
	bad := err != nil || n != 3 || fmt.Sprintf("m=%d,t=%d,p=%d", m, t, p) != s
	if bad {
		return Argon2Params{}, fmt.Errorf("%w: bad parameters %q", ErrMalformedHash, s)
	}
	if err := checkArgon2(m, t, p); err != nil {
		return Argon2Params{}, fmt.Errorf("%w: parameters %q: %v", ErrMalformedHash, s, err)
	}
	return Argon2Params{MemoryKiB: uint32(m), Time: uint32(t), Threads: uint8(p)}, nil
}

func decodePHCField(s, name string, minLen, maxLen int) ([]byte, error) {
	b, err := base64.RawStdEncoding.Strict().DecodeString(s)
	if err != nil || len(b) < minLen || len(b) > maxLen {
		return nil, fmt.Errorf("%w: bad %s", ErrMalformedHash, name)
	}
	return b, nil
}
