package test

import (
	"encoding/hex"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pushauth/pushauth/config"
	"github.com/pushauth/pushauth/directory/slapdtest"
	"github.com/pushauth/pushauth/push"
)

// gatewayAttributes are a policy's reply attributes as an operator sets
// them: RFC ones (built in) and vendor ones from testdata's dictionary.
var gatewayAttributes = []string{
	"Class: OU=VPN-Admins;",
	"Session-Timeout: 3600",
	"Filter-Id: staff-acl",
	"Tunnel-Type: VLAN",
	"Tunnel-Medium-Type: IEEE-802",
	"Tunnel-Private-Group-ID: 42",
	"Fortinet-Group-Name: vpn-admins",
	"PaloAlto-User-Group: gp-admins",
	"Cisco-AVPair: shell:priv-lvl=15",
}

// wantGatewayAttributes is how radclient -x prints gatewayAttributes
// (FreeRADIUS's dictionaries name them; Class is octets, shown in hex;
// the tunnel attributes show their tag after the name, 0 when none).
var wantGatewayAttributes = map[string]string{
	"Class":                     "0x" + hex.EncodeToString([]byte("OU=VPN-Admins;")),
	"Session-Timeout":           "3600",
	"Filter-Id":                 "staff-acl",
	"Tunnel-Type:0":             "VLAN",
	"Tunnel-Medium-Type:0":      "IEEE-802",
	"Tunnel-Private-Group-Id:0": "42",
	"Fortinet-Group-Name":       "vpn-admins",
	"PaloAlto-User-Group":       "gp-admins",
	"Cisco-AVPair":              "shell:priv-lvl=15",
}

// startAuthz starts a server with testdata's gateway dictionary in
// radius.dictionaries and the policy vpn-admins carrying
// gatewayAttributes.
func startAuthz(t *testing.T, edit func(*config.Config)) *Harness {
	t.Helper()
	dict, err := filepath.Abs("testdata/dictionary.gateways")
	if err != nil {
		t.Fatal(err)
	}
	h := StartServerYAML(t, "  dictionaries: ["+dict+"]\n", edit)
	h.SetPolicyValues("vpn-admins", map[string]any{"reply_attributes": gatewayAttributes})
	return h
}

// checkAttributes fails unless r carries every attribute of want as
// radclient printed it.
func checkAttributes(t *testing.T, r RadReply, want map[string]string) {
	t.Helper()
	for name, value := range want {
		if got := r.Attrs[name]; got != value {
			t.Errorf("%s: %s = %q, want %q (reply %v)", r.Code, name, got, value, r.Attrs)
		}
	}
}

// S4.7, reply attributes (docs/operations.md "Authorization"): a push approved
// on the phone gives an Access-Accept that carries the user's policy's
// attributes, RFC and vendor ones, as FreeRADIUS's radclient reads them;
// a user of another policy gets none.
func TestReplyAttributesAfterPushWithRadclient(t *testing.T) {
	radclientPath(t)
	h := startAuthz(t, nil)
	for _, user := range []string{"alice", "bob"} {
		h.AddUser(user, "pw-"+user)
	}
	if _, err := h.Admin.SetUserPolicy(h.ctx(), "alice", "vpn-admins"); err != nil {
		t.Fatal(err)
	}
	for user, want := range map[string]bool{"alice": true, "bob": false} {
		phone := h.Phone(user)
		done := make(chan RadReply, 1)
		go func() { done <- h.radLogin(user, "pw-"+user, "") }()
		if err := phone.Answer(h.ctx(), NextPush(t, phone), push.Approve); err != nil {
			t.Fatal(err)
		}
		r := <-done
		if r.Code != "Access-Accept" {
			t.Fatalf("%s: want Access-Accept, got %+v", user, r)
		}
		if want {
			checkAttributes(t, r, wantGatewayAttributes)
		} else if _, has := r.Attrs["Class"]; has {
			t.Fatalf("%s has no such policy but got %v", user, r.Attrs)
		}
	}
}

