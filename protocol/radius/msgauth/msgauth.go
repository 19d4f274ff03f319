// Package msgauth computes and checks the RADIUS Message-Authenticator
// (RFC 3579 §3.2: HMAC-MD5 keyed by the shared secret). pushauthd's
// listener (protocol/radius) and the project's RADIUS client (radclient)
// share it; it imports only the standard library and layeh.com/radius, so
// the agents can link it.
package msgauth

import (
	"crypto/hmac"
	"crypto/md5"
	"errors"

	layeh "layeh.com/radius"
)

// Type is the attribute type of Message-Authenticator: layeh's
// rfc2869.MessageAuthenticator_Type (a test holds them equal), untyped here
// so that it compares with raw packet octets as well as layeh's Type.
const Type = 80

// Len is the encoded length of the attribute: type, length and a
// 16-octet HMAC-MD5.
const Len = 18

var (
	ErrMissing   = errors.New("message-authenticator absent")
	ErrMalformed = errors.New("message-authenticator malformed or repeated")
	ErrMismatch  = errors.New("message-authenticator does not verify")
)

// Find returns the offset of the 16-byte value of the Message-Authenticator
// in a raw packet (raw ends at the packet's Length): ErrMissing without
// one, ErrMalformed when the attributes are malformed or hold two.
func Find(raw []byte) (int, error) {
	off, found := -1, false
	for i := 20; i+2 <= len(raw); {
		typ, n := raw[i], int(raw[i+1])
		if n < 2 || i+n > len(raw) {
			return -1, ErrMalformed
		}
		if typ == Type {
			if found || n != Len {
				return -1, ErrMalformed
			}
			off, found = i+2, true
		}
		i += n
	}
	if !found {
		return -1, ErrMissing
	}
	return off, nil
}

// Verify checks the Message-Authenticator of raw in constant time:
// HMAC-MD5 keyed by secret over the packet with the attribute's value
// zeroed. A request (requestAuth nil) is checked as it is; a reply is
// checked with requestAuth, the Request Authenticator of the request it
// answers, in place of its Response Authenticator.
func Verify(raw, requestAuth, secret []byte) error {
	off, err := Find(raw)
	if err != nil {
		return err
	}
	buf := make([]byte, len(raw))
	copy(buf, raw)
	if requestAuth != nil {
		copy(buf[4:20], requestAuth)
	}
	clear(buf[off : off+16])
	mac := hmac.New(md5.New, secret)
	mac.Write(buf)
	if !hmac.Equal(mac.Sum(nil), raw[off:off+16]) {
		return ErrMismatch
	}
	return nil
}

// Encode encodes p with a Message-Authenticator as its first attribute
// (BlastRADIUS, CVE-2024-3596) in place of any it carries. A request
// (Access-Request, Status-Server) keeps its authenticator; any other code
// is a response, whose p.Authenticator must hold the request's
// authenticator, as layeh's Packet.Response sets it, and which gets its
// Response Authenticator last.
func Encode(p *layeh.Packet) ([]byte, error) {
	attrs := make(layeh.Attributes, 0, len(p.Attributes)+1)
	attrs = append(attrs, &layeh.AVP{Type: Type, Attribute: make([]byte, 16)})
	for _, a := range p.Attributes {
		if a.Type != Type {
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
	switch p.Code {
	case layeh.CodeAccessRequest, layeh.CodeStatusServer:
	default:
		h := md5.New()
		h.Write(b)
		h.Write(p.Secret)
		h.Sum(b[4:4])
	}
	return b, nil
}
