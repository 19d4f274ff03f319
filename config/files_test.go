package config

import (
	"crypto/x509"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// S1.5: CheckFiles loads every certificate and key the config names
// (device_api, eap, cluster.tls) and says what is wrong with each, at its
// key and line.
func TestCheckFiles(t *testing.T) {
	dir := t.TempDir()
	now := time.Now()
	cert, key := writeCert(t, dir, "good", now.Add(90*24*time.Hour), []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth})
	_, otherKey := writeCert(t, dir, "other", now.Add(90*24*time.Hour), []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth})
	soonCert, soonKey := writeCert(t, dir, "soon", now.Add(24*time.Hour), []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth})
	for _, tt := range []struct {
		name, body, key, msg string
	}{
		{"key is a certificate", "device_api: {cert_file: " + cert + ", key_file: " + cert + "}\n", "device_api.key_file", "key_file holds a certificate, not a private key"},
		{"swapped", "eap: {cert_file: " + key + ", key_file: " + cert + "}\n", "eap.cert_file", "holds a private key, not a certificate"},
		{"unreadable", "device_api: {cert_file: " + cert + ", key_file: " + filepath.Join(dir, "missing.key") + "}\n", "device_api.key_file", "cannot read"},
		{"another's key", "device_api: {cert_file: " + cert + ", key_file: " + otherKey + "}\n", "device_api.key_file", "do not make a key pair"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg, _ := mustLoad(t, tt.body)
			errs, _ := cfg.CheckFiles(now)
			if len(errs) != 1 || errs[0].Key != tt.key || !strings.Contains(errs[0].Msg, tt.msg) || errs[0].Line != 1 {
				t.Fatalf("got %v, want one error for %s at line 1 saying %q", errs, tt.key, tt.msg)
			}
		})
	}
	cfg, _ := mustLoad(t, "device_api: {cert_file: "+soonCert+", key_file: "+soonKey+"}\neap: {cert_file: "+cert+", key_file: "+key+"}\n")
	errs, warns := cfg.CheckFiles(now)
	if len(errs) != 0 || len(warns) != 1 || warns[0].Key != "device_api.cert_file" || !strings.Contains(warns[0].Msg, "within 30 days") {
		t.Fatalf("errors %v, warnings %v; want one warning that the device API's certificate expires", errs, warns)
	}
}
