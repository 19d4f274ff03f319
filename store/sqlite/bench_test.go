package sqlite

import (
	"testing"

	"github.com/pushauth/pushauth/store/storetest"
)

// The store's benchmarks (store/storetest) on SQLite: a data_dir file,
// synchronous=FULL.

func BenchmarkAppendAudit(b *testing.B) { storetest.BenchAppendAudit(b, openTestDB(b)) }

func BenchmarkPasscodeAccept(b *testing.B) { storetest.BenchPasscodeAccept(b, openTestDB(b)) }

func BenchmarkTokensByUser(b *testing.B) { storetest.BenchTokensByUser(b, openTestDB(b)) }

func BenchmarkAuditStats100k(b *testing.B) { storetest.BenchAuditStats(b, openTestDB(b), 100_000) }
