package adminapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/pushauth/pushauth/protocol/adminapi/apitype"
	"github.com/pushauth/pushauth/store"
)

// Defaults of StreamOptions.
const (
	DefaultStreamPoll         = time.Second
	DefaultStreamHeartbeat    = 15 * time.Second
	DefaultStreamSettle       = 5 * time.Second
	DefaultMaxStreams         = 64
	DefaultMaxStreamsPerAdmin = 4
)

// tailPage is how many records one read of the audit stream's poll takes.
const tailPage = 500

// StreamOptions bound GET /v1/audit/stream; zero fields take the defaults.
type StreamOptions struct {
	// Poll is how often a stream reads the store for new records (the
	// store is shared by a cluster's nodes, so reading it sees every
	// node's records).
	Poll time.Duration
	// Heartbeat is how often an idle stream sends a comment, so proxies
	// and clients see it is alive.
	Heartbeat time.Duration
	// Settle is how long a record may become visible after records with
	// greater ids (PostgreSQL allocates ids at insert and transactions
	// commit out of order): a stream reads again the ids it has seen in
	// that time, and sends each record once.
	Settle time.Duration
	// Max and MaxPerAdmin bound the open streams, in all and per admin
	// token or console operator.
	Max, MaxPerAdmin int
}

func (o StreamOptions) withDefaults() StreamOptions {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&o.Poll, DefaultStreamPoll)
	def(&o.Heartbeat, DefaultStreamHeartbeat)
	def(&o.Settle, DefaultStreamSettle)
	if o.Max <= 0 {
		o.Max = DefaultMaxStreams
	}
	if o.MaxPerAdmin <= 0 {
		o.MaxPerAdmin = DefaultMaxStreamsPerAdmin
	}
	return o
}

// streams counts the open audit streams and ends them at shutdown.
type streams struct {
	opts  StreamOptions
	mu    sync.Mutex
	open  map[string]int // by caller name
	total int
	done  chan struct{} // closed by EndStreams
	end   sync.Once
}

func newStreams(o StreamOptions) *streams {
	return &streams{opts: o.withDefaults(), open: map[string]int{}, done: make(chan struct{})}
}

