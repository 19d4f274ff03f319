package webpush

import (
	"bytes"
	"crypto/ecdh"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"testing"
)

func b64(t *testing.T, s string) []byte {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// RFC 8291 Appendix A: the whole worked example, byte for byte.
func TestRFC8291AppendixA(t *testing.T) {
	plaintext := []byte("When I grow up, I want to be a watermelon")
	asPriv, err := ecdh.P256().NewPrivateKey(b64(t, "yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw"))
	if err != nil {
		t.Fatal(err)
	}
	if got := base64.RawURLEncoding.EncodeToString(asPriv.PublicKey().Bytes()); got !=
		"BP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A8" {
		t.Fatalf("as_public = %s", got)
	}
	uaPriv, err := ecdh.P256().NewPrivateKey(b64(t, "q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94"))
	if err != nil {
		t.Fatal(err)
	}
	uaPublic := b64(t, "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4")
	if !bytes.Equal(uaPriv.PublicKey().Bytes(), uaPublic) {
		t.Fatal("ua_public does not match ua_private")
	}
	auth := b64(t, "BTBZMqHH6r4Tts7J_aSIgg")
	salt := b64(t, "DGv6ra1nlYgDCS1FRnbzlw")
	want := "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN"
	body, err := encrypt(plaintext, uaPublic, auth, asPriv, salt)
	if err != nil {
		t.Fatal(err)
	}
	if got := base64.RawURLEncoding.EncodeToString(body); got != want {
		t.Fatalf("body\n got %s\nwant %s", got, want)
	}
	got, err := Decrypt(b64(t, want), uaPriv, auth)
	if err != nil || !bytes.Equal(got, plaintext) {
		t.Fatalf("Decrypt = %q, %v", got, err)
	}
}

func TestEncryptRoundTripAndLimit(t *testing.T) {
	ua, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	auth := make([]byte, 16)
	_, _ = rand.Read(auth)
	sub := &Subscription{Endpoint: "https://push.example.net/x", P256DH: ua.PublicKey().Bytes(), Auth: auth}
	largest := bytes.Repeat([]byte("x"), MaxPlaintext)
	body, err := Encrypt(largest, sub)
	if err != nil {
		t.Fatal(err)
	}
	if len(body) != 4096 {
		t.Errorf("largest body %d octets, want 4096 (RFC 8291 section 4)", len(body))
	}
	if got, err := Decrypt(body, ua, auth); err != nil || !bytes.Equal(got, largest) {
		t.Fatalf("round trip: %v", err)
	}
	if _, err := Encrypt(append(largest, 'x'), sub); !errors.Is(err, ErrTooLarge) {
		t.Errorf("3994 octets: %v, want ErrTooLarge", err)
	}
	other := make([]byte, 16)
	if _, err := Decrypt(body, ua, other); err == nil {
		t.Error("decrypted with the wrong auth secret")
	}
	a, _ := Encrypt([]byte("same"), sub)
	b, _ := Encrypt([]byte("same"), sub)
	if bytes.Equal(a[:saltLength], b[:saltLength]) || bytes.Equal(a[21:headerLength], b[21:headerLength]) {
		t.Error("salt or sender key reused between messages")
	}
}
