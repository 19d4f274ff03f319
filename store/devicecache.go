package store

import (
	"context"
	"sync"
	"time"
)

// DeviceCacheSize bounds the devices CacheDevices remembers; past it the
// cache starts over (a fleet larger than this costs one read per request
// again, never a wrong answer).
const DeviceCacheSize = 1 << 20

// CacheDevices wraps s so that DeviceByID, read on every signed device
// request (a poll and an answer per push login), is served from memory.
// Every call that can remove or change a device (DeleteUser, DeleteToken,
// Activate, UpdateDevicePush) goes through the wrapper and empties the
// cache before it returns, so a removed phone is refused at once.
//
// Use it only when this process is the store's only writer (SQLite in
// data_dir): a change made by another process would not be seen. The
// token fields that logins change (LastStep) may be stale in what
// DeviceByID returns: it identifies a device and its key, nothing more.
func CacheDevices(s Store) Store {
	return &deviceCache{Store: s, devices: make(map[string]*Token)}
}

type deviceCache struct {
	Store
	mu      sync.RWMutex
	gen     uint64 // bumped by every invalidation
	devices map[string]*Token
}

// DeviceByID returns a copy of the cached token, reading the store on a
// miss. A read that raced with an invalidation is not cached.
func (c *deviceCache) DeviceByID(ctx context.Context, id string) (*Token, error) {
	c.mu.RLock()
	t, ok := c.devices[id]
	gen := c.gen
	c.mu.RUnlock()
	if ok {
		return cloneToken(t), nil
	}
	t, err := c.Store.DeviceByID(ctx, id)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.gen == gen {
		if len(c.devices) >= DeviceCacheSize {
			clear(c.devices)
		}
		c.devices[id] = cloneToken(t)
	}
	c.mu.Unlock()
	return t, nil
}

// cloneToken copies t and its device, so callers cannot change the cache.
func cloneToken(t *Token) *Token {
	c := *t
	if t.Device != nil {
		d := *t.Device
		c.Device = &d
	}
	return &c
}

// invalidate forgets every cached device. It runs after the change, so a
// read that started before it cannot put the old device back (gen).
func (c *deviceCache) invalidate() {
	c.mu.Lock()
	c.gen++
	clear(c.devices)
	c.mu.Unlock()
}

func (c *deviceCache) DeleteUser(ctx context.Context, name string) error {
	defer c.invalidate()
	return c.Store.DeleteUser(ctx, name)
}

func (c *deviceCache) DeleteToken(ctx context.Context, serial string) error {
	defer c.invalidate()
	return c.Store.DeleteToken(ctx, serial)
}

func (c *deviceCache) Activate(ctx context.Context, codeHash []byte, d *Device, now time.Time) (*Token, error) {
	defer c.invalidate()
	return c.Store.Activate(ctx, codeHash, d, now)
}

func (c *deviceCache) UpdateDevicePush(ctx context.Context, deviceID, pushToken, disabledReason string) error {
	defer c.invalidate()
	return c.Store.UpdateDevicePush(ctx, deviceID, pushToken, disabledReason)
}
