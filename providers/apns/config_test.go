package apns

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pushauth/pushauth/providers/apns/apnstest"
)

func writeFile(t *testing.T, dir, name string, blocks ...*pem.Block) string {
	t.Helper()
	var b []byte
	for _, blk := range blocks {
		b = append(b, pem.EncodeToMemory(blk)...)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// otherFiles writes a P-384 key and an expired certificate.
func otherFiles(t *testing.T, dir string) (p384, expired string) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, _ := x509.MarshalPKCS8PrivateKey(k)
	p384 = writeFile(t, dir, "p384.p8", &pem.Block{Type: "PRIVATE KEY", Bytes: der})
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "old"},
		NotBefore: time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC), NotAfter: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC),
	}
	crt, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	expired = writeFile(t, dir, "expired.pem", &pem.Block{Type: "CERTIFICATE", Bytes: crt}, &pem.Block{Type: "PRIVATE KEY", Bytes: der})
	return p384, expired
}

func TestValidate(t *testing.T) {
	dir := t.TempDir()
	p8, _ := apnstest.GenerateKey(t, dir)
	certPEM := apnstest.GenerateCert(t, dir)
	p384, expired := otherFiles(t, dir)
	garbage := filepath.Join(dir, "garbage")
	if err := os.WriteFile(garbage, []byte("not a key"), 0o600); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "missing.p8")
	noCert := writeFile(t, dir, "nocert.pem", &pem.Block{Type: "PUBLIC KEY", Bytes: []byte{1}})
	tok := func(c Config) Config {
		c.KeyFile, c.KeyID, c.TeamID = p8, keyID, teamID
		if c.Topic == "" {
			c.Topic = topic
		}
		return c
	}
	cases := []struct {
		name string
		c    Config
		want []string // "field: text" fragments, one per error
	}{
		{"token ok", tok(Config{}), nil},
		{"cert ok", Config{Topic: topic, CertFile: certPEM, CAFile: certPEM, Environment: "sandbox"}, nil},
		{"p12 ok", Config{Topic: topic, CertFile: "testdata/cert-legacy.p12", CertPassword: "secret"}, nil},
		{"empty", Config{}, []string{"topic: missing", "key_file: no credentials"}},
		{"topic", tok(Config{Topic: "com.example app"}), []string{"topic: \"com.example app\" is not a bundle id"}},
		{"environment", tok(Config{Environment: "development"}), []string{"environment: \"development\" is not"}},
		{"url scheme", tok(Config{URL: "http://apns.local"}), []string{"url: \"http://apns.local\": scheme must be https"}},
		{"url path", tok(Config{URL: "https://apns.local/3/device"}), []string{"url: \"https://apns.local/3/device\": give only"}},
		{"url host", tok(Config{URL: "apns.local"}), []string{"url: \"apns.local\" is not a URL"}},
		{"both", Config{Topic: topic, KeyFile: p8, CertFile: certPEM}, []string{"key_file: both token auth"}},
		{"key unreadable", Config{Topic: topic, KeyFile: missing, KeyID: keyID, TeamID: teamID}, []string{"key_file: cannot read"}},
		{"key garbage", Config{Topic: topic, KeyFile: garbage, KeyID: keyID, TeamID: teamID}, []string{"key_file: " + garbage + " is not a .p8 key"}},
		{"key p384", Config{Topic: topic, KeyFile: p384, KeyID: keyID, TeamID: teamID}, []string{"key_file: " + p384 + ": key is not on curve P-256"}},
		{"ids missing", Config{Topic: topic, KeyFile: p8}, []string{"key_id: missing", "team_id: missing"}},
		{"key id spaces", Config{Topic: topic, KeyFile: p8, KeyID: "ABC 123", TeamID: teamID}, []string{"key_id: \"ABC 123\": only letters and digits"}},
		{"key file missing", Config{Topic: topic, KeyID: keyID, TeamID: teamID}, []string{"key_file: missing"}},
		{"password alone", Config{Topic: topic, CertPassword: "secret"}, []string{"cert_file: missing"}},
		{"cert unreadable", Config{Topic: topic, CertFile: missing}, []string{"cert_file: cannot read"}},
		{"cert garbage", Config{Topic: topic, CertFile: garbage}, []string{"cert_file: " + garbage + " is not a .p12 or .pem"}},
		{"pem no cert", Config{Topic: topic, CertFile: noCert}, []string{"cert_file: " + noCert + " is not a .p12 or .pem"}},
		{"cert expired", Config{Topic: topic, CertFile: expired}, []string{"cert_file: " + expired + ": certificate expired on 2020-01-01"}},
		{"p12 password", Config{Topic: topic, CertFile: "testdata/cert-legacy.p12", CertPassword: "wrong"}, []string{"cert_file: testdata/cert-legacy.p12: wrong cert_password"}},
		{"p12 aes", Config{Topic: topic, CertFile: "testdata/cert-aes.p12", CertPassword: "secret"}, []string{"cert_file: testdata/cert-aes.p12: unsupported .p12 encryption"}},
		{"ca unreadable", tok(Config{CAFile: missing}), []string{"ca_file: cannot read"}},
		{"ca garbage", tok(Config{CAFile: garbage}), []string{"ca_file: " + garbage + " holds no PEM certificate"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			errs := Validate(c.c)
			if len(errs) != len(c.want) {
				t.Fatalf("got %d errors %q, want %q", len(errs), errs, c.want)
			}
			for i, err := range errs {
				var fe *FieldError
				if !errors.As(err, &fe) || !strings.HasPrefix(c.want[i], fe.Field+": ") {
					t.Errorf("error %q is not a FieldError for %q", err, c.want[i])
				}
				if !strings.Contains(err.Error(), c.want[i]) {
					t.Errorf("error %q, want %q", err, c.want[i])
				}
				if strings.Contains(err.Error(), "secret") {
					t.Errorf("error %q holds the password", err)
				}
			}
			if _, err := New(c.c); (err == nil) != (len(c.want) == 0) {
				t.Errorf("New: %v", err)
			}
		})
	}
}
