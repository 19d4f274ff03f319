package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pushauth/pushauth/internal/testpg"
)

// Each benchmark runs on SQLite (data_dir file, synchronous=FULL) and on
// PostgreSQL: a private server with fsync and synchronous commit on, as in
// production, on the same disk (sub-benchmarks sqlite and postgres; the
// latter skips without PostgreSQL's binaries).

// forEachDriver runs bench once per driver on a fresh, empty store.
func forEachDriver(b *testing.B, bench func(b *testing.B, s Store)) {
	b.Run("sqlite", func(b *testing.B) { bench(b, openTestDB(b)) })
	pg, err := testpg.StartIfInstalled(b, testpg.Options{Durable: true})
	if err != nil && !errors.Is(err, testpg.ErrNotInstalled) {
		b.Fatal(err)
	}
	b.Run("postgres", func(b *testing.B) {
		if pg == nil {
			b.Skip(err)
		}
		s, err := openPostgres(b, pg.NewDatabase(b), testSealer(b, 1))
		if err != nil {
			b.Fatal(err)
		}
		bench(b, s)
	})
}

// BenchmarkAppendAudit is one finished login's durable audit write, with
// 64 logins finishing at once per CPU (as on a busy server): the records
// are group-committed.
func BenchmarkAppendAudit(b *testing.B) {
	forEachDriver(b, func(b *testing.B, s Store) {
		ctx := context.Background()
		rec := AuditRecord{LoginID: "L", User: "u", Client: "c", Agent: "ddl", Outcome: "accept", Reason: "approved", Time: time.Now()}
		b.SetParallelism(64)
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				r := rec
				if err := s.AppendAudit(ctx, &r); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}

// BenchmarkPasscodeAccept is what the store does for a login accepted with
// a passcode (AcceptWithOTP): the durable, single-use record of its step
// and its audit record in one transaction, group-committed with whatever
// else is written meanwhile.
func BenchmarkPasscodeAccept(b *testing.B) {
	forEachDriver(b, func(b *testing.B, s Store) {
		benchSteps(b, s, func(ctx context.Context, tokenID, step int64) error {
			rec := &AuditRecord{LoginID: "L", User: "u", Client: "c", Agent: "ddl", Outcome: "accept", Reason: "passcode"}
			return s.AcceptWithOTP(ctx, &OTPAccept{TokenID: tokenID, Step: step, Record: rec})
		})
	})
}

// benchSteps runs use with 8 goroutines per CPU, each a new user with its
// own OATH token and ever newer steps.
func benchSteps(b *testing.B, s Store, use func(ctx context.Context, tokenID, step int64) error) {
	ctx := context.Background()
	var users atomic.Int64
	b.SetParallelism(8)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		// Unique in the store across rounds (b.N) and sub-benchmarks.
		name := fmt.Sprintf("%s-%d-%d", strings.ReplaceAll(b.Name(), "/", "-"), b.N, users.Add(1))
		u := &User{Name: name}
		if err := s.CreateUser(ctx, u); err != nil {
			b.Error(err)
			return
		}
		tok := &Token{UserID: u.ID, Type: TokenOATH, Serial: name, Seed: []byte("12345678901234567890")}
		if err := s.CreateToken(ctx, tok); err != nil {
			b.Error(err)
			return
		}
		for step := int64(0); pb.Next(); step++ {
			if err := use(ctx, tok.ID, step); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkTokensByUser is the read every login makes.
func BenchmarkTokensByUser(b *testing.B) {
	forEachDriver(b, func(b *testing.B, s Store) {
		ctx := context.Background()
		u := &User{Name: "bench"}
		if err := s.CreateUser(ctx, u); err != nil {
			b.Fatal(err)
		}
		if err := s.CreateToken(ctx, &Token{UserID: u.ID, Type: TokenOATH, Serial: "B", Seed: []byte("12345678901234567890")}); err != nil {
			b.Fatal(err)
		}
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := s.TokensByUser(ctx, u.ID); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}
