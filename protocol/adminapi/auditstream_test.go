package adminapi_test

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pushauth/pushauth/internal/testpg"
	"github.com/pushauth/pushauth/internal/testwait"
	"github.com/pushauth/pushauth/protocol/adminapi"
	"github.com/pushauth/pushauth/protocol/adminapi/adminapitest"
	"github.com/pushauth/pushauth/protocol/adminapi/apitype"
	"github.com/pushauth/pushauth/store"
	"github.com/pushauth/pushauth/store/postgres"
	"github.com/pushauth/pushauth/store/sqlite"
	"github.com/pushauth/pushauth/store/storetest"
)

// sseEvent is one server-sent event, or a comment (Comment set).
type sseEvent struct {
	ID, Event, Data, Comment string
}

// stream is an open GET /v1/audit/stream.
type stream struct {
	status int
	header http.Header
	cancel context.CancelFunc
	done   chan struct{} // closed when the body ends

	mu     sync.Mutex
	events []sseEvent
}

// openStream opens the audit stream with token and ?query, sending
// Last-Event-ID when lastID is set, and reads its events in the
// background until the test ends or close.
func openStream(t *testing.T, srv *adminapitest.Server, token, query, lastID string) *stream {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(ctx, "GET", srv.URL+"/v1/audit/stream?"+query, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if lastID != "" {
		req.Header.Set("Last-Event-ID", lastID)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	s := &stream{status: resp.StatusCode, header: resp.Header, cancel: cancel, done: make(chan struct{})}
	t.Cleanup(s.close)
	go func() {
		defer close(s.done)
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		var ev sseEvent
		for sc.Scan() {
			line := sc.Text()
			field, value, _ := strings.Cut(line, ": ")
			switch {
			case line == "":
				s.add(ev)
				ev = sseEvent{}
			case strings.HasPrefix(line, ":"):
				ev.Comment = strings.TrimPrefix(line, ": ")
			case field == "id":
				ev.ID = value
			case field == "event":
				ev.Event = value
			case field == "data":
				ev.Data = value
			}
		}
	}()
	return s
}

func (s *stream) add(ev sseEvent) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.events = append(s.events, ev)
}

func (s *stream) close() {
	s.cancel()
	<-s.done
}

// records are the audit events received so far.
func (s *stream) records(t *testing.T) []apitype.AuditRecord {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []apitype.AuditRecord
	for _, ev := range s.events {
		if ev.Event != apitype.AuditStreamEvent {
			continue
		}
		var r apitype.AuditRecord
		if err := json.Unmarshal([]byte(ev.Data), &r); err != nil {
			t.Fatalf("event data %q: %v", ev.Data, err)
		}
		if ev.ID != strconv.FormatInt(r.ID, 10) {
			t.Fatalf("event id %q for record %d", ev.ID, r.ID)
		}
		out = append(out, r)
	}
	return out
}

// waitRecords waits until the stream has received n records and returns
// their login ids.
func (s *stream) waitRecords(t *testing.T, n int) []string {
	t.Helper()
	testwait.For(t, fmt.Sprintf("%d audit events", n), func() bool { return len(s.records(t)) >= n })
	return loginIDs(s.records(t))
}

func fastStreams(d *adminapi.Deps) {
	d.Stream.Poll = 10 * time.Millisecond
	d.Stream.Settle = 200 * time.Millisecond
}

// S6.10: the stream is text/event-stream; it sends the records written
// after it opened (not those before), each once, as "audit" events with
// the record's id, matching the filters of GET /v1/audit; a client
// reconnecting with Last-Event-ID gets what it missed.
func TestAuditStreamDelivers(t *testing.T) {
	srv := start(t, fastStreams)
	appendAudit(t, srv, store.AuditRecord{LoginID: "before", User: "alice", Client: "vpn", Outcome: "accept"})
	all := openStream(t, srv, adminapitest.Token, "", "")
	vpn := openStream(t, srv, adminapitest.Token, "client=vpn&outcome=reject", "")
	if all.status != http.StatusOK || !strings.HasPrefix(all.header.Get("Content-Type"), "text/event-stream") {
		t.Fatalf("stream: %d %s", all.status, all.header.Get("Content-Type"))
	}
	var written []store.AuditRecord
	for i, c := range []string{"vpn", "wifi", "vpn", "vpn"} {
		written = append(written, appendAudit(t, srv, store.AuditRecord{LoginID: fmt.Sprint("L", i), User: "alice",
			Client: c, Outcome: []string{"reject", "accept"}[i%3/2]}))
	}
	appendAudit(t, srv, store.AuditRecord{LoginID: "admin", User: "bob", Outcome: store.OutcomeAdmin, Admin: "ops"})
	if got := all.waitRecords(t, 4); fmt.Sprint(got) != "[L0 L1 L2 L3]" {
		t.Errorf("all: %v", got)
	}
	if got := vpn.waitRecords(t, 2); fmt.Sprint(got) != "[L0 L3]" {
		t.Errorf("client=vpn&outcome=reject: %v", got)
	}
	// A later record arrives too, and nothing twice (the settle window
	// re-reads what was seen).
	appendAudit(t, srv, store.AuditRecord{LoginID: "L4", User: "alice", Client: "vpn", Outcome: "reject"})
	if got := vpn.waitRecords(t, 3); fmt.Sprint(got) != "[L0 L3 L4]" {
		t.Errorf("client=vpn&outcome=reject after L4: %v", got)
	}
	resumed := openStream(t, srv, adminapitest.Token, "", strconv.FormatInt(written[1].ID, 10))
	if got := resumed.waitRecords(t, 3); fmt.Sprint(got) != "[L2 L3 L4]" {
		t.Errorf("resumed after L1: %v", got)
	}
	if bad := openStream(t, srv, adminapitest.Token, "", "x"); bad.status != http.StatusBadRequest {
		t.Errorf("Last-Event-ID x: %d", bad.status)
	}
	if bad := openStream(t, srv, adminapitest.Token, "kind=nope", ""); bad.status != http.StatusBadRequest {
		t.Errorf("kind=nope: %d", bad.status)
	}
}

// S6.10: an idle stream sends a heartbeat comment.
func TestAuditStreamHeartbeat(t *testing.T) {
	srv := start(t, func(d *adminapi.Deps) { d.Stream.Heartbeat = 20 * time.Millisecond })
	s := openStream(t, srv, adminapitest.Token, "", "")
	testwait.For(t, "a heartbeat", func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		for _, ev := range s.events {
			if ev.Comment == "heartbeat" {
				return true
			}
		}
		return false
	})
}

