package apnstest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// GenerateKey writes a new APNs auth key (.p8: PKCS#8 PEM, ECDSA P-256) to
// dir and returns its path and public key (for Options.PublicKey).
func GenerateKey(t testing.TB, dir string) (p8Path string, pub *ecdsa.PublicKey) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatalf("apnstest: generate key: %v", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatalf("apnstest: encode key: %v", err)
	}
	p8Path = filepath.Join(dir, "AuthKey_"+rand.Text()[:10]+".p8")
	writePEM(t, p8Path, &pem.Block{Type: "PRIVATE KEY", Bytes: der})
	return p8Path, &k.PublicKey
}

// GenerateCert writes a self-signed client certificate and its private key
// in one PEM file to dir (for Config.CertFile) and returns the path.
func GenerateCert(t testing.TB, dir string) string {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatalf("apnstest: generate key: %v", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: "Apple Push Services: apnstest"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatalf("apnstest: create certificate: %v", err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatalf("apnstest: encode key: %v", err)
	}
	path := filepath.Join(dir, "apns-cert.pem")
	writePEM(t, path, &pem.Block{Type: "CERTIFICATE", Bytes: der}, &pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})
	return path
}

func writePEM(t testing.TB, path string, blocks ...*pem.Block) {
	t.Helper()
	var out []byte
	for _, b := range blocks {
		out = append(out, pem.EncodeToMemory(b)...)
	}
	if err := os.WriteFile(path, out, 0o600); err != nil {
		t.Fatalf("apnstest: %v", err)
	}
}
