package actors

import "time"

// recentLogins remembers, for a bounded time and number, the pushes that
// finished logins had answered, so that a phone retrying an answer whose
// reply it lost is told 409 already_answered instead of 404 (SPEC S5.2).
type recentLogins struct {
	window time.Duration
	limit  int
	byID   map[string]*recentLogin
	order  []string // ids, oldest first
	head   int      // index of the oldest live entry in order
}

type recentLogin struct {
	deviceID string
	answered []string
	ended    time.Time
}

func newRecentLogins(window time.Duration, limit int) *recentLogins {
	return &recentLogins{window: window, limit: limit, byID: make(map[string]*recentLogin)}
}

// add remembers a finished login that had answered pushes.
func (r *recentLogins) add(id, deviceID string, answered []string, now time.Time) {
	if len(answered) == 0 {
		return
	}
	r.expire(now)
	if len(r.byID) >= r.limit {
		r.dropOldest()
	}
	r.byID[id] = &recentLogin{deviceID: deviceID, answered: answered, ended: now}
	r.order = append(r.order, id)
}

// status answers an Answer for a login that is no longer in flight.
func (r *recentLogins) status(a *Answer, now time.Time) AnswerStatus {
	r.expire(now)
	rl, ok := r.byID[a.LoginId]
	if !ok || rl.deviceID != a.DeviceId {
		return AnswerUnknownLogin
	}
	for _, n := range rl.answered {
		if n == a.Nonce {
			return AnswerAlreadyAnswer
		}
	}
	return AnswerUnknownLogin
}

func (r *recentLogins) expire(now time.Time) {
	for r.head < len(r.order) {
		rl, ok := r.byID[r.order[r.head]]
		if ok && now.Sub(rl.ended) < r.window {
			break
		}
		r.dropOldest()
	}
}

func (r *recentLogins) dropOldest() {
	if r.head >= len(r.order) {
		return
	}
	delete(r.byID, r.order[r.head])
	r.order[r.head] = ""
	r.head++
	if r.head > 1024 && r.head*2 > len(r.order) {
		r.order = append([]string(nil), r.order[r.head:]...)
		r.head = 0
	}
}
