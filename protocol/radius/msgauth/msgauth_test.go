package msgauth

import (
	"errors"
	"testing"

	layeh "layeh.com/radius"
	"layeh.com/radius/rfc2869"
)

// The project's one Message-Authenticator type is the dictionary's.
func TestTypeIsRFC2869s(t *testing.T) {
	if layeh.Type(Type) != rfc2869.MessageAuthenticator_Type {
		t.Fatalf("Type = %d, rfc2869 says %d", Type, rfc2869.MessageAuthenticator_Type)
	}
}

// What Encode signs, Verify accepts: a request as it is, a reply with its
// request's authenticator; the attribute comes first and only once; a
// changed octet or another secret does not verify.
func TestEncodeVerify(t *testing.T) {
	secret := []byte("s3cret")
	req := layeh.New(layeh.CodeAccessRequest, secret)
	req.Add(Type, make([]byte, 16)) // replaced, not repeated
	raw, err := Encode(req)
	if err != nil {
		t.Fatal(err)
	}
	if raw[20] != Type || raw[21] != Len {
		t.Fatalf("first attribute %d/%d, want Message-Authenticator", raw[20], raw[21])
	}
	if err := Verify(raw, nil, secret); err != nil {
		t.Fatalf("request: %v", err)
	}
	resp, err := Encode(req.Response(layeh.CodeAccessAccept))
	if err != nil {
		t.Fatal(err)
	}
	if !layeh.IsAuthenticResponse(resp, raw, secret) {
		t.Fatal("Response Authenticator does not verify")
	}
	if err := Verify(resp, raw[4:20], secret); err != nil {
		t.Fatalf("reply: %v", err)
	}
	if err := Verify(resp, raw[4:20], []byte("other")); !errors.Is(err, ErrMismatch) {
		t.Fatalf("reply with another secret: %v", err)
	}
	raw[30] ^= 1
	if err := Verify(raw, nil, secret); !errors.Is(err, ErrMismatch) {
		t.Fatalf("changed request: %v", err)
	}
	if err := Verify(raw[:20], nil, secret); !errors.Is(err, ErrMissing) {
		t.Fatalf("no attribute: %v", err)
	}
}
