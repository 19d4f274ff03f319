package eap

import (
	"encoding/binary"
	"fmt"
)

// PEAPv0 carries inner EAP without the four-octet header (Code,
// Identifier, Length): only Type and Data cross the tunnel, and the peer
// rebuilds the header from the outer packet. The exception is EAP-TLV
// (type 33), whose Result TLV travels as a full EAP packet in both
// directions. This is what Windows and wpa_supplicant implement
// (draft-kamath-pppext-peapv0, [MS-PEAP]).

// Result TLV (MS-PEAP §2.2.8.1): mandatory bit, type 3, length 2, status.
const (
	tlvResult        = 3
	tlvMandatory     = 0x8000
	ResultSuccess    = 1
	ResultFailure    = 2
	resultTLVPacketN = headerLen + 1 + 6
)

// PEAPInner encodes an inner EAP Request or Response the PEAPv0 way:
// header-less, except for TLV packets which keep their header.
func PEAPInner(p Packet) ([]byte, error) {
	if p.Type == TypeTLV {
		return p.Marshal()
	}
	if p.Code != CodeRequest && p.Code != CodeResponse {
		return nil, fmt.Errorf("encode peapv0 inner %s: %w", p.Code, ErrCode)
	}
	return append([]byte{byte(p.Type)}, p.Data...), nil
}

// ParsePEAPInner decodes inner data received over a PEAPv0 tunnel. A
// full EAP packet of type TLV is recognised by its header (code, a length
// equal to the data, type 33); anything else is header-less, and gets
// code and identifier from the outer packet.
func ParsePEAPInner(b []byte, code Code, id uint8) (Packet, error) {
	if len(b) >= headerLen+1 && Code(b[0]) == code && int(binary.BigEndian.Uint16(b[2:4])) == len(b) && Type(b[4]) == TypeTLV {
		return Parse(b)
	}
	if len(b) < 1 {
		return Packet{}, fmt.Errorf("parse peapv0 inner: empty: %w", ErrShort)
	}
	if Type(b[0]) == TypeExpanded {
		return Packet{}, fmt.Errorf("parse peapv0 inner: %w", ErrExpanded)
	}
	return Packet{Code: code, ID: id, Type: Type(b[0]), Data: b[1:]}, nil
}

// ResultTLV builds the EAP-TLV packet carrying one Result TLV.
func ResultTLV(code Code, id uint8, status uint16) []byte {
	b := make([]byte, 0, resultTLVPacketN)
	b = append(b, byte(code), id, 0, resultTLVPacketN, byte(TypeTLV))
	b = binary.BigEndian.AppendUint16(b, tlvMandatory|tlvResult)
	b = binary.BigEndian.AppendUint16(b, 2)
	return binary.BigEndian.AppendUint16(b, status)
}

// ParseResultTLV returns the status of the Result TLV in an EAP-TLV
// packet's data. Other TLVs are skipped unless mandatory.
func ParseResultTLV(data []byte) (uint16, error) {
	status := uint16(0)
	for len(data) > 0 {
		if len(data) < 4 {
			return 0, fmt.Errorf("parse eap-tlv: %d octets left: %w", len(data), ErrMalformed)
		}
		t := binary.BigEndian.Uint16(data[0:2])
		n := int(binary.BigEndian.Uint16(data[2:4]))
		if 4+n > len(data) {
			return 0, fmt.Errorf("parse eap-tlv: length %d of %d octets: %w", n, len(data)-4, ErrMalformed)
		}
		v := data[4 : 4+n]
		switch {
		case t&0x3fff == tlvResult:
			if n != 2 {
				return 0, fmt.Errorf("parse result tlv of %d octets: %w", n, ErrMalformed)
			}
			status = binary.BigEndian.Uint16(v)
		case t&tlvMandatory != 0:
			return 0, fmt.Errorf("parse eap-tlv: unknown mandatory tlv %d: %w", t&0x3fff, ErrMalformed)
		}
		data = data[4+n:]
	}
	if status != ResultSuccess && status != ResultFailure {
		return 0, fmt.Errorf("parse eap-tlv: no result (status %d): %w", status, ErrMalformed)
	}
	return status, nil
}
