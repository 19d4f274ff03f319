package store

import (
	"context"
	"sync"
	"time"
)

// ReadCacheSize bounds the entries of each of CacheReads' maps; past it a
// map starts over (a miss costs one read, never a wrong answer).
const ReadCacheSize = 1 << 20

// CacheReads wraps s so that the rows read again and again are served
// from memory: the device of every signed device request (a poll and an
// answer per push login) and the policy of every login. Users and their
// tokens are not cached: a user logs in a few times a day, so a cache of
// them would mostly hold memory (and a busy benchmark's few users would
// flatter it). Every write that can change a user, a token, a device or a
// policy goes through the wrapper and empties the whole cache when it
// returns, so a removed phone or a changed policy counts at once; only a
// device's last seen (SeenDevice) is brought forward in its entry. The
// writes a login makes (audit records, push records, suspensions, failure
// counters, used OTP steps) and activation codes leave the cache alone.
//
// Use it only when this process is the store's only writer (SQLite in
// data_dir): a change made by another process would not be seen.
//
// The wrapper forwards every Store method by hand rather than embedding
// s: a method added to Store does not compile here until someone decides
// whether it invalidates.
func CacheReads(s Store) Store {
	c := &readCache{next: s}
	c.reset()
	return c
}

type readCache struct {
	next Store

	mu       sync.RWMutex
	gen      uint64 // bumped by every invalidation
	policies map[string]*Policy
	devices  map[string]*Token
}

func (c *readCache) reset() {
	c.policies = make(map[string]*Policy)
	c.devices = make(map[string]*Token)
}

// invalidate forgets everything. It runs after the change, so a read that
// started before it cannot put the old row back (gen).
func (c *readCache) invalidate() {
	c.mu.Lock()
	c.gen++
	c.reset()
	c.mu.Unlock()
}

// cached serves key from m, or reads it with load and keeps a copy unless
// an invalidation came in between. Errors (ErrNotFound included) are not
// cached. copyOf keeps the cache's value apart from the callers'.
func cached[K comparable, V any](c *readCache, m func() map[K]V, key K, load func() (V, error), copyOf func(V) V) (V, error) {
	c.mu.RLock()
	v, ok := m()[key]
	gen := c.gen
	c.mu.RUnlock()
	if ok {
		return copyOf(v), nil
	}
	v, err := load()
	if err != nil {
		return v, err
	}
	c.mu.Lock()
	if c.gen == gen {
		mm := m()
		if len(mm) >= ReadCacheSize {
			clear(mm)
		}
		mm[key] = copyOf(v)
	}
	c.mu.Unlock()
	return v, nil
}

// The cached reads.

func (c *readCache) PolicyByName(ctx context.Context, name string) (*Policy, error) {
	return cached(c, func() map[string]*Policy { return c.policies }, name,
		func() (*Policy, error) { return c.next.PolicyByName(ctx, name) }, clonePolicy)
}

func (c *readCache) DeviceByID(ctx context.Context, id string) (*Token, error) {
	return cached(c, func() map[string]*Token { return c.devices }, id,
		func() (*Token, error) { return c.next.DeviceByID(ctx, id) }, cloneToken)
}

func clonePolicy(p *Policy) *Policy {
	c := *p
	return &c
}

// cloneToken copies t, its seed and its device.
func cloneToken(t *Token) *Token {
	c := *t
	c.Seed = append([]byte(nil), t.Seed...)
	if t.Device != nil {
		d := *t.Device
		d.PublicKey = append([]byte(nil), t.Device.PublicKey...)
		c.Device = &d
	}
	return &c
}

// Reads that are not cached.

func (c *readCache) UserByName(ctx context.Context, name string) (*User, error) {
	return c.next.UserByName(ctx, name)
}

func (c *readCache) UserWithTokens(ctx context.Context, name string) (*User, []Token, error) {
	return c.next.UserWithTokens(ctx, name)
}

func (c *readCache) TokensByUser(ctx context.Context, userID int64) ([]Token, error) {
	return c.next.TokensByUser(ctx, userID)
}

func (c *readCache) ListUsers(ctx context.Context) ([]User, error) { return c.next.ListUsers(ctx) }

