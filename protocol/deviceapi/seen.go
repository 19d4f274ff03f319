package deviceapi

import (
	"context"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/pushauth/pushauth/store"
)

// Bounds of a SeenRecorder.
const (
	// DefaultSeenQueue is how many sights may wait for their write; one
	// more is dropped (the device is seen again at its next request).
	DefaultSeenQueue = 1024
	// seenWriteTimeout bounds one write of a last seen.
	seenWriteTimeout = 5 * time.Second
)

// DeviceSeer is the store's method a SeenRecorder writes with.
type DeviceSeer interface {
	SeenDevice(ctx context.Context, deviceID string, at time.Time) error
}

// SeenRecorder writes devices' last seen (store.SeenDevice) off the
// request path: Seen only queues, one worker writes, and a full queue
// drops the sight rather than wait, so recording a device as seen never
// fails or slows its request. A failed write is logged, not retried.
type SeenRecorder struct {
	store   DeviceSeer
	log     zerolog.Logger
	metrics *Metrics

	queue  chan sight
	stop   chan struct{} // closed by Stop: the worker drains the queue and ends
	done   chan struct{} // closed when the worker has ended
	ctx    context.Context
	cancel context.CancelFunc // ends the writes when Stop's ctx ends first
	once   sync.Once
	// failing: the last write failed (the worker's own: no lock).
	failing bool
}

// sight is one device seen at one time.
type sight struct {
	deviceID string
	at       time.Time
}

// NewSeenRecorder starts a recorder writing to s with a queue of
// queueLen sights (DefaultSeenQueue when <= 0). metrics may be nil. Stop
// it before closing s.
func NewSeenRecorder(s DeviceSeer, log zerolog.Logger, metrics *Metrics, queueLen int) *SeenRecorder {
	if queueLen <= 0 {
		queueLen = DefaultSeenQueue
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &SeenRecorder{
		store: s, log: log.With().Str("component", "deviceapi").Logger(), metrics: metrics,
		queue: make(chan sight, queueLen), stop: make(chan struct{}), done: make(chan struct{}),
		ctx: ctx, cancel: cancel,
	}
	go r.run()
	return r
}

// Seen queues the write of deviceID seen at at, without waiting: when the
// queue is full or the recorder stopped, the sight is dropped (and
// counted).
func (r *SeenRecorder) Seen(deviceID string, at time.Time) {
	select {
	case <-r.stop:
		return
	default:
	}
	select {
	case r.queue <- sight{deviceID: deviceID, at: at}:
	default:
		r.metrics.seenDropped()
		r.log.Debug().Str("device_id", deviceID).Msg("last seen not recorded: queue full")
	}
}

// Stop stops taking sights and waits until those queued are written, or
// until ctx ends, when the write under way is cancelled. Later calls do
// nothing.
func (r *SeenRecorder) Stop(ctx context.Context) {
	r.once.Do(func() {
		close(r.stop)
		select {
		case <-r.done:
		case <-ctx.Done():
			r.cancel()
			<-r.done
		}
		r.cancel()
	})
}

// run writes the queued sights until Stop, then the ones left.
func (r *SeenRecorder) run() {
	defer close(r.done)
	for {
		select {
		case s := <-r.queue:
			r.write(s)
		case <-r.stop:
			r.drain()
			return
		}
	}
}

// drain writes the sights left in the queue, unless the writes were
// cancelled.
func (r *SeenRecorder) drain() {
	for r.ctx.Err() == nil {
		select {
		case s := <-r.queue:
			r.write(s)
		default:
			return
		}
	}
}

// write records one sight. A failure is logged with the device id: as a
// warning when the write before it worked, else at debug level, so that a
// store that cannot write (which the store's write watcher reports) does
// not log a line per poll; the first write that works again says so.
func (r *SeenRecorder) write(s sight) {
	ctx, cancel := context.WithTimeout(r.ctx, seenWriteTimeout)
	defer cancel()
	err := r.store.SeenDevice(ctx, s.deviceID, s.at)
	if err == nil {
		if r.failing {
			r.failing = false
			r.log.Info().Str("device_id", s.deviceID).Msg("last seen recorded again")
		}
		return
	}
	ev := r.log.Debug()
	if !r.failing {
		ev = r.log.Warn()
	}
	r.failing = true
	ev.Err(err).Str("device_id", s.deviceID).Msg("last seen not recorded")
}

// seen records that the device of tok made an authenticated request now,
// unless its LastSeen (as read for this request, maybe from the read
// cache) is recent enough that the store would not write it anyway.
func (a *api) seen(tok *store.Token) {
	if a.Seen == nil || tok.Device == nil {
		return
	}
	now := a.Now()
	if store.SeenDue(tok.Device.LastSeen, now) {
		a.Seen.Seen(tok.Device.ID, now)
	}
}
