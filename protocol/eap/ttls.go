package eap

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Diameter AVP codes carried inside EAP-TTLS (RFC 5281 §10, RADIUS
// attribute numbers).
const (
	AVPUserName     = 1
	AVPUserPassword = 2
	AVPReplyMessage = 18
	AVPEAPMessage   = 79
)

// AVP flags (RFC 5281 §10.1).
const (
	AVPFlagVendor    uint8 = 0x80
	AVPFlagMandatory uint8 = 0x40
)

// ErrAVP reports malformed Diameter AVPs in a TTLS tunnel.
var ErrAVP = errors.New("eap: bad ttls avp")

// AVP is one Diameter AVP of the TTLS tunnel.
type AVP struct {
	Code   uint32
	Flags  uint8
	Vendor uint32 // set when Flags has AVPFlagVendor
	Data   []byte
}

// ParseAVPs decodes a sequence of AVPs, each padded to four octets (the
// last one's padding may be absent).
func ParseAVPs(b []byte) ([]AVP, error) {
	var out []AVP
	for len(b) > 0 {
		if len(b) < 8 {
			return nil, fmt.Errorf("parse ttls avp: %d octets left: %w", len(b), ErrAVP)
		}
		a := AVP{Code: binary.BigEndian.Uint32(b[0:4]), Flags: b[4]}
		n := int(b[5])<<16 | int(b[6])<<8 | int(b[7])
		hdr := 8
		if a.Flags&AVPFlagVendor != 0 {
			hdr = 12
		}
		if n < hdr || n > len(b) {
			return nil, fmt.Errorf("parse ttls avp %d: length %d of %d octets: %w", a.Code, n, len(b), ErrAVP)
		}
		if hdr == 12 {
			a.Vendor = binary.BigEndian.Uint32(b[8:12])
		}
		a.Data = b[hdr:n]
		out = append(out, a)
		padded := (n + 3) &^ 3
		if padded > len(b) {
			padded = len(b)
		}
		b = b[padded:]
	}
	return out, nil
}

// AppendAVP appends one AVP (vendor 0) with its padding.
func AppendAVP(dst []byte, code uint32, flags uint8, data []byte) []byte {
	n := 8 + len(data)
	dst = binary.BigEndian.AppendUint32(dst, code)
	dst = append(dst, flags&^AVPFlagVendor, byte(n>>16), byte(n>>8), byte(n))
	dst = append(dst, data...)
	for ; n%4 != 0; n++ {
		dst = append(dst, 0)
	}
	return dst
}

// TTLSInner is what a TTLS peer sent inside the tunnel in one message.
type TTLSInner struct {
	UserName    string
	HasPassword bool
	Password    string // PAP, trailing NUL padding removed
	EAP         []byte // inner EAP packet, EAP-Message AVPs joined
}

// ParseTTLSInner reads the AVPs of one tunnelled message. Unknown AVPs
// with the M flag, and vendor AVPs with M, are refused (RFC 5281 §10.1);
// others are ignored.
func ParseTTLSInner(b []byte) (TTLSInner, error) {
	avps, err := ParseAVPs(b)
	if err != nil {
		return TTLSInner{}, err
	}
	var in TTLSInner
	var eap []byte
	for _, a := range avps {
		known := a.Flags&AVPFlagVendor == 0
		switch {
		case known && a.Code == AVPUserName:
			in.UserName = string(a.Data)
		case known && a.Code == AVPUserPassword:
			p := a.Data
			for len(p) > 0 && p[len(p)-1] == 0 {
				p = p[:len(p)-1]
			}
			in.HasPassword, in.Password = true, string(p)
		case known && a.Code == AVPEAPMessage:
			if len(eap)+len(a.Data) > MaxPacketLen {
				return TTLSInner{}, fmt.Errorf("parse ttls inner eap: too long: %w", ErrAVP)
			}
			eap = append(eap, a.Data...)
		case a.Flags&AVPFlagMandatory != 0:
			return TTLSInner{}, fmt.Errorf("parse ttls: unknown mandatory avp %d (vendor %d): %w", a.Code, a.Vendor, ErrAVP)
		}
	}
	in.EAP = eap
	return in, nil
}

// TTLSEAP wraps an inner EAP packet in an EAP-Message AVP for the tunnel.
func TTLSEAP(eapPacket []byte) []byte {
	return AppendAVP(nil, AVPEAPMessage, AVPFlagMandatory, eapPacket)
}