// acquire counts a new stream of caller name, or refuses it.
func (st *streams) acquire(name string) (release func(), err error) {
	select {
	case <-st.done:
		return nil, newError(http.StatusServiceUnavailable, "shutting_down", "the server is shutting down")
	default:
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	switch {
	case st.open[name] >= st.opts.MaxPerAdmin:
		return nil, newError(http.StatusTooManyRequests, "too_many_streams",
			"%s has %d audit streams open, the most allowed", name, st.open[name])
	case st.total >= st.opts.Max:
		return nil, newError(http.StatusTooManyRequests, "too_many_streams",
			"%d audit streams are open, the most allowed", st.total)
	}
	st.open[name]++
	st.total++
	return func() {
		st.mu.Lock()
		defer st.mu.Unlock()
		st.total--
		if st.open[name]--; st.open[name] == 0 {
			delete(st.open, name)
		}
	}, nil
}

// EndStreams ends h's open audit streams and refuses new ones; the
// server calls it when it shuts down (http.Server.RegisterOnShutdown),
// since a stream would otherwise hold its connection until the drain
// times out. h is what New returned.
func EndStreams(h http.Handler) {
	if s, ok := h.(*server); ok {
		s.streams.end.Do(func() { close(s.streams.done) })
	}
}

// auditStream sends the records written from now on (or after the
// Last-Event-ID header's record) that match the filters of GET /v1/audit,
// as server-sent events, until the client leaves or the server shuts
// down (?limit and ?cursor do not apply).
func (s *server) auditStream(w http.ResponseWriter, r *http.Request) error {
	q, err := auditQuery(r)
	if err != nil {
		return err
	}
	last, err := lastEventID(r)
	if err != nil {
		return err
	}
	release, err := s.streams.acquire(callerOf(r).name)
	if err != nil {
		return err
	}
	defer release()
	ctx := r.Context()
	if last == 0 {
		if last, err = s.newestAuditID(ctx); err != nil {
			return err
		}
	}
	out := &eventWriter{w: w, rc: http.NewResponseController(w), timeout: 2 * s.streams.opts.Heartbeat}
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no") // nginx: pass each event on at once
	w.WriteHeader(http.StatusOK)
	if err := out.send(": audit stream\nretry: 2000\n\n"); err != nil {
		s.deps.Log.Warn().Err(err).Msg("audit stream cannot start")
		return nil
	}
	s.tail(ctx, out, newAuditTail(q, last, s.streams.opts.Settle))
	return nil
}

// tail polls the store and sends what t finds, with heartbeats between,
// until the client leaves, a write fails or the server shuts down.
func (s *server) tail(ctx context.Context, out *eventWriter, t *auditTail) {
	poll := time.NewTicker(s.streams.opts.Poll)
	defer poll.Stop()
	beat := time.NewTicker(s.streams.opts.Heartbeat)
	defer beat.Stop()
	for {
		var err error
		select {
		case <-ctx.Done():
			return
		case <-s.streams.done:
			return
		case <-beat.C:
			err = out.send(": heartbeat\n\n")
		case <-poll.C:
			var records []store.AuditRecord
			if records, err = t.next(ctx, s.deps.Store, time.Now()); err != nil {
				s.deps.Log.Error().Err(err).Msg("audit stream cannot read the audit")
				return
			}
			err = out.records(records)
		}
		if err != nil {
			return // the client is gone
		}
	}
}

// newestAuditID is the greatest id in the audit (0: none): the newest
// record's, or greater when a node with a slower clock wrote after it.
func (s *server) newestAuditID(ctx context.Context) (int64, error) {
	newest, err := s.deps.Store.ListAudit(ctx, store.AuditQuery{Kind: store.AuditAll, Limit: 1})
	if err != nil || len(newest) == 0 {
		return 0, err
	}
	id := newest[0].ID
	for {
		later, err := s.deps.Store.ListAudit(ctx, store.AuditQuery{Kind: store.AuditAll, Tail: true, AfterID: id, Limit: tailPage})
		if err != nil {
			return 0, err
		}
		if len(later) > 0 {
			id = later[len(later)-1].ID
		}
		if len(later) < tailPage {
			return id, nil
		}
	}
}

// lastEventID reads the Last-Event-ID header a reconnecting client sends
// (0 when absent).
func lastEventID(r *http.Request) (int64, error) {
	v := r.Header.Get("Last-Event-ID")
	if v == "" {
		return 0, nil
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id < 0 {
		return 0, badRequest("invalid_last_event_id", "Last-Event-ID %q is not a record id", v)
	}
	return id, nil
}

// eventWriter writes server-sent events, each flushed at once and given
// its own write deadline (the server's WriteTimeout is for requests, not
// streams; a client that stops reading is dropped).
type eventWriter struct {
	w       http.ResponseWriter
	rc      *http.ResponseController
	timeout time.Duration
}

func (e *eventWriter) send(text string) error {
	err := e.rc.SetWriteDeadline(time.Now().Add(e.timeout))
	if err != nil && !errors.Is(err, http.ErrNotSupported) {
		return err
	}
	if _, err := e.w.Write([]byte(text)); err != nil {
		return err
	}
	return e.rc.Flush()
}

// records sends an "audit" event per record, its id the record's.
func (e *eventWriter) records(records []store.AuditRecord) error {
	for i := range records {
		data, err := json.Marshal(auditView(&records[i]))
		if err != nil {
			return fmt.Errorf("encode audit record: %w", err)
		}
		if err := e.send(fmt.Sprintf("id: %d\nevent: %s\ndata: %s\n\n", records[i].ID, apitype.AuditStreamEvent, data)); err != nil {
			return err
		}
	}
	return nil
}

// auditTail finds the records written since it last looked, by id. Ids
// can become visible out of order (see StreamOptions.Settle), so it reads
// again from low, the greatest id it had seen a Settle ago, and skips the
// ids it has sent. It reads every record and filters here, so that low
// keeps up however rarely the filter matches.
type auditTail struct {
	filter store.AuditQuery
	settle time.Duration
	low    int64          // every record at or below is sent, filtered out or never will be
	high   int64          // the greatest id seen
	seen   map[int64]bool // ids above low already read
	marks  []tailMark     // high as it was at each poll of the last Settle
}

type tailMark struct {
	at   time.Time
	high int64
}

func newAuditTail(filter store.AuditQuery, after int64, settle time.Duration) *auditTail {
	return &auditTail{filter: filter, settle: settle, low: after, high: after, seen: map[int64]bool{}}
}

// next returns the matching records not returned before, by id.
func (t *auditTail) next(ctx context.Context, st store.Store, now time.Time) ([]store.AuditRecord, error) {
	var found []store.AuditRecord
	for after := t.low; ; {
		page, err := st.ListAudit(ctx, store.AuditQuery{Kind: store.AuditAll, Tail: true, AfterID: after, Limit: tailPage})
		if err != nil {
			return nil, fmt.Errorf("tail the audit after %d: %w", after, err)
		}
		for _, r := range page {
			after, t.high = r.ID, max(t.high, r.ID)
			if !t.seen[r.ID] {
				t.seen[r.ID] = true
				if matches(&t.filter, &r) {
					found = append(found, r)
				}
			}
		}
		if len(page) < tailPage {
			break
		}
	}
	t.marks = append(t.marks, tailMark{at: now, high: t.high})
	for len(t.marks) > 0 && now.Sub(t.marks[0].at) >= t.settle {
		t.low, t.marks = max(t.low, t.marks[0].high), t.marks[1:]
	}
	for id := range t.seen {
		if id <= t.low {
			delete(t.seen, id)
		}
	}
	return found, nil
}

// matches reports whether r is one of q's records, as the store's
// ListAudit would select it (q's paging fields aside).
func matches(q *store.AuditQuery, r *store.AuditRecord) bool {
	for _, eq := range [...]struct{ want, got string }{{q.User, r.User}, {q.Reason, r.Reason},
		{q.Client, r.Client}, {q.Outcome, r.Outcome}, {q.Node, r.Node}, {q.LoginID, r.LoginID}} {
		if eq.want != "" && eq.want != eq.got {
			return false
		}
	}
	switch {
	case !q.Since.IsZero() && r.Time.Before(q.Since), !q.Until.IsZero() && !r.Time.Before(q.Until):
		return false
	case q.Kind == store.AuditLogins:
		return r.Outcome != store.OutcomeAdmin
	case q.Kind == store.AuditAdmin:
		return r.Outcome == store.OutcomeAdmin
	}
	return true
}