// S6.10: open streams are bounded per admin and in all (429), a closed
// stream frees its place, and the server's shutdown (EndStreams) ends
// the open ones and refuses new ones (503).
func TestAuditStreamLimits(t *testing.T) {
	srv := start(t, func(d *adminapi.Deps) { d.Stream.Max, d.Stream.MaxPerAdmin = 3, 2 })
	tokens := roleTokens(t, srv)
	a1 := openStream(t, srv, adminapitest.Token, "", "")
	a2 := openStream(t, srv, adminapitest.Token, "", "")
	if a1.status != http.StatusOK || a2.status != http.StatusOK {
		t.Fatalf("two streams: %d %d", a1.status, a2.status)
	}
	if a3 := openStream(t, srv, adminapitest.Token, "", ""); a3.status != http.StatusTooManyRequests {
		t.Errorf("third stream of one admin: %d", a3.status)
	}
	r1 := openStream(t, srv, tokens["readonly"], "", "")
	if r1.status != http.StatusOK {
		t.Fatalf("another admin's stream: %d", r1.status)
	}
	if h1 := openStream(t, srv, tokens["helpdesk"], "", ""); h1.status != http.StatusTooManyRequests {
		t.Errorf("fourth stream in all: %d", h1.status)
	}
	a1.close()
	testwait.For(t, "the closed stream's place", func() bool {
		s := openStream(t, srv, tokens["helpdesk"], "", "")
		defer s.close()
		return s.status == http.StatusOK
	})
}

// S6.10: the server's shutdown (EndStreams, which pushauthd calls from
// http.Server.RegisterOnShutdown) ends the open streams and refuses new
// ones (503); a client that leaves ends its stream (its place is freed).
func TestAuditStreamShutdown(t *testing.T) {
	base := start(t, nil)
	h := adminapi.New(adminapi.Deps{Store: base.Store, Token: adminapitest.Token,
		Stream: adminapi.StreamOptions{MaxPerAdmin: 1}})
	srv := &adminapitest.Server{Server: httptest.NewServer(h), Store: base.Store}
	t.Cleanup(srv.Close)
	first := openStream(t, srv, adminapitest.Token, "", "")
	first.close()
	var s *stream
	testwait.For(t, "the left stream's place", func() bool {
		s = openStream(t, srv, adminapitest.Token, "", "")
		return s.status == http.StatusOK
	})
	adminapi.EndStreams(h)
	select {
	case <-s.done:
	case <-time.After(testwait.Deadline):
		t.Fatal("the stream is still open after EndStreams")
	}
	if late := openStream(t, srv, adminapitest.Token, "", ""); late.status != http.StatusServiceUnavailable {
		t.Errorf("stream after EndStreams: %d", late.status)
	}
}

