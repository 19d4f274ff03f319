package store

import (
	"context"
	"crypto/sha256"
	"testing"
	"time"
)

// TestPendingActivation: a code is shown while usable and never consumed
// by looking; used, expired and unknown codes are ErrActivation.
func TestPendingActivation(t *testing.T) {
	for name, start := range map[string]func(testing.TB) backend{"sqlite": sqliteBackend, "postgres": postgresBackend} {
		t.Run(name, func(t *testing.T) {
			db := start(t)(t)
			ctx := context.Background()
			p := CacheReads(db.Store) // what pushauthd uses with SQLite
			tok := mustToken(t, db, mustUser(t, db, "ann").ID, "S1")
			now := time.Now()
			code := sha256.Sum256([]byte("code"))
			exp := now.Add(time.Minute)
			if err := db.CreateActivation(ctx, &Activation{CodeHash: code[:], TokenID: tok.ID, ExpiresAt: exp}); err != nil {
				t.Fatal(err)
			}
			a, err := p.PendingActivation(ctx, code[:], now)
			if err != nil || a.TokenID != tok.ID || !a.ExpiresAt.Equal(exp) {
				t.Fatalf("PendingActivation = %+v, %v", a, err)
			}
			_, err = p.PendingActivation(ctx, code[:], exp)
			wantErr(t, err, ErrActivation)
			unknown := sha256.Sum256([]byte("other"))
			_, err = p.PendingActivation(ctx, unknown[:], now)
			wantErr(t, err, ErrActivation)
			if _, err := db.Activate(ctx, code[:], &Device{ID: "d"}, now); err != nil {
				t.Fatalf("looking consumed the code: %v", err)
			}
			_, err = p.PendingActivation(ctx, code[:], now)
			wantErr(t, err, ErrActivation)
		})
	}
}