func (c *readCache) SearchUsers(ctx context.Context, prefix, after string, limit int) ([]User, error) {
	return c.next.SearchUsers(ctx, prefix, after, limit)
}

func (c *readCache) UserByDirectoryID(ctx context.Context, directoryID string) (*User, error) {
	return c.next.UserByDirectoryID(ctx, directoryID)
}

func (c *readCache) TokenBySerial(ctx context.Context, serial string) (*Token, error) {
	return c.next.TokenBySerial(ctx, serial)
}

func (c *readCache) PendingActivation(ctx context.Context, codeHash []byte, now time.Time) (*Activation, error) {
	return c.next.PendingActivation(ctx, codeHash, now)
}

func (c *readCache) ListPolicies(ctx context.Context) ([]Policy, error) {
	return c.next.ListPolicies(ctx)
}

func (c *readCache) ListAudit(ctx context.Context, q AuditQuery) ([]AuditRecord, error) {
	return c.next.ListAudit(ctx, q)
}

func (c *readCache) PushSuspension(ctx context.Context, user string) (time.Time, string, error) {
	return c.next.PushSuspension(ctx, user)
}

func (c *readCache) PushesSince(ctx context.Context, user string, since time.Time) (int, error) {
	return c.next.PushesSince(ctx, user, since)
}

// Writes that leave devices and policies as they are. The counters that
// logins change (a user's failures and lock, a token's last OTP step) are
// in rows this cache does not hold; the LastStep of a token DeviceByID
// returns may be stale, and nothing that asks for a device reads it.

// LoginCounter is never cached: the lockout needs it as it is now.
func (c *readCache) LoginCounter(ctx context.Context, userID int64) (LoginCounter, error) {
	return c.next.LoginCounter(ctx, userID)
}

func (c *readCache) RecordFailure(ctx context.Context, userID int64, next NextCounter) (LoginCounter, error) {
	return c.next.RecordFailure(ctx, userID, next)
}

func (c *readCache) ResetLoginFailures(ctx context.Context, userID int64) error {
	return c.next.ResetLoginFailures(ctx, userID)
}

func (c *readCache) AcceptWithOTP(ctx context.Context, a *OTPAccept) error {
	return c.next.AcceptWithOTP(ctx, a)
}

func (c *readCache) AppendAudit(ctx context.Context, r *AuditRecord) error {
	return c.next.AppendAudit(ctx, r)
}

func (c *readCache) RecordPush(ctx context.Context, user string, at time.Time) error {
	return c.next.RecordPush(ctx, user, at)
}

func (c *readCache) SuspendPush(ctx context.Context, user string, until time.Time, reason string) error {
	return c.next.SuspendPush(ctx, user, until, reason)
}

func (c *readCache) CreateActivation(ctx context.Context, a *Activation) error {
	return c.next.CreateActivation(ctx, a)
}

func (c *readCache) Close() error { return c.next.Close() }

// Writes that change what the cache holds: each empties it when done.

func (c *readCache) CreateUser(ctx context.Context, u *User) error {
	defer c.invalidate()
	return c.next.CreateUser(ctx, u)
}

func (c *readCache) DeleteUser(ctx context.Context, name string) error {
	defer c.invalidate()
	return c.next.DeleteUser(ctx, name)
}

func (c *readCache) SetPassword(ctx context.Context, name, hash string) error {
	defer c.invalidate()
	return c.next.SetPassword(ctx, name, hash)
}

func (c *readCache) SetUserPolicy(ctx context.Context, name, policy string) error {
	defer c.invalidate()
	return c.next.SetUserPolicy(ctx, name, policy)
}

func (c *readCache) SetDirectoryID(ctx context.Context, name, directoryID string) error {
	defer c.invalidate()
	return c.next.SetDirectoryID(ctx, name, directoryID)
}

func (c *readCache) RenameUser(ctx context.Context, oldName, newName string) error {
	defer c.invalidate()
	return c.next.RenameUser(ctx, oldName, newName)
}

func (c *readCache) CreateToken(ctx context.Context, t *Token) error {
	defer c.invalidate()
	return c.next.CreateToken(ctx, t)
}

func (c *readCache) DeleteToken(ctx context.Context, serial string) error {
	defer c.invalidate()
	return c.next.DeleteToken(ctx, serial)
}

