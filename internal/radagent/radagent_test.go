package radagent

import (
	"os"
	"path/filepath"
	"testing"

	layeh "layeh.com/radius"
	"layeh.com/radius/rfc2865"
)

func TestServerAddr(t *testing.T) {
	for in, want := range map[string]string{
		"10.0.0.5":       "10.0.0.5:1812",
		"10.0.0.5:11812": "10.0.0.5:11812",
		"[::1]":          "[::1]:1812",
		"::1":            "[::1]:1812",
		"radius.example": "radius.example:1812",
	} {
		if got := ServerAddr(in); got != want {
			t.Errorf("ServerAddr(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestReadSecret(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	got, err := ReadSecret(write("ok", "s3cret\r\nignored\n"))
	if err != nil || string(got) != "s3cret" {
		t.Fatalf("ReadSecret = %q, %v", got, err)
	}
	if _, err := ReadSecret(write("empty", "\nx")); err == nil {
		t.Error("empty first line accepted")
	}
	if _, err := ReadSecret(filepath.Join(dir, "missing")); err == nil {
		t.Error("missing file accepted")
	}
}

func TestRequestPacket(t *testing.T) {
	p, err := Request{User: "alice", Password: "123456", State: "st", CallingStation: "192.0.2.7", NASIdentifier: "web1"}.
		Packet([]byte("secret"))
	if err != nil {
		t.Fatal(err)
	}
	if p.Code != layeh.CodeAccessRequest || rfc2865.UserName_GetString(p) != "alice" ||
		rfc2865.UserPassword_GetString(p) != "123456" || rfc2865.State_GetString(p) != "st" ||
		rfc2865.CallingStationID_GetString(p) != "192.0.2.7" || rfc2865.NASIdentifier_GetString(p) != "web1" {
		t.Fatalf("packet attributes %+v", p.Attributes)
	}
}

func TestReplyMessageJoinsParts(t *testing.T) {
	p := layeh.New(layeh.CodeAccessChallenge, []byte("s"))
	_ = rfc2865.ReplyMessage_AddString(p, "first ")
	_ = rfc2865.ReplyMessage_AddString(p, "second")
	if got := ReplyMessage(p); got != "first second" {
		t.Fatalf("ReplyMessage = %q", got)
	}
}

func TestMessageClassifiers(t *testing.T) {
	if !OffersPush("Submit an empty answer or type push to send another notification") || OffersPush("Enter your passcode.") {
		t.Error("OffersPush")
	}
	if !Denied("The sign-in was denied on your device; this login is cancelled.") || Denied("Authentication failed.") {
		t.Error("Denied")
	}
}

// The enrolment link of a new_user: enroll rejection is found in its
// Reply-Message; anything else is not a link.
func TestEnrollURL(t *testing.T) {
	for msg, want := range map[string]string{
		"You have no sign-in device yet. Set one up within 10 minutes at https://push.example.com/enroll/abc_DEF-1": "https://push.example.com/enroll/abc_DEF-1",
		"Authentication failed. To set up a sign-in device, go to http://127.0.0.1:8080/enroll.":                    "http://127.0.0.1:8080/enroll",
		"Authentication failed.": "",
		"see javascript:alert(1)/enroll or https://evil/other/enroll": "",
	} {
		if got := EnrollURL(msg); got != want {
			t.Errorf("EnrollURL(%q) = %q, want %q", msg, got, want)
		}
	}
}
