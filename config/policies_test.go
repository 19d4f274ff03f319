package config

import (
	"strings"
	"testing"
)

// Issue 18 (S4.4): the policies the configuration names are listed with
// their keys, and each one missing from the store is a warning naming the
// key, the client or group, and the fallback; "default" always exists.
func TestMissingPolicies(t *testing.T) {
	cfg, _, err := LoadBytes("t.yaml", []byte(`
radius:
  clients:
    - {name: vpn, address: 10.0.0.1, secret: s, kind: ddl, policy: vpn-users}
    - {name: web, address: 10.0.0.2, secret: s, kind: isapi, policy: web}
    - {name: nas, address: 10.0.0.3, secret: s, policy: default}
    - {name: plain, address: 10.0.0.4, secret: s}
directory:
  ldap:
    urls: [ldaps://dc.example.com]
    bind_dn: cn=svc,dc=example,dc=com
    bind_password: pw
    base_dn: dc=example,dc=com
    groups:
      - {dn: "cn=admins,dc=example,dc=com", policy: strict}
      - {dn: "cn=staff,dc=example,dc=com", policy: web}
`), nil)
	if err != nil {
		t.Fatal(err)
	}
	refs := cfg.PolicyReferences()
	if len(refs) != 5 || refs[0].Key != "radius.clients[0].policy" || refs[0].Name != "vpn-users" ||
		refs[3].Key != "directory.ldap.groups[0].policy" || refs[3].Name != "strict" {
		t.Fatalf("references %+v", refs)
	}
	warns := cfg.MissingPolicies([]string{"web", "unused"})
	if len(warns) != 2 {
		t.Fatalf("warnings %+v, want vpn-users and strict", warns)
	}
	if w := warns[0]; w.Key != "radius.clients[0].policy" || w.Value != `"vpn-users"` ||
		!strings.Contains(w.Msg, `client "vpn"`) || !strings.Contains(w.Msg, "does not exist") || !strings.Contains(w.Msg, "default policy") {
		t.Errorf("client warning %+v", w)
	}
	if w := warns[1]; w.Key != "directory.ldap.groups[0].policy" || !strings.Contains(w.Msg, `directory group "cn=admins,dc=example,dc=com"`) {
		t.Errorf("group warning %+v", w)
	}
	if warns := cfg.MissingPolicies([]string{"web", "vpn-users", "strict"}); len(warns) != 0 {
		t.Errorf("all stored, still warned: %+v", warns)
	}
}
