package config

import (
	"crypto/tls"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pushauth/pushauth/internal/testcerts"
)

// radsecConfig is a config with RadSec on, a UDP client and a RadSec
// client, with files from a test CA; extra is appended to radius.tls.
func radsecConfig(t *testing.T, clientExtra, tlsExtra string) (string, testcerts.Files) {
	t.Helper()
	ca := testcerts.NewCA(t, "ca")
	f := ca.Node(t, "server", testcerts.Options{})
	return `radius:
  clients:
    - {name: nas, address: 10.0.0.1, secret: s3cret}
    - name: proxy
      tls_subject: proxy.example` + clientExtra + `
  tls:
    enabled: true
    listen: 127.0.0.1:0
    cert_file: ` + f.CertFile + `
    key_file: ` + f.KeyFile + `
    ca_file: ` + f.CAFile + tlsExtra + "\n", f
}

// A RadSec client needs no address or secret (RFC 6614's "radsec"), may
// share an address with a UDP client, and the section's defaults hold.
func TestRadSecDecodes(t *testing.T) {
	body, _ := radsecConfig(t, "\n      address: 10.0.0.1", "\n    min_version: \"1.3\"")
	cfg, warns := mustLoad(t, body)
	if len(warns) != 0 {
		t.Fatalf("warnings %v", warns)
	}
	c := cfg.Radius.Clients[1]
	if !c.IsTLS() || cfg.Radius.Clients[0].IsTLS() || c.Secret != "radsec" || c.TLSSubject != "proxy.example" || !c.Prefix().IsValid() {
		t.Fatalf("client %+v", c)
	}
	r := cfg.Radius.TLS
	if !r.Enabled || r.MinVersion != tls.VersionTLS13 || r.IdleTimeout != 120*time.Second || r.MaxConnectionsPerAddress != 16 {
		t.Fatalf("radius.tls %+v", r)
	}
	if errs, _ := cfg.CheckFiles(time.Now()); len(errs) != 0 {
		t.Fatalf("CheckFiles: %v", errs)
	}
}

// Mistakes are errors at the key that holds them, with file and line.
func TestRadSecErrors(t *testing.T) {
	good, f := radsecConfig(t, "", "")
	for _, tt := range []struct{ body, key, want string }{
		{strings.Replace(good, "    cert_file: "+f.CertFile+"\n", "", 1), "radius.tls.cert_file", "required"},
		{strings.Replace(good, "    ca_file: "+f.CAFile, "", 1), "radius.clients[1].tls_subject", "no CA"},
		{strings.Replace(good, "      tls_subject: proxy.example", "      tls_ca_file: /nonexistent/ca.crt", 1), "radius.clients[1].tls_ca_file", "cannot read"},
		{strings.Replace(good, "min_version", "min_version", 1) + "    min_version: \"1.1\"\n", "radius.tls.min_version", ""},
		{strings.Replace(good, "      tls_subject: proxy.example", "      secret: s3cret", 1), "radius.clients[1].address", "required"},
		{good + "    idle_timeout: forever\n", "radius.tls.idle_timeout", ""},
		{strings.Replace(good, "listen: 127.0.0.1:0", "listen: 127.0.0.1:8443", 1), "radius.tls.listen", "admin_api.listen"},
	} {
		errs := loadErrors(t, writeConfig(t, tt.body))
		found := false
		for _, e := range errs {
			if e.Key == tt.key && e.Line > 0 && strings.Contains(e.Msg, tt.want) {
				found = true
			}
		}
		if !found {
			t.Errorf("want an error at %s containing %q, got %v", tt.key, tt.want, errs)
		}
	}
	dup := strings.Replace(good, "  tls:\n", "    - {name: proxy2, tls_subject: proxy.example}\n  tls:\n", 1)
	if errs := loadErrors(t, writeConfig(t, dup)); len(errs) != 1 || errs[0].Key != "radius.clients[2]" {
		t.Errorf("duplicate match: %v", errs)
	}
	none := strings.Replace(good, "      tls_subject: proxy.example", "      address: 10.0.0.2\n      secret: x", 1)
	if errs := loadErrors(t, writeConfig(t, none)); len(errs) != 1 || errs[0].Key != "radius.tls.enabled" {
		t.Errorf("no RadSec client: %v", errs)
	}
}

// --check-config loads the RadSec certificate, key and CA files.
func TestRadSecCheckFiles(t *testing.T) {
	body, f := radsecConfig(t, "", "")
	cfg, _ := mustLoad(t, body)
	cfg.Radius.TLS.KeyFile = filepath.Join(t.TempDir(), "missing.key")
	errs, _ := cfg.CheckFiles(time.Now())
	if len(errs) != 1 || errs[0].Key != "radius.tls.key_file" {
		t.Fatalf("missing key: %v", errs)
	}
	cfg.Radius.TLS.KeyFile = f.KeyFile
	cfg.Radius.TLS.CAFile = f.KeyFile // a key where the CA belongs
	if errs, _ := cfg.CheckFiles(time.Now()); len(errs) != 1 || errs[0].Key != "radius.tls.ca_file" {
		t.Fatalf("bad CA: %v", errs)
	}
}
