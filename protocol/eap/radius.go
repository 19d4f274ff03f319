package eap

import (
	"errors"
	"fmt"

	"layeh.com/radius"
)

// RADIUS attribute types used with EAP (RFC 3579, RFC 2865).
const (
	AttrEAPMessage     = 79
	AttrVendorSpecific = 26
	maxAttrValue       = 253
)

// ErrEAPMessage reports EAP-Message attributes that do not form one EAP
// packet (split by other attributes, or a length that does not match).
var ErrEAPMessage = errors.New("eap: bad EAP-Message attributes")

// ExtractEAPMessage walks the wire-encoded attribute area of a RADIUS
// packet (everything after the 20-octet header) and joins the values of
// its EAP-Message attributes, which RFC 3579 §3.1 requires to be
// consecutive. ok is false when there is none. The joined packet must be
// one EAP packet whose Length matches.
func ExtractEAPMessage(attrs []byte) (msg []byte, ok bool, err error) {
	var values [][]byte
	ended := false
	for len(attrs) > 0 {
		if len(attrs) < 2 || attrs[1] < 2 || int(attrs[1]) > len(attrs) {
			return nil, false, fmt.Errorf("extract eap-message: malformed attribute: %w", ErrEAPMessage)
		}
		typ, n := attrs[0], int(attrs[1])
		if typ == AttrEAPMessage {
			if ended {
				return nil, false, fmt.Errorf("extract eap-message: attributes not consecutive: %w", ErrEAPMessage)
			}
			values = append(values, attrs[2:n])
		} else if len(values) > 0 {
			ended = true
		}
		attrs = attrs[n:]
	}
	if len(values) == 0 {
		return nil, false, nil
	}
	msg, err = JoinEAPMessage(values)
	if err != nil {
		return nil, false, err
	}
	return msg, true, nil
}

// JoinEAPMessage concatenates EAP-Message values (in order) and checks
// that they hold exactly one EAP packet: at least a header, and a Length
// field equal to the joined size.
func JoinEAPMessage(values [][]byte) ([]byte, error) {
	n := 0
	for _, v := range values {
		if len(v) == 0 {
			return nil, fmt.Errorf("join eap-message: empty attribute: %w", ErrEAPMessage)
		}
		n += len(v)
		if n > MaxPacketLen {
			return nil, fmt.Errorf("join eap-message: more than %d octets: %w", MaxPacketLen, ErrEAPMessage)
		}
	}
	msg := make([]byte, 0, n)
	for _, v := range values {
		msg = append(msg, v...)
	}
	if len(msg) < headerLen || int(msg[2])<<8|int(msg[3]) != len(msg) {
		return nil, fmt.Errorf("join eap-message: length field does not match %d octets: %w", len(msg), ErrEAPMessage)
	}
	return msg, nil
}

// SplitEAPMessage cuts an EAP packet into EAP-Message values of at most
// 253 octets (RFC 3579 §3.1). The values alias msg.
func SplitEAPMessage(msg []byte) [][]byte {
	out := make([][]byte, 0, (len(msg)+maxAttrValue-1)/maxAttrValue)
	for len(msg) > 0 {
		n := min(len(msg), maxAttrValue)
		out = append(out, msg[:n])
		msg = msg[n:]
	}
	return out
}

// AppendEAPMessage appends msg as wire-encoded EAP-Message attributes to
// dst.
func AppendEAPMessage(dst, msg []byte) []byte {
	for _, v := range SplitEAPMessage(msg) {
		dst = append(dst, AttrEAPMessage, byte(len(v)+2))
		dst = append(dst, v...)
	}
	return dst
}

// FromPacket returns the EAP packet carried by a layeh RADIUS packet; ok
// is false when it carries none.
func FromPacket(p *radius.Packet) (msg []byte, ok bool, err error) {
	var values [][]byte
	ended := false
	for _, avp := range p.Attributes {
		if avp.Type == AttrEAPMessage {
			if ended {
				return nil, false, fmt.Errorf("eap-message from radius packet: attributes not consecutive: %w", ErrEAPMessage)
			}
			values = append(values, avp.Attribute)
		} else if len(values) > 0 {
			ended = true
		}
	}
	if len(values) == 0 {
		return nil, false, nil
	}
	msg, err = JoinEAPMessage(values)
	if err != nil {
		return nil, false, fmt.Errorf("eap-message from radius packet: %w", err)
	}
	return msg, true, nil
}

// AddToPacket appends msg to a layeh RADIUS packet as consecutive
// EAP-Message attributes. The Message-Authenticator is the caller's.
func AddToPacket(p *radius.Packet, msg []byte) {
	for _, v := range SplitEAPMessage(msg) {
		p.Attributes.Add(AttrEAPMessage, radius.Attribute(append([]byte(nil), v...)))
	}
}
