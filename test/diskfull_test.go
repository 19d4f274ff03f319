//go:build linux

package test

import (
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	layeh "layeh.com/radius"
	"layeh.com/radius/rfc2865"

	"github.com/pushauth/pushauth/config"
	"github.com/pushauth/pushauth/push"
)

// tmpfsDir mounts a tmpfs of size (e.g. "16m") on a new directory and
// unmounts it when the test ends, after the server has stopped. Without
// the right to mount (not root, a container without CAP_SYS_ADMIN) the
// test skips, except under CI=true, where it must run.
func tmpfsDir(t *testing.T, size string) string {
	t.Helper()
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size="+size+",mode=0700"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("mount tmpfs: %v (CI runs as root and must run this test)", err)
		}
		t.Skipf("mount tmpfs: %v: run as root to test a full data directory", err)
	}
	t.Cleanup(func() {
		if err := syscall.Unmount(dir, 0); err != nil {
			t.Errorf("unmount %s: %v", dir, err)
		}
	})
	return dir
}

// fillDisk writes a file in dir until the file system has no space left
// and returns its path.
func fillDisk(t *testing.T, dir string) string {
	t.Helper()
	path := filepath.Join(dir, "filler")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	chunk := make([]byte, 64<<10)
	for {
		if _, err := f.Write(chunk); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatalf("fill %s: %v", dir, err)
			}
			return path
		}
	}
}

// readyz fetches /readyz: its status and its store field.
func (h *Harness) readyz() (int, string) {
	h.t.Helper()
	status, body := h.adminGet("/readyz")
	var r struct {
		Status string `json:"status"`
		Store  string `json:"store"`
	}
	if err := json.Unmarshal(body, &r); err != nil {
		h.t.Fatalf("/readyz body %q: %v", body, err)
	}
	return status, r.Status + ": " + r.Store
}

// S6.6, issue 18 item 3: the data directory fills up after start. A push
// approved on the phone then gets Access-Reject (its audit record could
// not be written), a new login's push is not sent (the push cap could not
// count it), /readyz answers 503 and the store-writable metric is 0. Once
// the filler is deleted the node is ready again by itself and the next
// approval is accepted, with its audit record.
func TestDiskFullFailsClosedAndRecovers(t *testing.T) {
	dir := tmpfsDir(t, "16m")
	h := StartServer(t, func(c *config.Config) { c.DataDir = dir })
	h.AddUser("alice", "pw-alice")
	phone := h.Phone("alice")
	nas := h.Client("")
	if code, body := h.readyz(); code != http.StatusOK || h.Metric("pushauth_store_writable", "") != 1 {
		t.Fatalf("before: /readyz %d %s", code, body)
	}

	// The push is recorded and on the phone; then the disk fills.
	login := Start(nas, "alice", "pw-alice", "", "")
	p := NextPush(t, phone)
	filler := fillDisk(t, dir)
	if err := phone.Answer(h.ctx(), p, push.Approve); err != nil {
		t.Fatal(err)
	}
	r := login.Wait(t)
	expectCode(t, r, layeh.CodeAccessReject)
	t.Logf("approved while the disk is full: %v %q", r.Code, rfc2865.ReplyMessage_GetString(r.Packet))
	if msg := rfc2865.ReplyMessage_GetString(r.Packet); !strings.Contains(msg, "temporarily unavailable") {
		t.Fatalf("Reply-Message %q", msg)
	}
	code, body := h.readyz()
	t.Logf("/readyz while the disk is full: %d %s", code, body)
	if code != http.StatusServiceUnavailable || !strings.HasSuffix(body, ": disk full") {
		t.Fatalf("/readyz while the disk is full: %d %s", code, body)
	}
	if v := h.Metric("pushauth_store_writable", ""); v != 0 {
		t.Fatalf("pushauth_store_writable %v while the disk is full", v)
	}
	logs := h.Logs.String()
	for _, want := range []string{"store cannot write", "audit record not written: the accept is refused", p.LoginID} {
		if !strings.Contains(logs, want) {
			t.Fatalf("no %q in the log", want)
		}
	}

	// A new login while the disk is full fails closed too: it is never
	// accepted and its push never reaches the phone. Whichever of its
	// writes fails first decides the reply: the password attempt's (a
	// reject), or the push record's (the push is not sent, and the soft
	// token's passcode is offered instead).
	r = Start(nas, "alice", "pw-alice", "", "").Wait(t)
	t.Logf("new login while the disk is full: %v %q", r.Code, rfc2865.ReplyMessage_GetString(r.Packet))
	switch r.Code {
	case layeh.CodeAccessReject:
	case layeh.CodeAccessChallenge:
		if msg := rfc2865.ReplyMessage_GetString(r.Packet); !strings.Contains(msg, "cannot be sent") {
			t.Fatalf("challenge %q", msg)
		}
		if pending, err := phone.Pending(h.ctx(), 0); err != nil || len(pending) != 0 {
			t.Fatalf("the phone has %+v (%v), want no push", pending, err)
		}
	default:
		t.Fatalf("new login while the disk is full: %v", r.Code)
	}

	// Room again: the probe finds it without any login.
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	freed := time.Now()
	checkFor(t, 10*time.Second, func() bool {
		code, _ := h.readyz()
		return code == http.StatusOK
	}, "/readyz ready after the disk has room")
	t.Logf("ready again %v after the filler was deleted", time.Since(freed).Round(time.Millisecond))
	if v := h.Metric("pushauth_store_writable", ""); v != 1 {
		t.Fatalf("pushauth_store_writable %v after recovery", v)
	}
	if h.Metric("pushauth_store_write_errors_total", "") < 2 {
		t.Fatal("the failed writes are not counted")
	}

	login = Start(nas, "alice", "pw-alice", "", "")
	if err := phone.Answer(h.ctx(), NextPush(t, phone, p.Nonce), push.Approve); err != nil {
		t.Fatal(err)
	}
	expectCode(t, login.Wait(t), layeh.CodeAccessAccept)
	recs := h.WaitAudit("alice", 1)
	if len(recs) != 1 || recs[0].Outcome != "accept" || recs[0].Reason != "approved" {
		t.Fatalf("audit after recovery: %+v (the two logins of the full disk have no record)", recs)
	}
}
