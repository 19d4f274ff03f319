package adminapi_test

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pushauth/pushauth/internal/testleak"
	"github.com/pushauth/pushauth/protocol/adminapi/apitype"
)

// SPEC S3.2 (bypass codes) through the API: 9 random digits shown once,
// listed without the code, revoked, bounded per user; the code is in no
// log line and nowhere in the database's files.
func TestBypassCodesAPI(t *testing.T) {
	srv := start(t, nil)
	do(t, srv, "POST", "/v1/users", `{"name":"alice","password":"`+password+`"}`)
	a := do(t, srv, "POST", "/v1/users/alice/bypass-codes", `{"uses":2,"valid_seconds":3600}`)
	var c apitype.BypassCode
	if a.status != http.StatusCreated || json.Unmarshal([]byte(a.body), &c) != nil {
		t.Fatalf("issue: %d %s", a.status, a.body)
	}
	if len(c.Code) != 9 || strings.Trim(c.Code, "0123456789") != "" || c.UsesLeft != 2 ||
		!c.ExpiresAt.Equal(testNow.Add(time.Hour)) || c.CreatedBy != "admin.token" {
		t.Fatalf("issued %+v", c)
	}
	a = do(t, srv, "GET", "/v1/users/alice/bypass-codes", "")
	if a.status != 200 || strings.Contains(a.body, c.Code) || !strings.Contains(a.body, `"uses_left":2`) {
		t.Fatalf("list: %d %s", a.status, a.body)
	}
	for body, code := range map[string]string{
		`{"uses":11}`: "invalid_uses", `{"valid_seconds":30}`: "invalid_valid_seconds",
		`{"valid_seconds":604801}`: "invalid_valid_seconds", `{"uses":-1}`: "invalid_uses",
	} {
		if a := do(t, srv, "POST", "/v1/users/alice/bypass-codes", body); a.status != 400 || !strings.Contains(a.body, code) {
			t.Errorf("%s: %d %s", body, a.status, a.body)
		}
	}
	for range 4 {
		do(t, srv, "POST", "/v1/users/alice/bypass-codes", `{}`)
	}
	if a := do(t, srv, "POST", "/v1/users/alice/bypass-codes", `{}`); a.status != http.StatusConflict {
		t.Fatalf("sixth code: %d %s", a.status, a.body)
	}
	if a := do(t, srv, "DELETE", "/v1/users/alice/bypass-codes/"+strconv.FormatInt(c.ID, 10), ""); a.status != http.StatusNoContent {
		t.Fatalf("revoke: %d %s", a.status, a.body)
	}
	if a := do(t, srv, "DELETE", "/v1/users/alice/bypass-codes/"+strconv.FormatInt(c.ID, 10), ""); a.status != http.StatusNotFound {
		t.Fatalf("revoke again: %d %s", a.status, a.body)
	}
	if a := do(t, srv, "POST", "/v1/users/nobody/bypass-codes", `{}`); a.status != http.StatusNotFound {
		t.Fatalf("unknown user: %d", a.status)
	}
	if strings.Contains(srv.Logs.String(), c.Code) {
		t.Fatal("the code is in the log")
	}
	testleak.NotInDir(t, srv.Dir, c.Code)
}

// SPEC S2.9, S5.4: unlock clears the failures and the "this wasn't me"
// suspension, and says who unlocked.
func TestUnlockLiftsSuspension(t *testing.T) {
	srv := start(t, nil)
	do(t, srv, "POST", "/v1/users", `{"name":"alice","password":"`+password+`"}`)
	ctx := t.Context()
	if err := srv.Store.SuspendPush(ctx, "alice", time.Now().Add(time.Hour), "reported"); err != nil {
		t.Fatal(err)
	}
	if a := do(t, srv, "POST", "/v1/users/alice/unlock", ""); a.status != 200 {
		t.Fatalf("unlock: %d %s", a.status, a.body)
	}
	if until, _, err := srv.Store.PushSuspension(ctx, "alice"); err != nil || !until.IsZero() {
		t.Fatalf("suspension after unlock: %v, %v", until, err)
	}
	if !strings.Contains(srv.Logs.String(), `"push_suspension_lifted":true,"admin":"admin.token"`) {
		t.Fatalf("log: %s", srv.Logs.String())
	}
}
