package radius

import (
	"hash/maphash"
	"net/netip"
	"sync"
	"time"
)

// cacheKey identifies a request for RFC 5080 duplicate detection: a
// retransmission has the same source address and port, identifier and
// request authenticator.
type cacheKey struct {
	src  netip.AddrPort
	id   byte
	auth [16]byte
}

// cacheEntry is one request: in processing (reply == nil) or answered.
type cacheEntry struct {
	reply   []byte
	expires time.Time // zero while in processing
	started time.Time
	req     *Request // the request in processing; nil once answered
}

const cacheShards = 64

// replyCache remembers requests in processing and replies sent, so that a
// duplicate is either ignored (still processing) or answered with the
// identical bytes (already answered) for ttl after the reply.
type replyCache struct {
	ttl    time.Duration
	seed   maphash.Seed
	shards [cacheShards]cacheShard
}

type cacheShard struct {
	mu      sync.Mutex
	entries map[cacheKey]*cacheEntry
}

func newReplyCache(ttl time.Duration) *replyCache {
	c := &replyCache{ttl: ttl, seed: maphash.MakeSeed()}
	for i := range c.shards {
		c.shards[i].entries = make(map[cacheKey]*cacheEntry)
	}
	return c
}

func (c *replyCache) shard(k cacheKey) *cacheShard {
	var h maphash.Hash
	h.SetSeed(c.seed)
	a := k.src.Addr().As16()
	h.Write(a[:])
	h.WriteByte(k.id)
	h.Write(k.auth[:])
	return &c.shards[h.Sum64()%cacheShards]
}

// begin registers req as the new request k. It returns (nil, true) for a
// new request, (reply, false) for a duplicate of an answered one and
// (nil, false) for a duplicate of one still in processing.
func (c *replyCache) begin(k cacheKey, req *Request, now time.Time) ([]byte, bool) {
	s := c.shard(k)
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok := s.entries[k]; ok && (e.reply == nil || now.Before(e.expires)) {
		return e.reply, false
	}
	s.entries[k] = &cacheEntry{started: now, req: req}
	return nil, true
}

// finish stores the reply sent for k, if k is still req's: a request the
// sweep forgot may have been followed by a retransmission under the same key.
func (c *replyCache) finish(k cacheKey, req *Request, reply []byte, now time.Time) {
	s := c.shard(k)
	s.mu.Lock()
	if e, ok := s.entries[k]; ok && e.req == req {
		s.entries[k] = &cacheEntry{reply: reply, expires: now.Add(c.ttl)}
	}
	s.mu.Unlock()
}

// forget drops k if it is still req's, so that a retransmission is
// processed as new.
func (c *replyCache) forget(k cacheKey, req *Request) {
	s := c.shard(k)
	s.mu.Lock()
	if e, ok := s.entries[k]; ok && e.req == req {
		delete(s.entries, k)
	}
	s.mu.Unlock()
}

// sweep removes expired replies and requests stuck in processing for longer
// than maxProcessing (a handler that never replied). It returns how many
// stuck requests it abandoned (see Request.abandon); each held an in-flight
// slot that the caller must release.
func (c *replyCache) sweep(now time.Time, maxProcessing time.Duration) (abandoned int) {
	for i := range c.shards {
		abandoned += c.shards[i].sweep(now, maxProcessing)
	}
	return abandoned
}

func (s *cacheShard) sweep(now time.Time, maxProcessing time.Duration) (abandoned int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, e := range s.entries {
		switch {
		case e.reply != nil && !now.Before(e.expires):
			delete(s.entries, k)
		case e.reply == nil && now.Sub(e.started) > maxProcessing && e.req.abandon():
			delete(s.entries, k)
			abandoned++
		}
	}
	return abandoned
}

// len counts entries (for tests and metrics).
func (c *replyCache) len() int {
	n := 0
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.Lock()
		n += len(s.entries)
		s.mu.Unlock()
	}
	return n
}
