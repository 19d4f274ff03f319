package server

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/pushauth/pushauth/internal/logbuf"
	"github.com/pushauth/pushauth/internal/testwait"
	"github.com/pushauth/pushauth/store"
)

// /healthz and /readyz are on the admin listener behind the admin token.
func TestHealthNeedsAdminToken(t *testing.T) {
	admin := "http://" + serve(t, testConfig(t, "")).Admin.Addr().String()
	for _, path := range []string{"/healthz", "/readyz"} {
		if status, body := get(t, admin+path, ""); status != http.StatusUnauthorized {
			t.Errorf("%s without token: %d %s, want 401", path, status, body)
		}
		if status, body := get(t, admin+path, testToken); status != http.StatusOK {
			t.Errorf("%s with token: %d %s, want 200", path, status, body)
		}
	}
}

// With admin_api.public_health, /healthz and /readyz need no token; the
// rest of the admin API still does. /readyz reports the store and each
// provider's circuit.
func TestHealthPublic(t *testing.T) {
	cfg := testConfig(t, "")
	cfg.AdminAPI.PublicHealth = true
	admin := "http://" + serve(t, cfg).Admin.Addr().String()
	status, body := get(t, admin+"/healthz", "")
	if status != http.StatusOK || body != "{\"status\":\"ok\"}\n" {
		t.Fatalf("/healthz: %d %q", status, body)
	}
	status, body = get(t, admin+"/readyz", "")
	var r readiness
	if status != http.StatusOK || json.Unmarshal([]byte(body), &r) != nil || r.Status != "ready" || r.Store != "ok" ||
		r.Providers["poll"] != "closed" {
		t.Fatalf("/readyz: %d %s", status, body)
	}
	if status, _ := get(t, admin+"/v1/users", ""); status != http.StatusUnauthorized {
		t.Fatalf("/v1/users without token: %d, want 401", status)
	}
}

// /readyz answers 503 naming the store when the store does not answer.
func TestReadyzStoreUnreachable(t *testing.T) {
	s, err := New(testConfig(t, ""), zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	s.close() // stops the actors and closes the store
	rec := httptest.NewRecorder()
	s.readyz(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
	var r readiness
	if rec.Code != http.StatusServiceUnavailable || json.Unmarshal(rec.Body.Bytes(), &r) != nil ||
		r.Status != "not ready" || !strings.HasPrefix(r.Store, "unreachable: ") {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
}

// unwritable is the server's store with its push records failing while
// err is set (the watcher's probe records a push too).
type unwritable struct {
	store.Store
	mu  sync.Mutex
	err error
}

func (u *unwritable) RecordPush(ctx context.Context, user string, at time.Time) error {
	u.mu.Lock()
	err := u.err
	u.mu.Unlock()
	if err != nil {
		return err
	}
	return u.Store.RecordPush(ctx, user, at)
}

func (u *unwritable) heal() {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.err = nil
}

func (u *unwritable) Close() error { return nil } // the server closes the real store

// S6.6: while the store cannot write, /readyz answers 503 naming the cause
// (not the write's error, which may name users), one error line says so
// however many writes fail, and the node is ready again by itself once a
// write works.
func TestReadyzStoreCannotWrite(t *testing.T) {
	logs := &logbuf.Buffer{}
	s, err := New(testConfig(t, ""), zerolog.New(logs))
	if err != nil {
		t.Fatal(err)
	}
	defer s.close()
	broken := &unwritable{Store: s.store, err: fmt.Errorf("record push to %q: %w", "alice", syscall.ENOSPC)}
	s.writes = store.WatchWrites(broken, time.Millisecond, s.logStoreWrites)
	defer s.writes.Close()
	for range 3 {
		if err := s.writes.RecordPush(context.Background(), "alice", time.Now()); err == nil {
			t.Fatal("the broken write worked")
		}
	}
	readyz := func() (int, readiness) {
		rec := httptest.NewRecorder()
		s.readyz(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
		var r readiness
		if err := json.Unmarshal(rec.Body.Bytes(), &r); err != nil {
			t.Fatalf("%s: %v", rec.Body, err)
		}
		return rec.Code, r
	}
	code, r := readyz()
	if code != http.StatusServiceUnavailable || r.Status != "not ready" ||
		!strings.HasPrefix(r.Store, "cannot write since ") || !strings.HasSuffix(r.Store, ": disk full") ||
		strings.Contains(r.Store, "alice") {
		t.Fatalf("/readyz while the store cannot write: %d %+v", code, r)
	}
	if n := strings.Count(logs.String(), "store cannot write"); n != 1 {
		t.Fatalf("%d error lines for one change, want 1:\n%s", n, logs)
	}
	broken.heal() // the disk has room again: the probe's write works
	testwait.For(t, "ready again", func() bool {
		code, _ := readyz()
		return code == http.StatusOK
	})
	if !strings.Contains(logs.String(), "store can write again") {
		t.Fatalf("no recovery line:\n%s", logs)
	}
}
