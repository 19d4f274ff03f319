package radattr

import (
	"encoding/binary"
	"errors"
	"fmt"
	"regexp"
	"strconv"

	layeh "layeh.com/radius"
	"layeh.com/radius/dictionary"
)

// MaxOctets is the most octets the reply attributes may take: an
// Access-Accept is at most 4096 octets, of which the header (20), the
// Message-Authenticator (18), an EAP-Success (6) and the two MS-MPPE key
// attributes (2 × 58) are always pushauth's. Proxy-States a proxy adds to
// a request come on top; a reply that then does not fit is an
// Access-Reject (protocol/radius).
const MaxOctets = layeh.MaxPacketLength - 20 - 18 - 6 - 2*58

// attrVendorSpecific is RFC 2865 Vendor-Specific.
const attrVendorSpecific = 26

// reserved are the standard attributes pushauth writes itself or that
// never belong in an Access-Accept from a policy.
var reserved = map[int]string{
	2:  "User-Password",
	3:  "CHAP-Password",
	24: "State",
	33: "Proxy-State",
	60: "CHAP-Challenge",
	79: "EAP-Message",
	80: "Message-Authenticator",
}

// EntryError is a reply attribute that cannot be sent: Index is its place
// in the list, Entry the line as given.
type EntryError struct {
	Index int
	Entry string
	Err   error
}

func (e *EntryError) Error() string {
	return fmt.Sprintf("reply_attributes[%d] %q: %v", e.Index, e.Entry, e.Err)
}

func (e *EntryError) Unwrap() error { return e.Err }

// ErrTooLarge is the error (wrapped) of attributes that together exceed
// MaxOctets.
var ErrTooLarge = errors.New("reply attributes too large")

// entryPattern is "Name: value", or "Name:tag: value" for an attribute
// with a tag (RFC 2868), e.g. "Tunnel-Type:1: VLAN".
var entryPattern = regexp.MustCompile(`^\s*([A-Za-z0-9][A-Za-z0-9._-]*)(?::([0-9]{1,2}))?\s*:\s*(.*?)\s*$`)

// Encode checks every entry and returns them as wire-format RADIUS
// attributes, in order. The error is an *EntryError for a bad entry, or
// wraps ErrTooLarge.
func (d *Dictionary) Encode(entries []string) ([]byte, error) {
	var out []byte
	for i, e := range entries {
		b, err := d.encodeEntry(e)
		if err != nil {
			return nil, &EntryError{Index: i, Entry: e, Err: err}
		}
		if len(out)+len(b) > MaxOctets {
			return nil, fmt.Errorf("%w: entries 0 to %d take more than %d octets, the room an Access-Accept leaves for them",
				ErrTooLarge, i, MaxOctets)
		}
		out = append(out, b...)
	}
	return out, nil
}

// encodeEntry encodes one "Name: value" line as one attribute.
func (d *Dictionary) encodeEntry(entry string) ([]byte, error) {
	m := entryPattern.FindStringSubmatch(entry)
	if m == nil {
		return nil, errors.New(`not "Name: value"`)
	}
	a := d.lookup(m[1])
	if a == nil {
		return nil, fmt.Errorf("unknown attribute %s (not in the built-in RFC dictionary nor in radius.dictionaries)", m[1])
	}
	if err := a.sendable(); err != nil {
		return nil, err
	}
	tag, err := a.tag(m[2])
	if err != nil {
		return nil, err
	}
	value, err := a.encodeValue(unquote(m[3]), tag)
	if err != nil {
		return nil, err
	}
	return a.wrap(value)
}

// sendable refuses the attributes a policy may not set.
func (a *attribute) sendable() error {
	switch {
	case a.vendor == nil && reserved[a.code] != "":
		return fmt.Errorf("%s is written by pushauth itself, never by a policy", a.name)
	case a.encrypt != 0:
		return fmt.Errorf("%s is sent encrypted (encrypt=%d), which reply attributes do not support", a.name, a.encrypt)
	case a.tlv:
		return fmt.Errorf("%s is a sub-attribute (TLV), which reply attributes do not support", a.name)
	case a.vendor != nil && !validVendorFormat(a.vendor):
		return fmt.Errorf("%s: vendor %s has a format reply attributes do not support", a.name, a.vendor.Name)
	}
	return nil
}

func validVendorFormat(v *dictionary.Vendor) bool {
	t, l := v.GetTypeOctets(), v.GetLengthOctets()
	return (t == 1 || t == 2 || t == 4) && l >= 0 && l <= 2
}

// tag reads the ":N" after the name (1 to 31, RFC 2868 §3.1).
func (a *attribute) tag(s string) (byte, error) {
	if s == "" {
		return 0, nil
	}
	if !a.hasTag {
		return 0, fmt.Errorf("%s takes no tag (:%s)", a.name, s)
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 0x1f {
		return 0, fmt.Errorf("%s: tag %s is not 1 to 31", a.name, s)
	}
	return byte(n), nil
}

// unquote removes one pair of double quotes around a value, as
// FreeRADIUS users write it.
func unquote(s string) string {
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		return s[1 : len(s)-1]
	}
	return s
}

// wrap puts the value in its attribute: a standard one, or a
// sub-attribute of Vendor-Specific in the vendor's format.
func (a *attribute) wrap(value []byte) ([]byte, error) {
	if a.vendor == nil {
		if len(value) > 253 {
			return nil, fmt.Errorf("%s: the value is %d octets, more than the 253 an attribute holds", a.name, len(value))
		}
		return append([]byte{byte(a.code), byte(2 + len(value))}, value...), nil
	}
	t, l := a.vendor.GetTypeOctets(), a.vendor.GetLengthOctets()
	head := 2 + 4 + t + l
	if head+len(value) > 255 {
		return nil, fmt.Errorf("%s: the value is %d octets, more than the %d a vendor attribute of %s holds",
			a.name, len(value), 255-head, a.vendor.Name)
	}
	b := make([]byte, head, head+len(value))
	b[0], b[1] = attrVendorSpecific, byte(head+len(value))
	binary.BigEndian.PutUint32(b[2:6], uint32(a.vendor.Number))
	putUint(b[6:6+t], uint64(a.code))
	putUint(b[6+t:head], uint64(t+l+len(value)))
	return append(b, value...), nil
}

// putUint writes n big-endian into all of b (1, 2 or 4 octets; none for 0).
func putUint(b []byte, n uint64) {
	for i := len(b) - 1; i >= 0; i-- {
		b[i] = byte(n)
		n >>= 8
	}
}

// AddTo appends encoded attributes (from Encode) to p.
func AddTo(p *layeh.Packet, encoded []byte) error {
	if len(encoded) == 0 {
		return nil
	}
	attrs, err := layeh.ParseAttributes(encoded)
	if err != nil {
		return fmt.Errorf("reply attributes: %w", err)
	}
	p.Attributes = append(p.Attributes, attrs...)
	return nil
}
