package postgres

import (
	"errors"
	"testing"

	"github.com/pushauth/pushauth/internal/testpg"
	"github.com/pushauth/pushauth/store/storetest"
)

// The store's benchmarks (store/storetest) on PostgreSQL: a private
// server with fsync and synchronous commit on, as in production, on the
// same disk. They skip without PostgreSQL's binaries.

func BenchmarkAppendAudit(b *testing.B) { storetest.BenchAppendAudit(b, openBench(b)) }

func BenchmarkPasscodeAccept(b *testing.B) { storetest.BenchPasscodeAccept(b, openBench(b)) }

func BenchmarkTokensByUser(b *testing.B) { storetest.BenchTokensByUser(b, openBench(b)) }

func BenchmarkAuditStats100k(b *testing.B) { storetest.BenchAuditStats(b, openBench(b), 100_000) }

func BenchmarkSeenDevice(b *testing.B) { storetest.BenchSeenDevice(b, openBench(b)) }

// openBench opens a store on a fresh database of a durable private server.
func openBench(b *testing.B) *Store {
	pg, err := testpg.StartIfInstalled(b, testpg.Options{Durable: true})
	if errors.Is(err, testpg.ErrNotInstalled) {
		b.Skip(err)
	}
	if err != nil {
		b.Fatal(err)
	}
	s, err := openPostgres(b, pg.NewDatabase(b), storetest.KeySealer(b, 1))
	if err != nil {
		b.Fatal(err)
	}
	return s
}

func BenchmarkSearchUsers(b *testing.B) {
	pg, err := testpg.StartIfInstalled(b, testpg.Options{Durable: true})
	if errors.Is(err, testpg.ErrNotInstalled) {
		b.Skip(err)
	}
	if err != nil {
		b.Fatal(err)
	}
	dsn := pg.NewDatabase(b)
	s, err := openPostgres(b, dsn, storetest.KeySealer(b, 1))
	if err != nil {
		b.Fatal(err)
	}
	storetest.BenchSearchUsers(b, s, func(b *testing.B, n int) {
		fillUsers(b, dsn, n)
	})
}
