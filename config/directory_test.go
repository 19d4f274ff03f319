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
	"strings"
	"testing"
	"time"
)

// adConfig is the Active Directory example with files of the test.
const adConfig = `
directory:
  ldap:
    urls: [ldaps://dc1.example.com, ldaps://dc2.example.com]
    start_tls: false
    ca_file: CAFILE
    bind_dn: CN=pushauth,OU=Service,DC=example,DC=com
    bind_password_file: PWFILE
    base_dn: DC=example,DC=com
    user_filter: (&(objectClass=user)(sAMAccountName={user}))
    timeout: 3s
    pool_size: 4
    circuit_pause: 20s
    groups:
      - {dn: "CN=VPN-Admins,OU=Groups,DC=example,DC=com", policy: strict}
      - {dn: "CN=Staff,OU=Groups,DC=example,DC=com", policy: default}
passwords:
  source: directory
`

// directoryFiles writes a CA and a password file and puts their paths
// into body.
func directoryFiles(t *testing.T, body string) string {
	t.Helper()
	dir := t.TempDir()
	ca, pw := filepath.Join(dir, "ca.pem"), filepath.Join(dir, "ldap.pw")
	if err := os.WriteFile(ca, selfSigned(t), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(pw, []byte("s3rvice-pw\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return strings.NewReplacer("CAFILE", ca, "PWFILE", pw).Replace(body)
}

// SPEC S9.1: the directory section and passwords.source, every key.
func TestDirectoryConfig(t *testing.T) {
	cfg, warns := mustLoad(t, directoryFiles(t, adConfig))
	if len(warns) != 0 {
		t.Errorf("warnings: %v", warns)
	}
	l := cfg.Directory.LDAP
	if l == nil {
		t.Fatal("directory.ldap not decoded")
	}
	if cfg.Passwords.Source != SourceDirectory {
		t.Errorf("source %q", cfg.Passwords.Source)
	}
	if len(l.URLs) != 2 || l.URLs[1] != "ldaps://dc2.example.com" || l.StartTLS || !strings.HasSuffix(l.CAFile, "ca.pem") {
		t.Errorf("urls/tls: %+v", l)
	}
	if l.BindDN != "CN=pushauth,OU=Service,DC=example,DC=com" || l.BindPassword != "s3rvice-pw" || l.BaseDN != "DC=example,DC=com" {
		t.Errorf("bind: %q %q %q", l.BindDN, l.BindPassword, l.BaseDN)
	}
	if l.UserFilter != "(&(objectClass=user)(sAMAccountName={user}))" || l.Timeout != 3*time.Second || l.PoolSize != 4 || l.CircuitPause != 20*time.Second {
		t.Errorf("filter/timeout/pool: %+v", l)
	}
	if len(l.Groups) != 2 || l.Groups[0] != (DirectoryGroup{DN: "CN=VPN-Admins,OU=Groups,DC=example,DC=com", Policy: "strict"}) {
		t.Errorf("groups: %+v", l.Groups)
	}
}

// Defaults: no directory, local passwords; a minimal ldap section.
func TestDirectoryDefaults(t *testing.T) {
	cfg, _ := mustLoad(t, "data_dir: /tmp/x\n")
	if cfg.Directory.LDAP != nil || cfg.Passwords.Source != SourceLocal {
		t.Fatalf("defaults: %+v %q", cfg.Directory, cfg.Passwords.Source)
	}
	cfg, _ = mustLoad(t, `
directory:
  ldap: {urls: [ldap://127.0.0.1:389], bind_dn: "cn=svc,dc=x", bind_password: s3cret-pw, base_dn: "dc=x"}
passwords: {source: local_then_directory}
`)
	l := cfg.Directory.LDAP
	if l.Timeout != DefaultDirectoryTimeout || l.PoolSize != DefaultDirectoryPoolSize ||
		l.UserFilter != "(&(objectClass=person)(uid={user}))" || l.BindPassword != "s3cret-pw" || l.CircuitPause != 10*time.Second {
		t.Fatalf("ldap defaults: %+v", l)
	}
}

// SPEC S1.5: each mistake names its key; the password is never echoed.
func TestDirectoryConfigErrors(t *testing.T) {
	cases := []struct{ name, body, key string }{
		{"no urls", `directory: {ldap: {bind_dn: "cn=a", bind_password: s3cret-pw, base_dn: "dc=x"}}`, "directory.ldap.urls"},
		{"bad scheme", `directory: {ldap: {urls: ["http://dc1"], bind_dn: "cn=a", bind_password: s3cret-pw, base_dn: "dc=x"}}`, "directory.ldap.urls[0]"},
		{"bad dn", `directory: {ldap: {urls: ["ldap://dc1"], bind_dn: "not a dn", bind_password: s3cret-pw, base_dn: "dc=x"}}`, "directory.ldap.bind_dn"},
		{"no base", `directory: {ldap: {urls: ["ldap://dc1"], bind_dn: "cn=a", bind_password: s3cret-pw}}`, "directory.ldap.base_dn"},
		{"no password", `directory: {ldap: {urls: ["ldap://dc1"], bind_dn: "cn=a", base_dn: "dc=x"}}`, "directory.ldap.bind_password_file"},
		{"both passwords", `directory: {ldap: {urls: ["ldap://dc1"], bind_dn: "cn=a", bind_password: pw, bind_password_file: /nonexistent, base_dn: "dc=x"}}`, "directory.ldap.bind_password_file"},
		{"missing password file", `directory: {ldap: {urls: ["ldap://dc1"], bind_dn: "cn=a", bind_password_file: /nonexistent/pw, base_dn: "dc=x"}}`, "directory.ldap.bind_password_file"},
		{"filter without user", `directory: {ldap: {urls: ["ldap://dc1"], bind_dn: "cn=a", bind_password: s3cret-pw, base_dn: "dc=x", user_filter: "(uid=alice)"}}`, "directory.ldap.user_filter"},
		{"bad filter", `directory: {ldap: {urls: ["ldap://dc1"], bind_dn: "cn=a", bind_password: s3cret-pw, base_dn: "dc=x", user_filter: "(uid={user}"}}`, "directory.ldap.user_filter"},
		{"missing ca", `directory: {ldap: {urls: ["ldaps://dc1"], ca_file: /nonexistent/ca.pem, bind_dn: "cn=a", bind_password: s3cret-pw, base_dn: "dc=x"}}`, "directory.ldap.ca_file"},
		{"group without policy", `directory: {ldap: {urls: ["ldap://dc1"], bind_dn: "cn=a", bind_password: s3cret-pw, base_dn: "dc=x", groups: [{dn: "cn=g"}]}}`, "directory.ldap.groups[0].policy"},
		{"unknown key", `directory: {ldap: {urls: ["ldap://dc1"], bind_dn: "cn=a", bind_password: s3cret-pw, base_dn: "dc=x", bind_pw: x}}`, "directory.ldap.bind_pw"},
		{"source without directory", "passwords: {source: directory}", "passwords.source"},
		{"bad source", "passwords: {source: ldap}", "passwords.source"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			errs := loadErrors(t, writeConfig(t, c.body))
			found := false
			for _, e := range errs {
				found = found || e.Key == c.key
				if strings.Contains(e.Msg, "s3cret-pw") {
					t.Errorf("password echoed: %v", e)
				}
			}
			if !found {
				t.Errorf("no error for %s in %v", c.key, errs)
			}
		})
	}
	errs := loadErrors(t, writeConfig(t, `directory: {ldap: {urls: ["ldap://dc1"], bind_dn: "cn=a", bind_password: 7, base_dn: "dc=x", groups: [{dn: "cn=g"}]}}`))
	for _, e := range errs {
		if strings.Contains(e.Msg, "7") && e.Key == "directory.ldap.bind_password" {
			t.Errorf("password echoed: %v", e)
		}
	}
}

// Plain ldap:// to another host without StartTLS sends users' passwords in
// clear: warned about (loopback is not).
func TestDirectoryCleartextWarning(t *testing.T) {
	base := `directory: {ldap: {urls: [URL], bind_dn: "cn=a", bind_password: s3cret-pw, base_dn: "dc=x"TLS}}`
	_, warns := mustLoad(t, strings.NewReplacer("URL", "ldap://dc1.example.com", "TLS", "").Replace(base))
	if len(warns) != 1 || warns[0].Key != "directory.ldap.start_tls" || !warns[0].Unsafe {
		t.Fatalf("warnings %v, want one for directory.ldap.start_tls", warns)
	}
	for _, r := range []*strings.Replacer{
		strings.NewReplacer("URL", "ldap://dc1.example.com", "TLS", ", start_tls: true"),
		strings.NewReplacer("URL", "ldaps://dc1.example.com", "TLS", ""),
		strings.NewReplacer("URL", "ldap://127.0.0.1:389", "TLS", ""),
	} {
		if _, warns := mustLoad(t, r.Replace(base)); len(warns) != 0 {
			t.Errorf("%s: unexpected warnings %v", r.Replace(base), warns)
		}
	}
}

// selfSigned is the PEM of a throw-away CA certificate.
func selfSigned(t *testing.T) []byte {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA"},
		NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}
