package webpush

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/pushauth/pushauth/providers"
)

const (
	// maxRetryAfter bounds how long a push service may ask to wait.
	maxRetryAfter = 10 * time.Minute
	// defaultRetryAfter is the wait after a 429 without a usable
	// Retry-After.
	defaultRetryAfter = time.Second
	// maxBackoffHosts bounds the hosts remembered.
	maxBackoffHosts = 1024
)

// backoff remembers, per push service host, until when it asked not to be
// sent to (429 with Retry-After).
type backoff struct {
	mu    sync.Mutex
	until map[string]time.Time
}

// set notes that host wants no pushes until now+wait.
func (b *backoff) set(host string, wait time.Duration, now time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.until == nil {
		b.until = map[string]time.Time{}
	}
	if len(b.until) >= maxBackoffHosts {
		for h, t := range b.until {
			if !t.After(now) {
				delete(b.until, h)
			}
		}
	}
	if len(b.until) < maxBackoffHosts {
		b.until[host] = now.Add(min(wait, maxRetryAfter))
	}
}

// wait returns once host may be sent to: at once, or after the wait it
// asked for when ctx's deadline allows it; otherwise a temporary error.
func (b *backoff) wait(ctx context.Context, host string, now time.Time) error {
	b.mu.Lock()
	until, ok := b.until[host]
	b.mu.Unlock()
	if !ok || !until.After(now) {
		return nil
	}
	if d, ok := ctx.Deadline(); ok && d.Before(until) {
		return fmt.Errorf("webpush: the push service asked to wait until %s: %w",
			until.UTC().Format(time.RFC3339), providers.ErrTemporary)
	}
	t := time.NewTimer(until.Sub(now))
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("webpush: %w: %w", providers.ErrTemporary, ctx.Err())
	}
}

// retryAfter reads a Retry-After header: seconds or an HTTP date.
func retryAfter(v string, now time.Time) time.Duration {
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return defaultRetryAfter
}
