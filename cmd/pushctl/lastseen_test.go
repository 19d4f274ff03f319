package main

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/pushauth/pushauth/protocol/adminapi/adminapitest"
	"github.com/pushauth/pushauth/protocol/adminapi/apitype"
	"github.com/pushauth/pushauth/store"
)

// S5.6: `pushctl token list` shows each device's last seen,
// "never" until the device made an authenticated request.
func TestTokenListLastSeen(t *testing.T) {
	srv := adminapitest.Start(t, nil)
	pushctl(t, srv, "", "user", "add", "alice", "--no-password").ok(t)
	var res apitype.ProgramResult
	r := pushctl(t, srv, "", "--json", "token", "program", "alice", "--type", "softtoken").ok(t)
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil {
		t.Fatalf("%s: %v", r.stdout, err)
	}
	ctx := context.Background()
	sum := sha256.Sum256([]byte(res.ActivationCode))
	if _, err := srv.Store.Activate(ctx, sum[:], &store.Device{ID: "dev-1", Platform: "android", PushKind: store.PushPoll,
		PublicKey: []byte{1}}, time.Now()); err != nil {
		t.Fatal(err)
	}
	r = pushctl(t, srv, "", "token", "list", "alice").ok(t)
	if !strings.Contains(r.stdout, "LAST SEEN") || !strings.Contains(r.stdout, " never ") {
		t.Fatalf("token list of a device never seen:\n%s", r.stdout)
	}
	at := time.Date(2026, 12, 7, 16, 40, 5, 0, time.UTC)
	if err := srv.Store.SeenDevice(ctx, "dev-1", at); err != nil {
		t.Fatal(err)
	}
	r = pushctl(t, srv, "", "token", "list", "alice").ok(t)
	if !strings.Contains(r.stdout, formatTime(at)) || strings.Contains(r.stdout, " never ") {
		t.Fatalf("token list lacks the last seen %s:\n%s", formatTime(at), r.stdout)
	}
}
