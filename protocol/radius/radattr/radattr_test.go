package radattr

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	layeh "layeh.com/radius"
)

func vendors(t *testing.T) *Dictionary {
	t.Helper()
	d, err := Load([]string{"testdata/vendors.dictionary"})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// Each supported type encodes as RFC 2865, 2868 and 3162 lay it out;
// vendor attributes go inside Vendor-Specific in their vendor's format.
func TestEncode(t *testing.T) {
	d := vendors(t)
	for _, c := range []struct {
		entry string
		want  []byte
	}{
		{"Class: OU=VPN-Admins;", append([]byte{25, 16}, "OU=VPN-Admins;"...)},
		{`Filter-Id: "staff acl"`, append([]byte{11, 11}, "staff acl"...)},
		{"Session-Timeout: 3600", []byte{27, 6, 0, 0, 0x0e, 0x10}},
		{"service-type: administrative-user", []byte{6, 6, 0, 0, 0, 6}},
		{"Framed-IP-Address: 10.0.0.7", []byte{8, 6, 10, 0, 0, 7}},
		{"Framed-IPv6-Prefix: 2001:db8::/32", []byte{97, 8, 0, 32, 0x20, 0x01, 0x0d, 0xb8}},
		{"Tunnel-Type: VLAN", []byte{64, 6, 0, 0, 0, 13}},
		{"Tunnel-Medium-Type:1: IEEE-802", []byte{65, 6, 1, 0, 0, 6}},
		{"Tunnel-Private-Group-ID: 42", []byte{81, 4, '4', '2'}},
		{"Tunnel-Private-Group-Id:2: 42", []byte{81, 5, 2, '4', '2'}},
		{"Cisco-AVPair: shell:priv-lvl=15", append([]byte{26, 25, 0, 0, 0, 9, 1, 19}, "shell:priv-lvl=15"...)},
		{"Fortinet-Group-Name: admins", append([]byte{26, 14, 0, 0, 0x30, 0x44, 1, 8}, "admins"...)},
		{"PaloAlto-User-Group: vpn", append([]byte{26, 11, 0, 0, 0x63, 0x75, 5, 5}, "vpn"...)},
		{"Wide-Level: Admin", []byte{26, 14, 0, 0, 0xfd, 0xe8, 0x01, 0x2c, 0, 8, 0, 0, 0, 15}},
	} {
		got, err := d.Encode([]string{c.entry})
		if err != nil || !bytes.Equal(got, c.want) {
			t.Errorf("Encode(%q) = %v, %v; want %v", c.entry, got, err, c.want)
		}
	}
}

// Every refusal names the entry and says what is wrong with it.
func TestEncodeRefuses(t *testing.T) {
	d := vendors(t)
	for _, c := range []struct{ entry, want string }{
		{"Nope-Attribute: 1", "unknown attribute Nope-Attribute"},
		{"Cisco-AVPair: x", ""}, // known here, unknown to Builtin below
		{"Session-Timeout: soon", `"soon" is neither a number`},
		{"Session-Timeout: 4294967296", "neither a number"},
		{"Service-Type: Superuser", "Administrative-User"[:0] + "neither a number"},
		{"Framed-IP-Address: 10.0.0", "not an IP address"},
		{"Framed-IP-Address: ::1", "not an IPv4 address"},
		{"Class:", "empty value"},
		{"Class", `not "Name: value"`},
		{"State: abc", "written by pushauth itself"},
		{"Message-Authenticator: 0x00", "written by pushauth itself"},
		{"Tunnel-Password: secret", "encrypted"},
		{"Class:1: x", "takes no tag"},
		{"Tunnel-Type:32: VLAN", "tag 32 is not 1 to 31"},
		{"Vendor-Specific: 0x00", "type vsa"},
		{"Class: 0x", ""},
		{"Class: " + strings.Repeat("x", 254), "more than the 253"},
		{"Cisco-AVPair: " + strings.Repeat("x", 248), "more than the 247"},
	} {
		_, err := d.Encode([]string{"Filter-Id: ok", c.entry})
		if c.want == "" {
			if err != nil {
				t.Errorf("Encode(%q): %v", c.entry, err)
			}
			continue
		}
		var ee *EntryError
		if !errors.As(err, &ee) || ee.Index != 1 || ee.Entry != c.entry || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Encode(%q) = %v; want an EntryError at 1 saying %q", c.entry, err, c.want)
		}
	}
	if _, err := Builtin().Encode([]string{"Cisco-AVPair: x"}); err == nil || !strings.Contains(err.Error(), "unknown attribute") {
		t.Errorf("Builtin knows Cisco-AVPair: %v", err)
	}
}

// Attributes that would not leave an Access-Accept within 4096 octets are
// refused as a whole; up to MaxOctets they are accepted.
func TestEncodeSize(t *testing.T) {
	d := Builtin()
	full := strings.Repeat("x", 253)
	var entries []string
	for range MaxOctets / 255 {
		entries = append(entries, "Class: "+full)
	}
	rest := MaxOctets - len(entries)*255 - 2
	entries = append(entries, "Class: "+strings.Repeat("y", rest))
	got, err := d.Encode(entries)
	if err != nil || len(got) != MaxOctets {
		t.Fatalf("Encode of exactly MaxOctets: %d octets, %v", len(got), err)
	}
	_, err = d.Encode(append(entries, "Filter-Id: z"))
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("Encode over MaxOctets: %v, want ErrTooLarge", err)
	}
	// The budget is what an Accept leaves: the biggest reply still fits.
	p := layeh.New(layeh.CodeAccessAccept, []byte("secret"))
	if err := AddTo(p, got); err != nil {
		t.Fatal(err)
	}
	p.Add(79, layeh.Attribute([]byte{3, 1, 0, 4})) // EAP-Success
	p.Add(80, layeh.Attribute(make([]byte, 16)))   // Message-Authenticator
	p.Add(26, layeh.Attribute(make([]byte, 56)))   // MS-MPPE-Recv-Key
	p.Add(26, layeh.Attribute(make([]byte, 56)))   // MS-MPPE-Send-Key
	if b, err := p.Encode(); err != nil || len(b) != layeh.MaxPacketLength {
		t.Fatalf("largest accept: %d octets, %v", len(b), err)
	}
}

// Load names the file, and the line, of a dictionary it cannot use.
func TestLoadErrors(t *testing.T) {
	for _, c := range []struct {
		paths []string
		index int
		want  string
	}{
		{[]string{"testdata/vendors.dictionary", "testdata/missing.dictionary"}, 1, "testdata/missing.dictionary: open"},
		{[]string{"testdata/broken.dictionary"}, 0, `testdata/broken.dictionary line 3: unknown attribute type "strung`},
		{[]string{"testdata/conflict.dictionary"}, 0, "attribute Class is defined differently"},
	} {
		_, err := Load(c.paths)
		var fe *FileError
		if !errors.As(err, &fe) || fe.Index != c.index || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Load(%v) = %v; want a FileError at %d saying %q", c.paths, err, c.index, c.want)
		}
	}
}

// A file may $INCLUDE another beside it, and a dictionary loaded twice
// (or the RFC attributes again) is no conflict.
func TestLoadIncludes(t *testing.T) {
	d, err := Load([]string{"testdata/includes.dictionary", "testdata/vendors.dictionary"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Encode([]string{"Fortinet-Group-Name: g"}); err != nil {
		t.Fatal(err)
	}
}
