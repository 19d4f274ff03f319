package push

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestSignedPayloadVerifies(t *testing.T) {
	key, err := LoadOrCreateKey(filepath.Join(t.TempDir(), "k.pem"))
	if err != nil {
		t.Fatal(err)
	}
	s := NewSigner(key)
	signed, err := s.Sign(Payload{LoginID: "L", Nonce: "N", User: "u", DeviceID: "d", Expires: time.Unix(0, 0).UTC()})
	if err != nil {
		t.Fatal(err)
	}
	pub, _ := base64.StdEncoding.DecodeString(s.PublicKey())
	if err := Verify(pub, []byte(signed.Data), signed.Signature); err != nil {
		t.Fatalf("own signature: %v", err)
	}
	tampered := []byte(signed.Data)
	tampered[len(tampered)-2] ^= 1
	if err := Verify(pub, tampered, signed.Signature); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("tampered data verified: %v", err)
	}
	if err := Verify(pub, []byte(signed.Data), "not base64!"); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("garbage signature: %v", err)
	}
}

func TestVerifyRefusesOtherCurves(t *testing.T) {
	k, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, _ := x509.MarshalPKIXPublicKey(&k.PublicKey)
	if _, err := ParsePublicKey(der); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("P-384 key accepted: %v", err)
	}
	if _, err := ParsePublicKey([]byte("junk")); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("junk key accepted: %v", err)
	}
}

func TestAnswerMessageBytes(t *testing.T) {
	if got := string(AnswerMessage("L1", "N1", Deny)); got != "L1|N1|deny" {
		t.Fatalf("got %q", got)
	}
}

func TestSigningKeyCreatedPrivateAndReused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "k.pem")
	k1, err := LoadOrCreateKey(path)
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %v err %v", st.Mode(), err)
	}
	k2, err := LoadOrCreateKey(path)
	if err != nil || !k1.Equal(k2) {
		t.Fatalf("key not reused: %v", err)
	}
	if err := os.WriteFile(path, []byte("not pem"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadOrCreateKey(path); err == nil {
		t.Fatal("corrupt key file accepted")
	}
}

// Agents read the number of a number-matching challenge (S10.3) from the
// Reply-Message the server writes with NumberPrompt, and nothing else.
func TestShownNumber(t *testing.T) {
	if n, ok := ShownNumber(fmt.Sprintf(NumberPrompt, 47)); !ok || n != 47 {
		t.Fatalf("ShownNumber(prompt 47) = %d, %v", n, ok)
	}
	for _, msg := range []string{"", "Enter your passcode.", "Pick 7 in your app to approve this sign-in.",
		"Pick 100 in your app to approve this sign-in.", "Notification sent: approve it on your device."} {
		if n, ok := ShownNumber(msg); ok {
			t.Errorf("ShownNumber(%q) = %d, want none", msg, n)
		}
	}
}
