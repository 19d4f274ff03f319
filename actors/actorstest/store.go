package actorstest

import (
	"context"
	"sync"
	"time"

	"github.com/pushauth/pushauth/store"
)

// Store is the part of a store that logins use (actors.Store), in memory:
// users, tokens, policies, counters and audit records. Tests lock Mu to
// read or change its maps directly; the gates let a test hold a call at
// a chosen point.
type Store struct {
	Mu          sync.Mutex
	Users       map[string]*store.User
	Tokens      map[int64][]store.Token
	Policies    map[string]*store.Policy
	Audit       []*store.AuditRecord
	Counters    map[int64]store.LoginCounter
	Consumed    map[[2]int64]bool
	Pushes      map[string][]time.Time
	Suspensions map[string]time.Time
	DevicePush  map[string]string
	Gate        chan struct{}         // when set, UserByName waits for it to close
	PushGate    chan struct{}         // when set, RecordPush waits for it to close
	OTPGate     chan struct{}         // when set, AcceptWithOTP waits for it to close before the claim
	ClaimedGate chan struct{}         // when set, AcceptWithOTP waits for it to close after the claim
	ClaimTold   chan struct{}         // when set, AcceptWithOTP closes it once it has claimed
	AcceptErr   error                 // when set, AcceptWithOTP fails with it, unclaimed
	LastAccept  *store.OTPAccept      // the last AcceptWithOTP call
	Bypass      map[int64]*BypassCode // bypass codes by id (AddBypassCode)
}

// NewStore returns an empty Store.
func NewStore() *Store {
	return &Store{
		Users: map[string]*store.User{}, Tokens: map[int64][]store.Token{}, Policies: map[string]*store.Policy{},
		Counters: map[int64]store.LoginCounter{}, Consumed: map[[2]int64]bool{}, Pushes: map[string][]time.Time{},
		Suspensions: map[string]time.Time{}, DevicePush: map[string]string{},
	}
}

func (s *Store) UserByName(ctx context.Context, name string) (*store.User, error) {
	s.Mu.Lock()
	gate := s.Gate
	s.Mu.Unlock()
	if err := waitGate(ctx, gate); err != nil {
		return nil, err
	}
	s.Mu.Lock()
	defer s.Mu.Unlock()
	u, ok := s.Users[name]
	if !ok {
		return nil, store.ErrNotFound
	}
	c := *u
	return &c, nil
}

func (s *Store) PolicyByName(_ context.Context, name string) (*store.Policy, error) {
	s.Mu.Lock()
	defer s.Mu.Unlock()
	if p, ok := s.Policies[name]; ok {
		return p, nil
	}
	return nil, store.ErrNotFound
}

func (s *Store) TokensByUser(_ context.Context, id int64) ([]store.Token, error) {
	s.Mu.Lock()
	defer s.Mu.Unlock()
	out := make([]store.Token, len(s.Tokens[id]))
	for i, t := range s.Tokens[id] {
		out[i] = t
		if t.Device != nil {
			d := *t.Device
			out[i].Device = &d
		}
	}
	return out, nil
}

// AcceptWithOTP waits for otpGate (when set), claims the accept, waits
// for claimedGate (when set), then consumes the step and keeps the record
// like the real stores.
func (s *Store) AcceptWithOTP(ctx context.Context, a *store.OTPAccept) error {
	s.Mu.Lock()
	gate, claimed, told := s.OTPGate, s.ClaimedGate, s.ClaimTold
	s.LastAccept = a
	failure := s.AcceptErr
	s.Mu.Unlock()
	if failure != nil { // e.g. a timeout while the accept waits in the queue
		return failure
	}
	if err := waitGate(ctx, gate); err != nil {
		return err
	}
	withdrawn := a.Claim != nil && !a.Claim()
	if told != nil {
		close(told)
	}
	if err := waitGate(ctx, claimed); err != nil {
		return err
	}
	s.Mu.Lock()
	defer s.Mu.Unlock()
	k := [2]int64{a.TokenID, a.Step}
	if s.Consumed[k] {
		return store.ErrOTPReused
	}
	s.Consumed[k] = true
	if withdrawn {
		return store.ErrAcceptWithdrawn
	}
	s.Audit = append(s.Audit, a.Record)
	return nil
}

// waitGate waits for gate to close; a nil gate is open.
func waitGate(ctx context.Context, gate chan struct{}) error {
	if gate == nil {
		return nil
	}
	select {
	case <-gate:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// LoginCounter reads the user's counter.
func (s *Store) LoginCounter(_ context.Context, id int64) (store.LoginCounter, error) {
	s.Mu.Lock()
	defer s.Mu.Unlock()
	return s.Counters[id], nil
}

// RecordFailure applies next to the user's counter under the store's
// lock, like the real stores' transaction.
func (s *Store) RecordFailure(_ context.Context, id int64, next store.NextCounter) (store.LoginCounter, error) {
	s.Mu.Lock()
	defer s.Mu.Unlock()
	before := s.Counters[id]
	after, err := next(before)
	if err != nil {
		return before, err
	}
	s.Counters[id] = after
	return after, nil
}

func (s *Store) ResetLoginFailures(_ context.Context, id int64) error {
	s.Mu.Lock()
	defer s.Mu.Unlock()
	s.Counters[id] = store.LoginCounter{}
	return nil
}

func (s *Store) UpdateDevicePush(_ context.Context, deviceID, _, reason string) error {
	s.Mu.Lock()
	defer s.Mu.Unlock()
	s.DevicePush[deviceID] = reason
	return nil
}

func (s *Store) AppendAudit(_ context.Context, r *store.AuditRecord) error {
	s.Mu.Lock()
	defer s.Mu.Unlock()
	s.Audit = append(s.Audit, r)
	return nil
}

func (s *Store) RecordPush(ctx context.Context, user string, at time.Time) error {
	s.Mu.Lock()
	gate := s.PushGate
	s.Mu.Unlock()
	if err := waitGate(ctx, gate); err != nil {
		return err
	}
	s.Mu.Lock()
	defer s.Mu.Unlock()
	s.Pushes[user] = append(s.Pushes[user], at)
	return nil
}

func (s *Store) PushesSince(_ context.Context, user string, since time.Time) (int, error) {
	s.Mu.Lock()
	defer s.Mu.Unlock()
	n := 0
	for _, at := range s.Pushes[user] {
		if !at.Before(since) {
			n++
		}
	}
	return n, nil
}

func (s *Store) SuspendPush(_ context.Context, user string, until time.Time, _ string) error {
	s.Mu.Lock()
	defer s.Mu.Unlock()
	s.Suspensions[user] = until
	return nil
}

func (s *Store) PushSuspension(_ context.Context, user string) (time.Time, string, error) {
	s.Mu.Lock()
	defer s.Mu.Unlock()
	return s.Suspensions[user], "", nil
}

// AuditRecords returns a copy of the audit records so far, in order.
func (s *Store) AuditRecords() []*store.AuditRecord {
	s.Mu.Lock()
	defer s.Mu.Unlock()
	return append([]*store.AuditRecord(nil), s.Audit...)
}

// FailuresOf is the failure count of user id.
func (s *Store) FailuresOf(id int64) int {
	s.Mu.Lock()
	defer s.Mu.Unlock()
	return s.Counters[id].Failures
}
