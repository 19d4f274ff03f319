package adminapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/pushauth/pushauth/protocol/adminapi/adminapitest"
	"github.com/pushauth/pushauth/protocol/adminapi/apitype"
)

// S5.4, S6.9: GET /v1/users/{name} says when a "this wasn't me" push
// suspension ends and why; unlocking lifts it, and the field goes.
func TestUserShowsPushSuspension(t *testing.T) {
	srv := adminapitest.Start(t, nil)
	if a := do(t, srv, "POST", "/v1/users", `{"name":"alice","password":"pw-alice-1"}`); a.status != http.StatusCreated {
		t.Fatalf("create: %d %s", a.status, a.body)
	}
	user := func() apitype.User {
		a := do(t, srv, "GET", "/v1/users/alice", "")
		var u apitype.User
		if a.status != http.StatusOK || json.Unmarshal([]byte(a.body), &u) != nil {
			t.Fatalf("get: %d %s", a.status, a.body)
		}
		return u
	}
	if u := user(); u.PushSuspendedUntil != nil || u.PushSuspendedReason != "" {
		t.Fatalf("a fresh user's suspension: %+v", u)
	}
	until := time.Now().Add(time.Hour).Truncate(time.Second)
	if err := srv.Store.SuspendPush(context.Background(), "alice", until, "reported"); err != nil {
		t.Fatal(err)
	}
	if u := user(); u.PushSuspendedUntil == nil || !u.PushSuspendedUntil.Equal(until) || u.PushSuspendedReason != "reported" {
		t.Fatalf("suspended: %+v", u)
	}
	if a := do(t, srv, "POST", "/v1/users/alice/unlock", ""); a.status != http.StatusOK && a.status != http.StatusNoContent {
		t.Fatalf("unlock: %d %s", a.status, a.body)
	}
	if u := user(); u.PushSuspendedUntil != nil {
		t.Fatalf("after unlock: %+v", u)
	}
}
