package storetest

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pushauth/pushauth/store"
)

// The benchmarks of the store's hot paths, each on a fresh, empty store
// of a driver: store/sqlite's and store/postgres's Benchmark functions run
// them.

// BenchAppendAudit is one finished login's durable audit write, with
// 64 logins finishing at once per CPU (as on a busy server): the records
// are group-committed.
func BenchAppendAudit(b *testing.B, s store.Store) {
	ctx := context.Background()
	rec := store.AuditRecord{LoginID: "L", User: "u", Client: "c", Agent: "ddl", Outcome: "accept", Reason: "approved", Time: time.Now()}
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
}

// BenchPasscodeAccept is what the store does for a login accepted with
// a passcode (AcceptWithOTP): the durable, single-use record of its step
// and its audit record in one transaction, group-committed with whatever
// else is written meanwhile.
func BenchPasscodeAccept(b *testing.B, s store.Store) {
	benchSteps(b, s, func(ctx context.Context, tokenID, step int64) error {
		rec := &store.AuditRecord{LoginID: "L", User: "u", Client: "c", Agent: "ddl", Outcome: "accept", Reason: "passcode"}
		return s.AcceptWithOTP(ctx, &store.OTPAccept{TokenID: tokenID, Step: step, Record: rec})
	})
}

// benchSteps runs use with 8 goroutines per CPU, each a new user with its
// own OATH token and ever newer steps.
func benchSteps(b *testing.B, s store.Store, use func(ctx context.Context, tokenID, step int64) error) {
	ctx := context.Background()
	var users atomic.Int64
	b.SetParallelism(8)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		// Unique in the store across rounds (b.N) and sub-benchmarks.
		name := fmt.Sprintf("%s-%d-%d", strings.ReplaceAll(b.Name(), "/", "-"), b.N, users.Add(1))
		u := &store.User{Name: name}
		if err := s.CreateUser(ctx, u); err != nil {
			b.Error(err)
			return
		}
		tok := &store.Token{UserID: u.ID, Type: store.TokenOATH, Serial: name, Seed: []byte("12345678901234567890")}
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

// BenchTokensByUser is the read every login makes.
func BenchTokensByUser(b *testing.B, s store.Store) {
	ctx := context.Background()
	u := &store.User{Name: "bench"}
	if err := s.CreateUser(ctx, u); err != nil {
		b.Fatal(err)
	}
	if err := s.CreateToken(ctx, &store.Token{UserID: u.ID, Type: store.TokenOATH, Serial: "B", Seed: []byte("12345678901234567890")}); err != nil {
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
}

// SearchUsersCount is how many users BenchSearchUsers searches among:
// user000000 to user099999.
const SearchUsersCount = 100_000

// BenchSearchUsers is the first page (50 users) of a prefix search among
// SearchUsersCount users (issue 22: the console's Users page), for a
// prefix matching all of them, 10,000, 100 and none. fill adds the users
// bypassing the store (one statement: creating them one by one would
// take minutes on a durable store).
func BenchSearchUsers(b *testing.B, s store.Store, fill func(b *testing.B, n int)) {
	ctx := context.Background()
	fill(b, SearchUsersCount)
	for _, c := range []struct {
		prefix string
		want   int
	}{{"", 50}, {"user05", 50}, {"user0999", 50}, {"x", 0}} {
		b.Run("prefix="+c.prefix, func(b *testing.B) {
			for b.Loop() {
				users, err := s.SearchUsers(ctx, c.prefix, "", 50)
				if err != nil || len(users) != c.want {
					b.Fatalf("prefix %q: %d users, %v; want %d", c.prefix, len(users), err, c.want)
				}
			}
		})
	}
}

// BenchAuditStats is GET /v1/stats' read: an hour's summary (AuditStats
// over 60 minutes) of a store holding records logins of that hour,
// spread evenly, half of them answered pushes with the phone's answer
// time.
func BenchAuditStats(b *testing.B, s store.Store, records int) {
	ctx := context.Background()
	from := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
	const writers = 64
	errs := make(chan error, writers)
	for w := range writers {
		go func() {
			for i := w; i < records; i += writers {
				r := store.AuditRecord{LoginID: "L", User: "u", Client: "c", Agent: "ddl", Outcome: "accept", Reason: "passcode",
					Time: from.Add(time.Duration(i) * time.Hour / time.Duration(records)), DurationMS: int64(i % 30000)}
				if i%2 == 0 {
					r.Reason, r.Provider, r.PhoneMS = "approved", "poll", int64(i%20000)+1
				}
				if err := s.AppendAudit(ctx, &r); err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for range writers {
		if err := <-errs; err != nil {
			b.Fatal(err)
		}
	}
	q := store.AuditStatsQuery{From: from, Minutes: 60, Answered: []string{"approved"}}
	b.ResetTimer()
	for b.Loop() {
		st, err := s.AuditStats(ctx, q)
		if err != nil || len(st.Outcomes) != 60 {
			b.Fatalf("AuditStats: %d outcome rows, %v", len(st.Outcomes), err)
		}
	}
}

// BenchSeenDevice is a device's last seen (SeenDevice) on one device,
// serially: "written", every call SeenInterval after the last (the row is
// written, durably); "throttled", every call at the time last written
// (the UPDATE matches no row: what a poll would cost if nothing checked
// the device's LastSeen first).
func BenchSeenDevice(b *testing.B, s store.Store) {
	ctx := context.Background()
	u := &store.User{Name: "seen-" + strings.ReplaceAll(b.Name(), "/", "-")}
	if err := s.CreateUser(ctx, u); err != nil {
		b.Fatal(err)
	}
	dev := "dev-" + u.Name
	tok := &store.Token{UserID: u.ID, Type: store.TokenSoftToken, Serial: "S-" + u.Name, Seed: []byte("s"),
		Device: &store.Device{ID: dev, PushKind: store.PushPoll, PublicKey: []byte{1}}}
	if err := s.CreateToken(ctx, tok); err != nil {
		b.Fatal(err)
	}
	at := time.Now()
	for _, c := range []struct {
		name string
		step time.Duration
	}{{"written", store.SeenInterval}, {"throttled", 0}} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				at = at.Add(c.step)
				if err := s.SeenDevice(ctx, dev, at); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