func (c *readCache) Activate(ctx context.Context, codeHash []byte, d *Device, now time.Time) (*Token, error) {
	defer c.invalidate()
	return c.next.Activate(ctx, codeHash, d, now)
}

func (c *readCache) UpdateDevicePush(ctx context.Context, deviceID, pushToken, disabledReason string) error {
	defer c.invalidate()
	return c.next.UpdateDevicePush(ctx, deviceID, pushToken, disabledReason)
}

func (c *readCache) DeleteDevice(ctx context.Context, deviceID string) error {
	defer c.invalidate()
	return c.next.DeleteDevice(ctx, deviceID)
}

// SeenDevice writes, then brings the cached device's LastSeen forward by
// the store's own rule (SeenDue) instead of emptying the cache: a device
// seen must not cost every other device its cached row. The entry is
// replaced, never changed in place (readers copy it outside the lock),
// and gen is bumped so that a read in flight does not cache the row as it
// was before the write. So, with this process the only writer, a cached
// device's LastSeen is the stored one.
func (c *readCache) SeenDevice(ctx context.Context, deviceID string, at time.Time) error {
	if err := c.next.SeenDevice(ctx, deviceID, at); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	if t, ok := c.devices[deviceID]; ok && t.Device != nil && SeenDue(t.Device.LastSeen, at) {
		seen := cloneToken(t)
		seen.Device.LastSeen = at
		c.devices[deviceID] = seen
	}
	return nil
}

func (c *readCache) PutPolicy(ctx context.Context, p *Policy) error {
	defer c.invalidate()
	return c.next.PutPolicy(ctx, p)
}

// The helpdesk's rows (bypass codes, admin tokens) are not cached: an
// admin token is read on every admin call so that a revoke holds at once.

func (c *readCache) CreateBypassCode(ctx context.Context, b *BypassCode) error {
	return c.next.CreateBypassCode(ctx, b)
}

func (c *readCache) BypassCodes(ctx context.Context, userID int64, now time.Time) ([]BypassCode, error) {
	return c.next.BypassCodes(ctx, userID, now)
}

func (c *readCache) RevokeBypassCode(ctx context.Context, userID, id int64) error {
	return c.next.RevokeBypassCode(ctx, userID, id)
}

func (c *readCache) MatchBypassCode(ctx context.Context, userID int64, code string, now time.Time) (int64, error) {
	return c.next.MatchBypassCode(ctx, userID, code, now)
}

func (c *readCache) AcceptWithBypass(ctx context.Context, a *BypassAccept) error {
	return c.next.AcceptWithBypass(ctx, a)
}

func (c *readCache) CreateAdminToken(ctx context.Context, t *AdminToken) error {
	return c.next.CreateAdminToken(ctx, t)
}

func (c *readCache) AdminTokenByHash(ctx context.Context, hash []byte) (*AdminToken, error) {
	return c.next.AdminTokenByHash(ctx, hash)
}

func (c *readCache) ListAdminTokens(ctx context.Context) ([]AdminToken, error) {
	return c.next.ListAdminTokens(ctx)
}

func (c *readCache) DeleteAdminToken(ctx context.Context, name string) error {
	return c.next.DeleteAdminToken(ctx, name)
}

// Enrolment links and windows are not cached.

func (c *readCache) CreateEnrollLink(ctx context.Context, l *EnrollLink, now time.Time) error {
	return c.next.CreateEnrollLink(ctx, l, now)
}

func (c *readCache) UseEnrollLink(ctx context.Context, codeHash []byte, now time.Time) (*EnrollLink, error) {
	return c.next.UseEnrollLink(ctx, codeHash, now)
}

func (c *readCache) SetEnrollWindow(ctx context.Context, w EnrollWindow) error {
	return c.next.SetEnrollWindow(ctx, w)
}

func (c *readCache) EnrollWindows(ctx context.Context, now time.Time) ([]EnrollWindow, error) {
	return c.next.EnrollWindows(ctx, now)
}

func (c *readCache) AuditUsers(ctx context.Context, q AuditQuery) ([]AuditUser, error) {
	return c.next.AuditUsers(ctx, q)
}

func (c *readCache) AuditStats(ctx context.Context, q AuditStatsQuery) (*AuditStats, error) {
	return c.next.AuditStats(ctx, q)
}
