package deviceapi_test

import (
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/base32"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/pushauth/pushauth/auth"
	"github.com/pushauth/pushauth/protocol/deviceapi"
	"github.com/pushauth/pushauth/push"
)

// docVector returns the line after label in docs/device-api.md.
func docVector(t *testing.T, doc, label string) string {
	t.Helper()
	_, rest, ok := strings.Cut(doc, "\n"+label+"\n")
	if !ok {
		t.Fatalf("docs/device-api.md has no %q", label)
	}
	line, _, _ := strings.Cut(rest, "\n")
	return line
}

// TestDocVectors checks that the test vectors in docs/device-api.md verify
// and that its messages are the ones the server builds.
func TestDocVectors(t *testing.T) {
	b, err := os.ReadFile("../../docs/device-api.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	v := func(label string) string { return docVector(t, doc, label) }
	devPub := mustB64(t, v("device public key (PKIX DER, base64):"))
	srvPub := mustB64(t, v("server public key (PKIX DER, base64):"))
	checkKeyPair(t, mustB64(t, v("device private key (PKCS#8 DER, base64):")), devPub)

	data := v("push data (server-signed):")
	if err := push.Verify(srvPub, []byte(data), v("push signature:")); err != nil {
		t.Errorf("push signature: %v", err)
	}
	var p push.Payload
	if err := json.Unmarshal([]byte(data), &p); err != nil {
		t.Fatal(err)
	}
	checkSigned(t, devPub, v("answer message (device-signed):"), string(push.AnswerMessage(p.LoginID, p.Nonce, "approve")),
		v("answer signature:"))
	checkSigned(t, devPub, v("pending message (device-signed):"), string(deviceapi.PendingMessage(p.DeviceID, 1741944383)),
		v("pending signature:"))
	checkSigned(t, devPub, v("push-token message (device-signed):"),
		string(deviceapi.PushTokenMessage(p.DeviceID, 1741944383, "fcm-token-abc")), v("push-token signature:"))
	checkWebVectors(t, doc, devPub, p.DeviceID)

	seed, err := base32.StdEncoding.DecodeString("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ")
	if err != nil || string(seed) != "12345678901234567890" {
		t.Fatalf("seed %q %v", seed, err)
	}
	if auth.HOTP(seed, 1, 8) != "94287082" || auth.HOTP(seed, 1, 6) != "287082" {
		t.Error("TOTP vector wrong")
	}
}

func checkSigned(t *testing.T, pub []byte, docMsg, wantMsg, sig string) {
	t.Helper()
	if docMsg != wantMsg {
		t.Errorf("doc message %q, server builds %q", docMsg, wantMsg)
	}
	if err := push.Verify(pub, []byte(docMsg), sig); err != nil {
		t.Errorf("signature over %q: %v", docMsg, err)
	}
}

func checkKeyPair(t *testing.T, pkcs8, pub []byte) {
	t.Helper()
	k, err := x509.ParsePKCS8PrivateKey(pkcs8)
	if err != nil {
		t.Fatal(err)
	}
	ec, ok := k.(*ecdsa.PrivateKey)
	if !ok {
		t.Fatalf("doc private key is a %T", k)
	}
	der, err := x509.MarshalPKIXPublicKey(&ec.PublicKey)
	if err != nil || string(der) != string(pub) {
		t.Errorf("doc private key does not match its public key")
	}
}
