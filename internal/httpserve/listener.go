package httpserve

import (
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"

	"github.com/pushauth/pushauth/internal/connlimit"
)

// capWarnEvery rate-limits the "connection limit reached" warning.
const capWarnEvery = 10 * time.Second

// Listener is a net.Listener that holds at most a fixed number of
// connections at once: beyond it Accept waits until one closes, so excess
// clients queue in the kernel's backlog instead of using up descriptors.
type Listener struct {
	net.Listener
	slots     chan struct{}
	done      chan struct{}
	closeOnce sync.Once
	log       zerolog.Logger
	lastWarn  atomic.Int64 // unix nanoseconds
}

// Limit wraps ln so that at most max connections are open at once
// (max <= 0: DefaultMaxConns). log gets a warning when the cap is reached.
func Limit(ln net.Listener, max int, log zerolog.Logger) *Listener {
	if max <= 0 {
		max = DefaultMaxConns
	}
	return &Listener{Listener: ln, slots: make(chan struct{}, max), done: make(chan struct{}), log: log}
}

// Accept waits for a free slot, then for a connection.
func (l *Listener) Accept() (net.Conn, error) {
	if !l.acquire() {
		return nil, net.ErrClosed
	}
	c, err := l.Listener.Accept()
	if err != nil {
		l.release()
		return nil, err
	}
	return connlimit.Releasing(c, l.release), nil
}

// Close closes the listener and ends an Accept waiting for a slot.
func (l *Listener) Close() error {
	l.closeOnce.Do(func() { close(l.done) })
	return l.Listener.Close()
}

// Open is the number of connections open now.
func (l *Listener) Open() int { return len(l.slots) }

// acquire takes a slot, waiting while all are in use; false once closed.
func (l *Listener) acquire() bool {
	select {
	case l.slots <- struct{}{}:
		return true
	default:
	}
	l.warnFull()
	select {
	case l.slots <- struct{}{}:
		return true
	case <-l.done:
		return false
	}
}

func (l *Listener) release() { <-l.slots }

// warnFull logs that the cap is reached, at most once per capWarnEvery.
func (l *Listener) warnFull() {
	now := time.Now().UnixNano()
	last := l.lastWarn.Load()
	if now-last < int64(capWarnEvery) || !l.lastWarn.CompareAndSwap(last, now) {
		return
	}
	l.log.Warn().Str("listen", l.Addr().String()).Int("max_conns", cap(l.slots)).
		Msg("connection limit reached; new connections wait")
}
