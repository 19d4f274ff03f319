package eap

import (
	"crypto/md5"
	"crypto/subtle"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
)

// Microsoft vendor attributes carrying the keys (RFC 2548 §2.4.2, §2.4.3).
const (
	VendorMicrosoft    = 311
	VendorTypeSendKey  = 16
	VendorTypeRecvKey  = 17
	mppeKeyLen         = 32
	mskLen             = 64
	tls13KeyMaterialLn = 128
)

// Exporter labels (RFC 5281 §8, PEAPv0 as implemented by Windows and
// wpa_supplicant, RFC 9427 §2.1 for TLS 1.3).
const (
	LabelTTLS  = "ttls keying material"
	LabelPEAP  = "client EAP encryption"
	LabelTLS13 = "EXPORTER_EAP_TLS_Key_Material"
)

// ErrKey reports an MS-MPPE key attribute that does not decode.
var ErrKey = errors.New("eap: bad MS-MPPE key attribute")

// Keys is the keying material of a finished conversation. RecvKey and
// SendKey are named from the server's side, as the NAS receives them:
// MS-MPPE-Recv-Key is the first half of the MSK, MS-MPPE-Send-Key the
// second.
type Keys struct {
	MSK []byte // 64 octets
}

// RecvKey is MSK[0:32], sent as MS-MPPE-Recv-Key.
func (k Keys) RecvKey() []byte { return k.MSK[:mppeKeyLen] }

// SendKey is MSK[32:64], sent as MS-MPPE-Send-Key.
func (k Keys) SendKey() []byte { return k.MSK[mppeKeyLen:mskLen] }

// DeriveMSK exports the MSK of a PEAP or TTLS tunnel. With TLS 1.2 it is
// the first 64 octets of the method's label over the master secret and
// both randoms (no context); with TLS 1.3 it is the first 64 of 128
// octets exported with RFC 9427's label and the EAP type as context.
// crypto/tls exports TLS 1.2 keys only when Extended Master Secret was
// negotiated (every current supplicant offers it).
func DeriveMSK(cs tls.ConnectionState, method Type) ([]byte, error) {
	var label string
	switch method {
	case TypeTTLS:
		label = LabelTTLS
	case TypePEAP:
		label = LabelPEAP
	default:
		return nil, fmt.Errorf("derive msk for %s: %w", method, ErrUnsupported)
	}
	if cs.Version >= tls.VersionTLS13 {
		km, err := cs.ExportKeyingMaterial(LabelTLS13, []byte{byte(method)}, tls13KeyMaterialLn)
		if err != nil {
			return nil, fmt.Errorf("derive %s msk (tls 1.3): %w", method, err)
		}
		return km[:mskLen], nil
	}
	km, err := cs.ExportKeyingMaterial(label, nil, mskLen)
	if err != nil {
		return nil, fmt.Errorf("derive %s msk (tls 1.2): %w", method, err)
	}
	return km, nil
}

// EncryptMPPEKey encodes one key as the value of an MS-MPPE-Send-Key or
// MS-MPPE-Recv-Key vendor attribute (RFC 2548 §2.4.2): Salt, then the
// key length octet, the key and zero padding to a multiple of 16,
// hidden by the MD5 chain over the shared secret, the Access-Request's
// Authenticator and the salt. The salt's high bit is set here; the two
// keys of one reply need different salts.
func EncryptMPPEKey(key, secret []byte, requestAuth [16]byte, salt [2]byte) ([]byte, error) {
	if len(key) == 0 || len(key) > 255-16 {
		return nil, fmt.Errorf("encrypt mppe key of %d octets: %w", len(key), ErrKey)
	}
	if len(secret) == 0 {
		return nil, fmt.Errorf("encrypt mppe key: empty shared secret: %w", ErrKey)
	}
	salt[0] |= 0x80
	plain := make([]byte, (1+len(key)+15)/16*16)
	plain[0] = byte(len(key))
	copy(plain[1:], key)
	out := make([]byte, 2, 2+len(plain))
	out[0], out[1] = salt[0], salt[1]
	prev := append(append(requestAuth[:0:0], requestAuth[:]...), salt[:]...)
	for i := 0; i < len(plain); i += 16 {
		h := md5.New()
		h.Write(secret)
		h.Write(prev)
		b := h.Sum(nil)
		for j := range 16 {
			b[j] ^= plain[i+j]
		}
		out = append(out, b...)
		prev = b
	}
	return out, nil
}

