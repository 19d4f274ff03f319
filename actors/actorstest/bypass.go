package actorstest

import (
	"context"
	"time"

	"github.com/pushauth/pushauth/store"
)

// BypassCode is a bypass code in the fake store: kept in plain here, as a
// test's fixture; the real stores keep a keyed hash.
type BypassCode struct {
	UserID    int64
	Code      string
	UsesLeft  int
	ExpiresAt time.Time
}

// AddBypassCode stores a code for userID and returns its id.
func (s *Store) AddBypassCode(userID int64, code string, uses int, expires time.Time) int64 {
	s.Mu.Lock()
	defer s.Mu.Unlock()
	if s.Bypass == nil {
		s.Bypass = map[int64]*BypassCode{}
	}
	id := int64(len(s.Bypass) + 1)
	s.Bypass[id] = &BypassCode{UserID: userID, Code: code, UsesLeft: uses, ExpiresAt: expires}
	return id
}

// MatchBypassCode finds a usable code like the real stores.
func (s *Store) MatchBypassCode(_ context.Context, userID int64, code string, now time.Time) (int64, error) {
	s.Mu.Lock()
	defer s.Mu.Unlock()
	for id, c := range s.Bypass {
		if c.UserID == userID && c.Code == code && c.UsesLeft > 0 && now.Before(c.ExpiresAt) {
			return id, nil
		}
	}
	return 0, store.ErrNotFound
}

// AcceptWithBypass takes one use and keeps the record like the real stores.
func (s *Store) AcceptWithBypass(_ context.Context, a *store.BypassAccept) error {
	s.Mu.Lock()
	defer s.Mu.Unlock()
	c := s.Bypass[a.CodeID]
	if c == nil || c.UsesLeft <= 0 || !a.Now.Before(c.ExpiresAt) {
		return store.ErrBypassUsed
	}
	c.UsesLeft--
	if a.Claim != nil && !a.Claim() {
		return store.ErrAcceptWithdrawn
	}
	s.Audit = append(s.Audit, a.Record)
	return nil
}
