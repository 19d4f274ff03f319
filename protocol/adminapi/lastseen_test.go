package adminapi_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/pushauth/pushauth/protocol/adminapi/apitype"
)

// S5.6: GET /v1/users/{name}/tokens gives each device's
// last_seen in RFC 3339 UTC, and leaves it out while the device was never
// seen.
func TestTokenListLastSeen(t *testing.T) {
	srv := start(t, nil)
	mustUser(t, srv, "alice")
	var res apitype.ProgramResult
	do(t, srv, "POST", "/v1/users/alice/tokens", `{"type":"softtoken"}`).want(t, 201, "").decode(t, &res)
	if _, err := activate(srv, res.ActivationCode); err != nil {
		t.Fatal(err)
	}
	if a := do(t, srv, "GET", "/v1/users/alice/tokens", "").want(t, 200, ""); strings.Contains(a.body, "last_seen") {
		t.Fatalf("a device never seen has a last_seen: %s", a.body)
	}
	at := time.Date(2026, 12, 7, 17, 40, 5, 0, time.FixedZone("CET", 3600))
	if err := srv.Store.SeenDevice(context.Background(), "dev-1", at); err != nil {
		t.Fatal(err)
	}
	a := do(t, srv, "GET", "/v1/users/alice/tokens", "").want(t, 200, "")
	var raw struct {
		Tokens []struct {
			Device struct {
				LastSeen string `json:"last_seen"`
			} `json:"device"`
		} `json:"tokens"`
	}
	if err := json.Unmarshal([]byte(a.body), &raw); err != nil || len(raw.Tokens) != 1 {
		t.Fatalf("token list %s: %v", a.body, err)
	}
	if got := raw.Tokens[0].Device.LastSeen; got != "2026-12-07T16:40:05Z" {
		t.Fatalf("last_seen = %q, want 2026-12-07T16:40:05Z", got)
	}
}
