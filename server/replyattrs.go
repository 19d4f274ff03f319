package server

import (
	layeh "layeh.com/radius"

	"github.com/pushauth/pushauth/protocol/radius/radattr"
)

// withAttributes adds a login's reply attributes (its policy's, on an
// accept: actors.Reply.Attributes) to resp, for every reply path (PAP,
// EAP, RadSec). Bytes that do not parse — which the login's own encoding
// cannot produce — turn the accept into a plain reject: an accept must not
// go out without the attributes that set the user's access.
func (h *radiusAdapter) withAttributes(req, resp *layeh.Packet, attrs []byte) *layeh.Packet {
	if err := radattr.AddTo(resp, attrs); err != nil {
		h.log.Error().Err(err).Msg("reply attributes; rejecting")
		return req.Response(layeh.CodeAccessReject)
	}
	return resp
}
