package eap

import (
	"encoding/binary"
	"fmt"
)

// TLS flags of EAP-TLS based methods (RFC 5216 §3.1, RFC 5281 §9.1, PEAP).
const (
	FlagLength uint8 = 0x80 // L: a four-octet TLS Message Length follows
	FlagMore   uint8 = 0x40 // M: more fragments follow
	FlagStart  uint8 = 0x20 // S: start of the method
	// VersionMask selects the version bits (PEAP version, TTLS version).
	VersionMask uint8 = 0x07
)

// TLSData is the method data of a PEAP or TTLS packet: the flags octet,
// the optional total length and one fragment of TLS records.
type TLSData struct {
	Flags   uint8  // L, M and S; the version bits live in Version
	Version uint8  // PEAP or TTLS version (0 here)
	Total   uint32 // TLS Message Length, meaningful when Flags has FlagLength
	Data    []byte // aliases the packet
}

// ParseTLSData decodes the data of a PEAP or TTLS packet (what follows
// the Type octet). A total length shorter than this fragment, or a zero
// total, is refused.
func ParseTLSData(b []byte) (TLSData, error) {
	if len(b) < 1 {
		return TLSData{}, fmt.Errorf("parse tls method data: no flags: %w", ErrShort)
	}
	d := TLSData{Flags: b[0] &^ VersionMask, Version: b[0] & VersionMask, Data: b[1:]}
	if d.Flags&FlagLength != 0 {
		if len(b) < 5 {
			return TLSData{}, fmt.Errorf("parse tls method data: L flag without length: %w", ErrShort)
		}
		d.Total = binary.BigEndian.Uint32(b[1:5])
		d.Data = b[5:]
		if d.Total == 0 || uint64(d.Total) < uint64(len(d.Data)) {
			return TLSData{}, fmt.Errorf("parse tls method data: total length %d, fragment %d octets: %w", d.Total, len(d.Data), ErrMalformed)
		}
	}
	return d, nil
}

// Marshal encodes the method data (flags, optional length, fragment).
func (d TLSData) Marshal() []byte {
	n := 1 + len(d.Data)
	if d.Flags&FlagLength != 0 {
		n += 4
	}
	b := make([]byte, 0, n)
	b = append(b, (d.Flags&^VersionMask)|(d.Version&VersionMask))
	if d.Flags&FlagLength != 0 {
		b = binary.BigEndian.AppendUint32(b, d.Total)
	}
	return append(b, d.Data...)
}
