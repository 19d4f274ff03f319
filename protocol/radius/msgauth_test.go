package radius

import (
	"crypto/hmac"
	"crypto/md5"
	"testing"

	layeh "layeh.com/radius"

	"github.com/pushauth/pushauth/internal/testwait"
	"github.com/pushauth/pushauth/protocol/radius/msgauth"
)

// S6.3, RFC 2865 §3: octets after the Length field are padding. A valid
// request followed by padding is accepted, and its Message-Authenticator is
// checked over the first Length bytes only.
func TestTrailingPaddingIgnored(t *testing.T) {
	h := startServer(t, localClient(true), accept)
	req := request(t, testSecret, true)
	padded := append(append([]byte(nil), req...), 0, 0, 0, 0, 0xff, 0xff, 1, 2, 3)
	reply := exchange(t, dial(t, h.addr), padded)
	if layeh.Code(reply[0]) != layeh.CodeAccessAccept || !layeh.IsAuthenticResponse(reply, req, []byte(testSecret)) {
		t.Fatalf("padded request: reply code %d, authentic %v", reply[0], layeh.IsAuthenticResponse(reply, req, []byte(testSecret)))
	}
}

// S6.3: a Message-Authenticator that sits only in the padding is not part
// of the packet; a client that requires one is dropped as missing it.
func TestMessageAuthenticatorInPaddingIgnored(t *testing.T) {
	h := startServer(t, localClient(true), accept)
	forged := withPaddingMessageAuthenticator(request(t, testSecret, false), testSecret)
	if _, err := dial(t, h.addr).Write(forged); err != nil {
		t.Fatal(err)
	}
	testwait.For(t, "drop for a missing Message-Authenticator", func() bool {
		return dropped(h, "missing-message-authenticator") == 1
	})
	if n := h.calls.Load(); n != 0 {
		t.Fatalf("handler saw the request %d times", n)
	}
}

// withPaddingMessageAuthenticator appends, after the packet's Length, a
// Message-Authenticator computed over the whole datagram, as a forger
// would to satisfy a check that reads past Length.
func withPaddingMessageAuthenticator(pkt []byte, secret string) []byte {
	b := append(append([]byte(nil), pkt...), msgauth.Type, msgauth.Len)
	b = append(b, make([]byte, 16)...)
	mac := hmac.New(md5.New, []byte(secret))
	mac.Write(b)
	mac.Sum(b[len(b)-16 : len(b)-16])
	return b
}

// S6.3: a client that may omit the attribute is not judged by a broken one
// in the padding either.
func TestPaddingMessageAuthenticatorNotChecked(t *testing.T) {
	h := startServer(t, localClient(false), accept)
	req := request(t, testSecret, false)
	junk := append(append([]byte(nil), req...), msgauth.Type, msgauth.Len)
	junk = append(junk, make([]byte, 16)...)
	if reply := exchange(t, dial(t, h.addr), junk); layeh.Code(reply[0]) != layeh.CodeAccessAccept {
		t.Fatalf("reply code %d, want Access-Accept", reply[0])
	}
}
