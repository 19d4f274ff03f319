package radius

import (
	"crypto/hmac"
	"crypto/md5"
	"errors"

	layeh "layeh.com/radius"
)

// attrMessageAuthenticator is RFC 3579 §3.2 Message-Authenticator.
const attrMessageAuthenticator = 80

// messageAuthenticatorLen is the encoded length of the attribute: type,
// length and a 16-octet HMAC-MD5.
const messageAuthenticatorLen = 18

var (
	errMANotFound  = errors.New("message-authenticator absent")
	errMAMalformed = errors.New("message-authenticator malformed or repeated")
	errMAMismatch  = errors.New("message-authenticator does not verify")
)

// findMessageAuthenticator returns the offset of the 16-byte value of the
// Message-Authenticator in a raw packet whose attributes were already
// validated by the codec.
func findMessageAuthenticator(raw []byte) (int, error) {
	off, found := -1, false
	for i := 20; i+2 <= len(raw); {
		typ, n := raw[i], int(raw[i+1])
		if n < 2 || i+n > len(raw) {
			return -1, errMAMalformed
		}
		if typ == attrMessageAuthenticator {
			if found || n != 18 {
				return -1, errMAMalformed
			}
			off, found = i+2, true
		}
		i += n
	}
	if !found {
		return -1, errMANotFound
	}
	return off, nil
}

// verifyMessageAuthenticator checks a request's Message-Authenticator in
// constant time: HMAC-MD5 keyed by the secret over the packet with the
// attribute's value zeroed.
func verifyMessageAuthenticator(raw, secret []byte) error {
	off, err := findMessageAuthenticator(raw)
	if err != nil {
		return err
	}
	var got [16]byte
	copy(got[:], raw[off:off+16])
	buf := make([]byte, len(raw))
	copy(buf, raw)
	clear(buf[off : off+16])
	mac := hmac.New(md5.New, secret)
	mac.Write(buf)
	if !hmac.Equal(mac.Sum(nil), got[:]) {
		return errMAMismatch
	}
	return nil
}

// encodeResponse encodes a response with a Message-Authenticator as its first
// attribute (BlastRADIUS, CVE-2024-3596) and the Response Authenticator.
// p.Authenticator must hold the request's authenticator, as layeh's
// Packet.Response sets it.
func encodeResponse(p *layeh.Packet) ([]byte, error) {
	attrs := make(layeh.Attributes, 0, len(p.Attributes)+1)
	attrs = append(attrs, &layeh.AVP{Type: attrMessageAuthenticator, Attribute: make([]byte, 16)})
	for _, a := range p.Attributes {
		if a.Type != attrMessageAuthenticator {
			attrs = append(attrs, a)
		}
	}
	q := *p
	q.Attributes = attrs
	b, err := q.MarshalBinary()
	if err != nil {
		return nil, err
	}
	mac := hmac.New(md5.New, p.Secret)
	mac.Write(b)
	mac.Sum(b[22:22])
	h := md5.New()
	h.Write(b)
	h.Write(p.Secret)
	h.Sum(b[4:4])
	return b, nil
}
