package eap

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Code is the EAP packet code (RFC 3748 §4).
type Code uint8

// EAP codes.
const (
	CodeRequest  Code = 1
	CodeResponse Code = 2
	CodeSuccess  Code = 3
	CodeFailure  Code = 4
)

// Type is the EAP method type of a Request or Response (RFC 3748 §5).
type Type uint8

// EAP types this package knows.
const (
	TypeIdentity     Type = 1
	TypeNotification Type = 2
	TypeNak          Type = 3
	TypeGTC          Type = 6
	TypeTTLS         Type = 21
	TypePEAP         Type = 25
	TypeTLV          Type = 33 // Microsoft EAP-TLV, used by PEAPv0 for the Result TLV
	TypeExpanded     Type = 254
)

// String names the type for logs.
func (t Type) String() string {
	switch t {
	case TypeIdentity:
		return "identity"
	case TypeNotification:
		return "notification"
	case TypeNak:
		return "nak"
	case TypeGTC:
		return "gtc"
	case TypeTTLS:
		return "ttls"
	case TypePEAP:
		return "peap"
	case TypeTLV:
		return "tlv"
	case TypeExpanded:
		return "expanded"
	}
	return fmt.Sprintf("type-%d", uint8(t))
}

// headerLen is Code, Identifier and Length.
const headerLen = 4

// MaxPacketLen is the largest EAP packet the codec accepts: the Length
// field's range.
const MaxPacketLen = 65535

// Errors of the packet codec; wrapped with context where they occur.
var (
	ErrShort       = errors.New("eap: packet too short")
	ErrLength      = errors.New("eap: length field does not match the packet")
	ErrCode        = errors.New("eap: unknown code")
	ErrExpanded    = errors.New("eap: expanded types are not supported")
	ErrMalformed   = errors.New("eap: malformed method data")
	ErrTooLong     = errors.New("eap: packet too long")
	ErrUnsupported = errors.New("eap: unsupported method")
)

// Packet is one EAP packet. Type and Data are used by Requests and
// Responses only; Data is what follows the Type octet.
type Packet struct {
	Code Code
	ID   uint8
	Type Type
	Data []byte
}

// Parse decodes one EAP packet. The Length field must equal len(b) (EAP
// over RADIUS carries no padding). Expanded types (254) are refused with
// ErrExpanded. Data aliases b.
func Parse(b []byte) (Packet, error) {
	if len(b) < headerLen {
		return Packet{}, fmt.Errorf("parse eap packet of %d octets: %w", len(b), ErrShort)
	}
	p := Packet{Code: Code(b[0]), ID: b[1]}
	if n := int(binary.BigEndian.Uint16(b[2:4])); n != len(b) {
		return Packet{}, fmt.Errorf("parse eap packet: length field %d, packet %d octets: %w", n, len(b), ErrLength)
	}
	switch p.Code {
	case CodeSuccess, CodeFailure:
		if len(b) != headerLen {
			return Packet{}, fmt.Errorf("parse eap %s: %d octets of data: %w", p.Code, len(b)-headerLen, ErrLength)
		}
		return p, nil
	case CodeRequest, CodeResponse:
	default:
		return Packet{}, fmt.Errorf("parse eap packet: code %d: %w", b[0], ErrCode)
	}
	if len(b) < headerLen+1 {
		return Packet{}, fmt.Errorf("parse eap %s without a type: %w", p.Code, ErrShort)
	}
	p.Type = Type(b[4])
	if p.Type == TypeExpanded {
		return Packet{}, fmt.Errorf("parse eap %s: %w", p.Code, ErrExpanded)
	}
	p.Data = b[5:]
	return p, nil
}

// String names the code for logs.
func (c Code) String() string {
	switch c {
	case CodeRequest:
		return "request"
	case CodeResponse:
		return "response"
	case CodeSuccess:
		return "success"
	case CodeFailure:
		return "failure"
	}
	return fmt.Sprintf("code-%d", uint8(c))
}

// Marshal encodes the packet. It fails for unknown codes and for packets
// longer than MaxPacketLen.
func (p Packet) Marshal() ([]byte, error) {
	switch p.Code {
	case CodeSuccess, CodeFailure:
		return []byte{byte(p.Code), p.ID, 0, headerLen}, nil
	case CodeRequest, CodeResponse:
	default:
		return nil, fmt.Errorf("marshal eap packet: code %d: %w", p.Code, ErrCode)
	}
	if p.Type == TypeExpanded {
		return nil, fmt.Errorf("marshal eap %s: %w", p.Code, ErrExpanded)
	}
	n := headerLen + 1 + len(p.Data)
	if n > MaxPacketLen {
		return nil, fmt.Errorf("marshal eap %s of %d octets: %w", p.Code, n, ErrTooLong)
	}
	b := make([]byte, n)
	b[0], b[1] = byte(p.Code), p.ID
	binary.BigEndian.PutUint16(b[2:4], uint16(n))
	b[4] = byte(p.Type)
	copy(b[5:], p.Data)
	return b, nil
}

// mustMarshal encodes packets whose size the caller bounds (fragments,
// prompts cut to size); an error there is a bug, so it yields a Failure.
func mustMarshal(p Packet) []byte {
	b, err := p.Marshal()
	if err != nil {
		return []byte{byte(CodeFailure), p.ID, 0, headerLen}
	}
	return b
}

// Success returns an EAP-Success with the given identifier.
func Success(id uint8) []byte { return []byte{byte(CodeSuccess), id, 0, headerLen} }

// Failure returns an EAP-Failure with the given identifier.
func Failure(id uint8) []byte { return []byte{byte(CodeFailure), id, 0, headerLen} }

// NakTypes returns the methods a legacy Nak (type 3) asks for. A Nak must
// list at least one type; 0 alone means "no alternative" and yields an
// empty list. Expanded Naks never get here: Parse refuses type 254.
func NakTypes(p Packet) ([]Type, error) {
	if p.Code != CodeResponse || p.Type != TypeNak {
		return nil, fmt.Errorf("read nak from %s/%s: %w", p.Code, p.Type, ErrMalformed)
	}
	if len(p.Data) == 0 {
		return nil, fmt.Errorf("read nak: no types: %w", ErrMalformed)
	}
	out := make([]Type, 0, len(p.Data))
	for _, t := range p.Data {
		switch Type(t) {
		case 0:
			continue
		case TypeExpanded:
			return nil, fmt.Errorf("read nak: %w", ErrExpanded)
		}
		out = append(out, Type(t))
	}
	return out, nil
}
