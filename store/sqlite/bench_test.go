package sqlite

import (
	"database/sql"
	"testing"

	"github.com/pushauth/pushauth/store/storetest"
)

// The store's benchmarks (store/storetest) on SQLite: a data_dir file,
// synchronous=FULL.

func BenchmarkAppendAudit(b *testing.B) { storetest.BenchAppendAudit(b, openTestDB(b)) }

func BenchmarkPasscodeAccept(b *testing.B) { storetest.BenchPasscodeAccept(b, openTestDB(b)) }

func BenchmarkTokensByUser(b *testing.B) { storetest.BenchTokensByUser(b, openTestDB(b)) }

func BenchmarkSearchUsers(b *testing.B) {
	db := openTestDB(b)
	storetest.BenchSearchUsers(b, db, func(b *testing.B, n int) {
		raw, err := sql.Open("sqlite", db.path)
		if err != nil {
			b.Fatal(err)
		}
		defer raw.Close()
		if _, err := raw.Exec(`WITH RECURSIVE g(i) AS (SELECT 0 UNION ALL SELECT i+1 FROM g WHERE i+1 < ?)
			INSERT INTO users (name, created_at) SELECT printf('user%06d', i), 0 FROM g`, n); err != nil {
			b.Fatal(err)
		}
	})
}

func BenchmarkAuditStats100k(b *testing.B) { storetest.BenchAuditStats(b, openTestDB(b), 100_000) }

func BenchmarkSeenDevice(b *testing.B) { storetest.BenchSeenDevice(b, openTestDB(b)) }
