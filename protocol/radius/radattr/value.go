package radattr

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"math"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"layeh.com/radius/dictionary"
)

// encodeValue encodes s as the attribute's type; tag is 0 or 1..31.
func (a *attribute) encodeValue(s string, tag byte) ([]byte, error) {
	if s == "" {
		return nil, fmt.Errorf("%s: empty value", a.name)
	}
	var b []byte
	var err error
	switch a.typ {
	case dictionary.AttributeString:
		b, err = a.stringValue(s, tag)
	case dictionary.AttributeOctets:
		b, err = octets(s, a.size)
	case dictionary.AttributeIPAddr:
		b, err = ipAddr(s, true)
	case dictionary.AttributeIPv6Addr:
		b, err = ipAddr(s, false)
	case dictionary.AttributeIPv6Prefix:
		b, err = ipv6Prefix(s)
	case dictionary.AttributeInteger:
		b, err = a.integer(s, tag)
	case dictionary.AttributeInteger64:
		b, err = unsigned(s, 8, math.MaxUint64)
	case dictionary.AttributeShort:
		b, err = unsigned(s, 2, math.MaxUint16)
	case dictionary.AttributeByte:
		b, err = unsigned(s, 1, math.MaxUint8)
	case dictionary.AttributeSigned:
		b, err = signed(s)
	default:
		return nil, fmt.Errorf("%s is of type %s, which reply attributes do not support", a.name, a.typ)
	}
	if err != nil {
		return nil, fmt.Errorf("%s is of type %s: %w", a.name, a.typ, err)
	}
	return b, nil
}

// stringValue is the text; an attribute with a tag carries it first when
// given. Without one, a first octet of 0x01–0x1f would read as a tag.
func (a *attribute) stringValue(s string, tag byte) ([]byte, error) {
	if a.hasTag && tag == 0 && s[0] <= 0x1f {
		return nil, errors.New("a value beginning with a control character would read as a tag")
	}
	if a.hasTag && tag != 0 {
		return append([]byte{tag}, s...), nil
	}
	return []byte(s), nil
}

// integer is a 32-bit number or one of the attribute's VALUE names; with
// a tag (RFC 2868) the tag takes the first octet and the number the rest.
func (a *attribute) integer(s string, tag byte) ([]byte, error) {
	n, named := a.values[strings.ToLower(s)]
	if !named {
		var err error
		if n, err = strconv.ParseUint(s, 10, 32); err != nil {
			return nil, fmt.Errorf("%q is neither a number from 0 to %d nor a VALUE name of %s%s",
				s, uint32(math.MaxUint32), a.name, a.valueNames())
		}
	}
	b := binary.BigEndian.AppendUint32(nil, uint32(n))
	if a.hasTag {
		if n > 0xffffff {
			return nil, fmt.Errorf("%d does not fit the 24 bits beside the tag", n)
		}
		b[0] = tag
	}
	return b, nil
}

// valueNames lists the first VALUE names in order, for an error.
func (a *attribute) valueNames() string {
	if len(a.values) == 0 {
		return ""
	}
	names := slices.Sorted(maps.Keys(a.values))
	if len(names) > 5 {
		names = append(names[:5], "…")
	}
	return " (" + strings.Join(names, ", ") + ")"
}

func unsigned(s string, size int, limit uint64) ([]byte, error) {
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil || n > limit {
		return nil, fmt.Errorf("%q is not a number from 0 to %d", s, limit)
	}
	b := make([]byte, size)
	putUint(b, n)
	return b, nil
}

func signed(s string) ([]byte, error) {
	n, err := strconv.ParseInt(s, 10, 32)
	if err != nil {
		return nil, fmt.Errorf("%q is not a number from %d to %d", s, math.MinInt32, math.MaxInt32)
	}
	return binary.BigEndian.AppendUint32(nil, uint32(int32(n))), nil
}

// octets is "0x" and hexadecimal digits, or else the text itself (Class
// is octets, and gateways read text in it: "OU=VPN-Admins;"); size, when
// not 0, is the length the dictionary requires.
func octets(s string, size int) ([]byte, error) {
	b := []byte(s)
	if hexText, ok := strings.CutPrefix(s, "0x"); ok {
		if raw, err := hex.DecodeString(hexText); err == nil && len(raw) > 0 {
			b = raw
		}
	}
	if size > 0 && len(b) != size {
		return nil, fmt.Errorf("%d octets, want %d", len(b), size)
	}
	return b, nil
}

func ipAddr(s string, v4 bool) ([]byte, error) {
	ip, err := netip.ParseAddr(s)
	switch {
	case err != nil || ip.Zone() != "":
		return nil, fmt.Errorf("%q is not an IP address", s)
	case v4 && !ip.Is4():
		return nil, fmt.Errorf("%q is not an IPv4 address", s)
	case !v4 && !ip.Is6():
		return nil, fmt.Errorf("%q is not an IPv6 address", s)
	}
	return ip.AsSlice(), nil
}

// ipv6Prefix is RFC 3162 §2.3: a reserved octet, the prefix length and
// the prefix's significant octets.
func ipv6Prefix(s string) ([]byte, error) {
	p, err := netip.ParsePrefix(s)
	if err != nil || !p.Addr().Is6() || p.Addr().Is4In6() {
		return nil, fmt.Errorf("%q is not an IPv6 prefix (2001:db8::/32)", s)
	}
	p = p.Masked()
	addr := p.Addr().As16()
	return append([]byte{0, byte(p.Bits())}, addr[:(p.Bits()+7)/8]...), nil
}
