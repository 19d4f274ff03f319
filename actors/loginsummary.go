package actors

import (
	"cmp"
	"container/heap"
	"context"
	"fmt"
	"slices"
)

// LoginSummary is this node's logins in flight for operators: how many,
// in all and in each state, and the oldest of them.
type LoginSummary struct {
	Total  int
	States map[string]int
	// Oldest are the oldest logins, oldest first: at most the limit asked
	// for, every login when the limit was negative.
	Oldest []LoginInfo
}

// summarizeLogins asks the owner for a LoginSummary with the limit oldest
// logins (request future; negative: every login).
type summarizeLogins struct{ limit int }

// LoginSummary counts the logins in flight by state and lists the limit
// oldest, oldest first (limit < 0: every login; 0: the counts alone). The
// owner keeps only the limit oldest while it counts, so a bounded summary
// of 100,000 logins copies no more than limit of them.
func (s *System) LoginSummary(ctx context.Context, limit int) (LoginSummary, error) {
	res, err := s.request(ctx, s.owner, &summarizeLogins{limit: limit})
	if err != nil {
		return LoginSummary{}, err
	}
	sum, ok := res.(*LoginSummary)
	if !ok {
		return LoginSummary{}, fmt.Errorf("summarize logins: unexpected %T", res)
	}
	slices.SortFunc(sum.Oldest, compareAge)
	return *sum, nil
}

// summary counts the owner's logins and keeps the limit oldest, unsorted
// (the caller sorts them off the owner's mailbox).
func (o *owner) summary(limit int) *LoginSummary {
	sum := &LoginSummary{Total: len(o.logins), States: map[string]int{}}
	if limit < 0 || limit >= len(o.logins) {
		sum.Oldest = make([]LoginInfo, 0, len(o.logins))
	} else {
		sum.Oldest = make([]LoginInfo, 0, limit)
	}
	youngestFirst := (*newestOnTop)(&sum.Oldest)
	for _, l := range o.logins {
		sum.States[l.info.State]++
		switch {
		case limit < 0:
			sum.Oldest = append(sum.Oldest, l.info)
		case len(sum.Oldest) < limit:
			heap.Push(youngestFirst, l.info)
		case limit > 0 && compareAge(l.info, sum.Oldest[0]) < 0:
			sum.Oldest[0] = l.info
			heap.Fix(youngestFirst, 0)
		}
	}
	return sum
}

// compareAge orders logins oldest first (by id among those started at
// the same instant, so that every node orders them alike).
func compareAge(a, b LoginInfo) int {
	return cmp.Or(a.Started.Compare(b.Started), cmp.Compare(a.ID, b.ID))
}

// newestOnTop is a heap of logins whose root is the newest: the one a
// bounded summary drops first when it meets an older login.
type newestOnTop []LoginInfo

func (h newestOnTop) Len() int           { return len(h) }
func (h newestOnTop) Less(i, j int) bool { return compareAge(h[i], h[j]) > 0 }
func (h newestOnTop) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *newestOnTop) Push(x any)        { *h = append(*h, x.(LoginInfo)) }
func (h *newestOnTop) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