// Reply attributes after a challenge: the push times out, the challenge
// carries none, and the passcode's Access-Accept carries them all.
func TestReplyAttributesAfterChallengeWithRadclient(t *testing.T) {
	radclientPath(t)
	h := startAuthz(t, timeout(1))
	h.AddUser("carol", "pw-carol")
	if _, err := h.Admin.SetUserPolicy(h.ctx(), "carol", "vpn-admins"); err != nil {
		t.Fatal(err)
	}
	phone := h.Phone("carol")
	r := h.radLogin("carol", "pw-carol", "")
	if r.Code != "Access-Challenge" {
		t.Fatalf("want Access-Challenge after the push timed out, got %+v", r)
	}
	if _, has := r.Attrs["Class"]; has {
		t.Fatalf("the challenge carries reply attributes: %v", r.Attrs)
	}
	code, err := phone.Code(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if r = h.radLogin("carol", code, r.State()); r.Code != "Access-Accept" {
		t.Fatalf("want Access-Accept for the passcode, got %+v", r)
	}
	checkAttributes(t, r, wantGatewayAttributes)
	if rec := h.WaitAudit("carol", 1)[0]; rec.Reason != "timeout-then-passcode" {
		t.Fatalf("audit %+v", rec)
	}
}

// Reply attributes on EAP: eapol_test's Access-Accept carries the
// policy's attributes beside the MS-MPPE keys (which still match).
func TestReplyAttributesEAPEapol(t *testing.T) {
	eapolTest(t)
	certs := newEAPCerts(t)
	h := startAuthz(t, func(c *config.Config) {
		c.EAP = config.EAP{CertFile: certs.cert, KeyFile: certs.key, Methods: []string{"peap", "ttls"},
			FragmentSize: 500, TLSMinVersion: "1.2"}
	})
	for _, m := range eapolMethods[:2] { // PEAP/GTC and TTLS/PAP
		t.Run(m.name, func(t *testing.T) {
			user := "eve-" + m.name
			h.AddUser(user, "pw-"+user)
			if _, err := h.Admin.SetUserPolicy(h.ctx(), user, "vpn-admins"); err != nil {
				t.Fatal(err)
			}
			phone := h.Phone(user)
			run := runEapol(t, h, certs, m, user, "pw-"+user, 20)
			if err := phone.Answer(h.ctx(), NextPush(t, phone), push.Approve); err != nil {
				t.Fatal(err)
			}
			out := expectEapolSuccess(t, run)
			accept := out[strings.LastIndex(out, "code=2 (Access-Accept)"):]
			// eapol_test shows most values in hex and names no Filter-Id.
			for _, want := range []string{"Attribute 25 (Class) length=16\n", "Value: " + hex.EncodeToString([]byte("OU=VPN-Admins;")),
				"Attribute 11 (?Unknown?) length=11", "Attribute 27 (Session-Timeout) length=6\n", "Value: 3600",
				"Attribute 64 (Tunnel-Type) length=6\n", "Value: 0000000d",
				"Attribute 81 (Tunnel-Private-Group-Id) length=4\n", "Value: 3432"} {
				if !strings.Contains(accept, want) {
					t.Errorf("the Access-Accept lacks %q:\n%s", want, accept)
				}
			}
			// Vendor-Specific: vendor 12356 (0x3044), type 1, "vpn-admins";
			// vendor 25461 (0x6375), type 5, "gp-admins".
			for _, vsa := range []string{"00003044010c" + hex.EncodeToString([]byte("vpn-admins")),
				"00006375050b" + hex.EncodeToString([]byte("gp-admins"))} {
				if !strings.Contains(accept, "Value: "+vsa) {
					t.Errorf("the Access-Accept lacks the vendor attribute %s:\n%s", vsa, accept)
				}
			}
		})
	}
}

// Reply attributes by directory group: the policy comes from the first
// group of directory.ldap.groups the user is a member of (a private
// slapd), so a member's accept carries the group policy's attributes and
// a non-member's none.
func TestReplyAttributesByDirectoryGroupWithRadclient(t *testing.T) {
	radclientPath(t)
	s := slapdtest.Run(t, slapdtest.Options{
		Users:  []slapdtest.User{{UID: "alice", Password: "alice-dir-pw"}, {UID: "bob", Password: "bob-dir-pw"}},
		Groups: []slapdtest.Group{{CN: "vpn-admins", Members: []string{"alice"}}},
	})
	h := startAuthz(t, func(c *config.Config) {
		c.Passwords.Source = config.SourceDirectory
		c.Directory.LDAP = &config.LDAP{
			URLs: []string{s.URL}, StartTLS: true, CAFile: s.CAFile,
			BindDN: slapdtest.ServiceDN, BindPassword: slapdtest.ServicePassword,
			BaseDN: slapdtest.BaseDN, UserFilter: slapdtest.UserFilter,
			Groups:  []config.DirectoryGroup{{DN: slapdtest.GroupDN("vpn-admins"), Policy: "vpn-admins"}},
			Timeout: 2 * time.Second, PoolSize: 4, CircuitPause: 500 * time.Millisecond,
		}
	})
	for user, member := range map[string]bool{"alice": true, "bob": false} {
		phone := h.Phone(user)
		done := make(chan RadReply, 1)
		go func() { done <- h.radLogin(user, user+"-dir-pw", "") }()
		if err := phone.Answer(h.ctx(), NextPush(t, phone), push.Approve); err != nil {
			t.Fatal(err)
		}
		r := <-done
		if r.Code != "Access-Accept" {
			t.Fatalf("%s: want Access-Accept, got %+v", user, r)
		}
		if member {
			checkAttributes(t, r, wantGatewayAttributes)
		} else if _, has := r.Attrs["Class"]; has {
			t.Fatalf("%s is in no group but got %v", user, r.Attrs)
		}
	}
}
