package eapconv

import "sync/atomic"

// The node's EAP conversations are bounded by memory, not only by count
// (issue 18: 65,536 conversations each holding a partly reassembled 64 KiB
// TLS message were about 7 GiB).
//
// Each conversation is charged what it holds by estimate (its
// eap.Session's MemoryEstimate, at least the Session's MemoryReserve while
// its handshake runs, plus the actor's own overhead) against one budget
// per node, Config.MaxMemory. The keeper charges a new conversation
// the reserve of a whole ordinary handshake before starting it and refuses
// it when that does not fit (reason "memory"); a running conversation
// that grows beyond its reserve (a peer sending oversized TLS messages)
// takes the growth from the budget and is ended with EAP-Failure when
// the budget has no room for it (reason "memory-growth"). An ordinary
// conversation therefore never fails once admitted, and the estimates
// charged stay under the budget.

// Reasons a conversation is refused, the label of
// pushauth_eap_conversations_refused_total (metrics.go).
const (
	eapRefusedCount        = "count"         // MaxConversations reached
	eapRefusedMemory       = "memory"        // a new conversation's reserve does not fit
	eapRefusedMemoryGrowth = "memory-growth" // a running conversation grew beyond the budget
)

// eapConvOverhead is what a conversation holds beside its eap.Session:
// the actor's process and mailbox, the eapConv and its timer (measured by
// TestEAPMemoryBudgetBoundsMeasured, with room to spare).
const eapConvOverhead = 6 << 10

// eapBudget is the memory budget of the node's EAP conversations. The
// keeper charges new conversations and the conversations adjust their
// own charge, from their actors' goroutines: hence atomics.
type eapBudget struct {
	limit   int64
	used    atomic.Int64
	metrics *Metrics
}

// take charges n bytes if they fit under the limit.
func (b *eapBudget) take(n int64) bool {
	for {
		used := b.used.Load()
		if used+n > b.limit {
			return false
		}
		if b.used.CompareAndSwap(used, used+n) {
			b.metrics.memory(n)
			return true
		}
	}
}

// add charges n bytes whatever the limit; a negative n gives them back.
func (b *eapBudget) add(n int64) {
	b.used.Add(n)
	b.metrics.memory(n)
}
