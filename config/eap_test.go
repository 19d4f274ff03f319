package config

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
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestEAPSection(t *testing.T) {
	cfg, _, err := LoadBytes("t.yaml", []byte(`
eap:
  cert_file: /etc/pushauth/eap.crt
  key_file: /etc/pushauth/eap.key
  methods: [ttls]
  fragment_size: 1200
  tls_min_version: "1.3"
  max_memory_mib: 512
radius:
  clients:
    - {name: wlc, address: 10.0.0.0/24, secret: s, kind: eap, append_mode: true}
`), nil)
	if err != nil {
		t.Fatal(err)
	}
	e := cfg.EAP
	if !e.Enabled() || e.CertFile != "/etc/pushauth/eap.crt" || e.KeyFile != "/etc/pushauth/eap.key" ||
		!reflect.DeepEqual(e.Methods, []string{"ttls"}) || e.FragmentSize != 1200 || e.TLSMinVersion != "1.3" ||
		e.MaxMemoryMiB != 512 {
		t.Fatalf("eap = %+v", e)
	}
	if !cfg.Radius.Clients[0].AppendMode {
		t.Fatal("append_mode not read")
	}
}

func TestEAPDefaultsAndEnv(t *testing.T) {
	cfg, _, err := LoadBytes("t.yaml", nil, []string{"PUSHAUTH_EAP_CERT_FILE=/c", "PUSHAUTH_EAP_KEY_FILE=/k"})
	if err != nil {
		t.Fatal(err)
	}
	e := cfg.EAP
	if e.CertFile != "/c" || e.KeyFile != "/k" || !reflect.DeepEqual(e.Methods, []string{"peap", "ttls"}) ||
		e.FragmentSize != 1024 || e.TLSMinVersion != "1.2" || e.MaxMemoryMiB != DefaultEAPMaxMemoryMiB {
		t.Fatalf("eap = %+v", e)
	}
	cfg, _, err = LoadBytes("t.yaml", nil, nil)
	if err != nil || cfg.EAP.Enabled() {
		t.Fatalf("eap without cert_file: %+v, %v", cfg.EAP, err)
	}
}

func TestEAPSectionErrors(t *testing.T) {
	_, _, err := LoadBytes("t.yaml", []byte(`
eap:
  cert_file: /c
  methods: [peap, tls, peap]
  fragment_size: 10
  tls_min_version: "1.1"
  max_memory_mib: 8
  resume: true
`), nil)
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{"eap.key_file", "eap.methods[1]", "eap.methods[2]", "eap.fragment_size",
		"eap.tls_min_version", "eap.max_memory_mib", "eap.resume"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not name %s:\n%v", want, err)
		}
	}
}

func TestLoadEAPCertificateWarnings(t *testing.T) {
	dir := t.TempDir()
	now := time.Now()
	cases := []struct {
		name     string
		notAfter time.Time
		eku      []x509.ExtKeyUsage
		want     []string
	}{
		{"good", now.Add(90 * 24 * time.Hour), []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, nil},
		{"soon", now.Add(10 * 24 * time.Hour), []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, []string{"within 30 days"}},
		{"expired", now.Add(-time.Hour), []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, []string{"expired"}},
		{"client-only", now.Add(90 * 24 * time.Hour), []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}, []string{"server-auth"}},
	}
	for _, tc := range cases {
		certFile, keyFile := writeCert(t, dir, tc.name, tc.notAfter, tc.eku)
		_, warns, err := LoadEAPCertificate(EAP{CertFile: certFile, KeyFile: keyFile}, now)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if len(warns) != len(tc.want) {
			t.Fatalf("%s: warnings %q, want %q", tc.name, warns, tc.want)
		}
		for i, w := range tc.want {
			if !strings.Contains(warns[i], w) {
				t.Errorf("%s: warning %q, want %q", tc.name, warns[i], w)
			}
		}
	}
	if _, _, err := LoadEAPCertificate(EAP{CertFile: filepath.Join(dir, "none"), KeyFile: filepath.Join(dir, "none")}, now); err == nil {
		t.Fatal("missing files loaded")
	}
}

func writeCert(t *testing.T, dir, name string, notAfter time.Time, eku []x509.ExtKeyUsage) (string, string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name},
		NotBefore: notAfter.Add(-365 * 24 * time.Hour), NotAfter: notAfter, ExtKeyUsage: eku,
		KeyUsage: x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile := filepath.Join(dir, name+".crt"), filepath.Join(dir, name+".key")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kb}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile
}
