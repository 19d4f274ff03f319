package store

import (
	"context"
	"testing"
	"time"
)

// BenchmarkAppendAudit is one finished login's durable audit write, with
// 64 logins finishing at once per CPU (as on a busy server).
func BenchmarkAppendAudit(b *testing.B) {
	db := openTestDB(b)
	ctx := context.Background()
	rec := AuditRecord{LoginID: "L", User: "u", Client: "c", Agent: "ddl", Outcome: "accept", Reason: "approved", Time: time.Now()}
	b.SetParallelism(64)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			r := rec
			if err := db.AppendAudit(ctx, &r); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkTokensByUser is the read every login makes.
func BenchmarkTokensByUser(b *testing.B) {
	db := openTestDB(b)
	ctx := context.Background()
	u := &User{Name: "bench"}
	if err := db.CreateUser(ctx, u); err != nil {
		b.Fatal(err)
	}
	if err := db.CreateToken(ctx, &Token{UserID: u.ID, Type: TokenOATH, Serial: "B", Seed: []byte("12345678901234567890")}); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := db.TokensByUser(ctx, u.ID); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