// DecryptMPPEKey reverses EncryptMPPEKey, as a NAS does.
func DecryptMPPEKey(value, secret []byte, requestAuth [16]byte) ([]byte, error) {
	if len(value) < 2+16 || (len(value)-2)%16 != 0 || value[0]&0x80 == 0 {
		return nil, fmt.Errorf("decrypt mppe key of %d octets: %w", len(value), ErrKey)
	}
	prev := append(append(requestAuth[:0:0], requestAuth[:]...), value[:2]...)
	cipher := value[2:]
	plain := make([]byte, 0, len(cipher))
	for i := 0; i < len(cipher); i += 16 {
		h := md5.New()
		h.Write(secret)
		h.Write(prev)
		b := h.Sum(nil)
		for j := range 16 {
			b[j] ^= cipher[i+j]
		}
		plain = append(plain, b...)
		prev = cipher[i : i+16]
	}
	n := int(plain[0])
	if n == 0 || 1+n > len(plain) {
		return nil, fmt.Errorf("decrypt mppe key: length %d in %d octets: %w", n, len(plain), ErrKey)
	}
	if subtle.ConstantTimeCompare(plain[1+n:], make([]byte, len(plain)-1-n)) != 1 {
		return nil, fmt.Errorf("decrypt mppe key: padding not zero: %w", ErrKey)
	}
	return plain[1 : 1+n], nil
}

// VendorSpecific wraps a Microsoft vendor attribute value as the value
// of a Vendor-Specific attribute (type 26): Vendor-Id 311, Vendor-Type,
// Vendor-Length, value.
func VendorSpecific(vendorType uint8, value []byte) ([]byte, error) {
	if len(value) > maxAttrValue-6 {
		return nil, fmt.Errorf("vendor attribute %d of %d octets: %w", vendorType, len(value), ErrKey)
	}
	b := []byte{0, 0, VendorMicrosoft >> 8, VendorMicrosoft & 0xff, vendorType, byte(len(value) + 2)}
	return append(b, value...), nil
}

// MPPEAttributes returns the Vendor-Specific values of MS-MPPE-Recv-Key
// and MS-MPPE-Send-Key for an Access-Accept answering the request with
// Authenticator requestAuth. Salts come from random (crypto/rand.Reader
// in the server) and differ between the two keys.
func MPPEAttributes(k Keys, secret []byte, requestAuth [16]byte, random io.Reader) (recv, send []byte, err error) {
	if len(k.MSK) < mskLen {
		return nil, nil, fmt.Errorf("mppe attributes from a %d-octet msk: %w", len(k.MSK), ErrKey)
	}
	var salts [4]byte
	if _, err := io.ReadFull(random, salts[:]); err != nil {
		return nil, nil, fmt.Errorf("mppe attributes: read salt: %w", err)
	}
	rs, ss := [2]byte{salts[0], salts[1]}, [2]byte{salts[2], salts[3]}
	if rs[0]|0x80 == ss[0]|0x80 && rs[1] == ss[1] {
		ss[1] ^= 1
	}
	rv, err := EncryptMPPEKey(k.RecvKey(), secret, requestAuth, rs)
	if err != nil {
		return nil, nil, fmt.Errorf("mppe recv key: %w", err)
	}
	sv, err := EncryptMPPEKey(k.SendKey(), secret, requestAuth, ss)
	if err != nil {
		return nil, nil, fmt.Errorf("mppe send key: %w", err)
	}
	if recv, err = VendorSpecific(VendorTypeRecvKey, rv); err != nil {
		return nil, nil, err
	}
	if send, err = VendorSpecific(VendorTypeSendKey, sv); err != nil {
		return nil, nil, err
	}
	return recv, send, nil
}
