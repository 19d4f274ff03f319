package radius

import (
	"net/netip"
	"sync"
	"time"
)

// maxDropLogKeys bounds the senders the drop log tracks at once; drops from
// further unknown senders are counted together (see dropLimiter.note).
const maxDropLogKeys = 1024

// dropKey groups dropped requests for the log: by client name, or by
// source address for senders that are no client, and by reason. A key with
// neither client nor address stands for the senders beyond maxDropLogKeys.
type dropKey struct {
	client string     // client name; "" for an unknown sender
	src    netip.Addr // an unknown sender's address
	reason string
}

// dropWindow counts the drops of one key since its first unreported one.
type dropWindow struct {
	start time.Time
	count int
}

// dropReport is one log line: how many requests of key were dropped.
type dropReport struct {
	key   dropKey
	count int
}

// dropLimiter turns per-packet drops into at most one report per key per
// interval, so that operators see why a NAS gets no answer without debug
// logs and without a line per packet. A key's window opens with its first
// drop and is reported, with every drop counted in it, once interval has
// passed. Times are passed in (the clock is the caller's), so tests need
// no sleeps.
type dropLimiter struct {
	interval time.Duration
	maxKeys  int

	mu      sync.Mutex
	windows map[dropKey]*dropWindow
}

func newDropLimiter(interval time.Duration, maxKeys int) *dropLimiter {
	return &dropLimiter{interval: interval, maxKeys: maxKeys, windows: make(map[dropKey]*dropWindow)}
}

// note counts one drop for k at now. Once maxKeys keys are open, a new key
// is counted under the shared key of its reason.
func (l *dropLimiter) note(k dropKey, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	w, ok := l.windows[k]
	if !ok && len(l.windows) >= l.maxKeys {
		k = dropKey{reason: k.reason}
		w, ok = l.windows[k]
	}
	if !ok {
		w = &dropWindow{start: now}
		l.windows[k] = w
	}
	w.count++
}

// due returns and closes the windows that have lasted interval by now.
func (l *dropLimiter) due(now time.Time) []dropReport {
	return l.take(func(w *dropWindow) bool { return now.Sub(w.start) >= l.interval })
}

// drain returns and closes every window, for a server that stops.
func (l *dropLimiter) drain() []dropReport {
	return l.take(func(*dropWindow) bool { return true })
}

func (l *dropLimiter) take(ready func(*dropWindow) bool) []dropReport {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []dropReport
	for k, w := range l.windows {
		if ready(w) {
			out = append(out, dropReport{key: k, count: w.count})
			delete(l.windows, k)
		}
	}
	return out
}

// logDrops writes an info line for each drop window due at now.
func (s *Server) logDrops(now time.Time) {
	s.writeDropReports(s.drops.due(now))
}

// writeDropReports writes one info line per report. It names the client,
// or the sender's address for unknown senders, never packet contents.
func (s *Server) writeDropReports(reports []dropReport) {
	for _, r := range reports {
		e := s.log.Info()
		switch {
		case r.key.client != "":
			e = e.Str("client", r.key.client)
		case r.key.src.IsValid():
			e = e.Stringer("src", r.key.src)
		default:
			e = e.Str("src", "others")
		}
		e.Str("reason", r.key.reason).Int("count", r.count).Dur("interval", s.opts.DropLogInterval).
			Msg("dropped RADIUS requests")
	}
}