// S6.10: on PostgreSQL a record can become visible after records with
// greater ids (ids are taken at insert, transactions commit out of
// order); the stream reads its last Settle of ids again, so a record that
// fills such a gap late is still sent, once. The gap is made here by
// inserting past the store.
func TestAuditStreamLateCommit(t *testing.T) {
	srv := start(t, func(d *adminapi.Deps) {
		d.Stream.Poll = 10 * time.Millisecond
		d.Stream.Settle = time.Hour
	})
	first := appendAudit(t, srv, store.AuditRecord{LoginID: "first", User: "alice", Outcome: "accept"})
	s := openStream(t, srv, adminapitest.Token, "", "")
	raw, err := sql.Open("sqlite", filepath.Join(srv.Dir, sqlite.DBFileName))
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	insert := func(id int64, login string) {
		if _, err := raw.Exec(`INSERT INTO audit (id, login_id, time, username, client, agent, token, provider, outcome, reason, duration_ms)
			VALUES (?, ?, ?, 'alice', '', '', '', '', 'accept', '', 0)`, id, login, time.Now().UnixNano()); err != nil {
			t.Fatal(err)
		}
	}
	insert(first.ID+5, "ahead")
	if got := s.waitRecords(t, 1); fmt.Sprint(got) != "[ahead]" {
		t.Fatalf("%v", got)
	}
	insert(first.ID+2, "late")
	appendAudit(t, srv, store.AuditRecord{LoginID: "next", User: "alice", Outcome: "accept"})
	if got := s.waitRecords(t, 3); fmt.Sprint(got) != "[ahead late next]" {
		t.Fatalf("%v", got)
	}
}

// S6.10: a stream outlives the server's WriteTimeout (pushauthd's bounds
// requests, not streams): each event sets its own write deadline through
// the response's wrappers.
func TestAuditStreamOutlivesWriteTimeout(t *testing.T) {
	base := start(t, nil)
	h := adminapi.New(adminapi.Deps{Store: base.Store, Token: adminapitest.Token,
		Stream: adminapi.StreamOptions{Poll: 10 * time.Millisecond, Heartbeat: 50 * time.Millisecond}})
	hs := httptest.NewUnstartedServer(h)
	hs.Config.WriteTimeout = 300 * time.Millisecond
	hs.Start()
	t.Cleanup(hs.Close)
	srv := &adminapitest.Server{Server: hs, Store: base.Store}
	s := openStream(t, srv, adminapitest.Token, "", "")
	beats := func(n int) func() bool {
		return func() bool {
			s.mu.Lock()
			defer s.mu.Unlock()
			return len(s.events) >= n
		}
	}
	testwait.For(t, "a second of heartbeats", beats(20)) // 20 × 50 ms: past 3 WriteTimeouts
	appendAudit(t, srv, store.AuditRecord{LoginID: "late", User: "alice", Outcome: "accept"})
	if got := s.waitRecords(t, 1); fmt.Sprint(got) != "[late]" {
		t.Fatalf("%v", got)
	}
}

// S6.10: in a cluster, a node's stream sends the records other nodes
// write into the shared PostgreSQL store (the stream polls the store, it
// does not listen to its own node).
func TestAuditStreamSharedPostgres(t *testing.T) {
	pg := testpg.Start(t)
	dsn := pg.NewDatabase(t)
	sealer := storetest.KeySealer(t, 1)
	open := func(node string) store.Store {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		s, err := postgres.Open(ctx, dsn, sealer, store.WithNode(node))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	nodeA, nodeB := open("node-a"), open("node-b")
	hs := httptest.NewServer(adminapi.New(adminapi.Deps{Store: nodeA, Token: adminapitest.Token,
		Stream: adminapi.StreamOptions{Poll: 10 * time.Millisecond}}))
	t.Cleanup(hs.Close)
	s := openStream(t, &adminapitest.Server{Server: hs}, adminapitest.Token, "node=node-b", "")
	for i, st := range []store.Store{nodeA, nodeB, nodeB} {
		if err := st.AppendAudit(context.Background(), &store.AuditRecord{LoginID: fmt.Sprint("L", i), User: "alice", Outcome: "accept"}); err != nil {
			t.Fatal(err)
		}
	}
	got := s.records(t)
	testwait.For(t, "node-b's two records", func() bool { got = s.records(t); return len(got) >= 2 })
	if len(got) != 2 || got[0].LoginID != "L1" || got[1].LoginID != "L2" || got[0].Node != "node-b" {
		t.Fatalf("records %+v", got)
	}
}

// S6.10: a stream starts after the greatest id, not the newest time: a
// record written earlier by a node whose clock is behind is not new.
func TestAuditStreamStartsAfterGreatestID(t *testing.T) {
	srv := start(t, fastStreams)
	appendAudit(t, srv, store.AuditRecord{LoginID: "now", Time: time.Now(), User: "alice", Outcome: "accept"})
	appendAudit(t, srv, store.AuditRecord{LoginID: "slow-clock", Time: time.Now().Add(-time.Hour), User: "alice", Outcome: "accept"})
	s := openStream(t, srv, adminapitest.Token, "", "")
	appendAudit(t, srv, store.AuditRecord{LoginID: "new", User: "alice", Outcome: "accept"})
	if got := s.waitRecords(t, 1); fmt.Sprint(got) != "[new]" {
		t.Fatalf("%v", got)
	}
}
