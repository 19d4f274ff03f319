package server

import (
	"errors"

	"github.com/rs/zerolog"
	layeh "layeh.com/radius"
	"layeh.com/radius/rfc2865"

	"github.com/pushauth/pushauth/actors"
	"github.com/pushauth/pushauth/config"
	"github.com/pushauth/pushauth/protocol/radius"
)

// maxReplyMessage is the longest value of one RADIUS attribute.
const maxReplyMessage = 253

// radiusAdapter turns RADIUS requests into actor attempts and replies back
// into packets. It holds no policy.
type radiusAdapter struct {
	sys *actors.System
	log zerolog.Logger
}

// ServeRADIUS implements radius.Handler.
func (h *radiusAdapter) ServeRADIUS(r *radius.Request) {
	p := r.Packet
	password, err := rfc2865.UserPassword_LookupString(p)
	if err != nil && !errors.Is(err, layeh.ErrNoAttribute) {
		h.log.Debug().Str("client", r.Client.Name).Msg("undecodable user-password")
		r.Reply(p.Response(layeh.CodeAccessReject))
		return
	}
	a := &actors.Attempt{
		LoginID:        rfc2865.State_GetString(p),
		User:           rfc2865.UserName_GetString(p),
		Password:       password,
		Client:         actors.Client{Name: r.Client.Name, Kind: r.Client.Kind, Policy: r.Client.Policy},
		CallingStation: rfc2865.CallingStationID_GetString(p),
		Received:       r.Received,
		Respond:        func(rep actors.Reply) { r.Reply(encodeReply(p, rep)) },
		Drop:           r.Drop,
	}
	r.Compact()
	h.sys.Submit(a)
}

// encodeReply builds the response packet for a login's reply.
func encodeReply(req *layeh.Packet, rep actors.Reply) *layeh.Packet {
	code := layeh.CodeAccessReject
	switch rep.Code {
	case actors.Accept:
		code = layeh.CodeAccessAccept
	case actors.Challenge:
		code = layeh.CodeAccessChallenge
	}
	resp := req.Response(code)
	for msg := rep.Message; msg != ""; {
		n := min(len(msg), maxReplyMessage)
		_ = rfc2865.ReplyMessage_AddString(resp, msg[:n]) // length checked above
		msg = msg[n:]
	}
	if rep.State != "" {
		_ = rfc2865.State_SetString(resp, rep.State)
	}
	return resp
}

// radiusClients converts configured clients for the front end.
func radiusClients(cs []config.Client) []radius.Client {
	out := make([]radius.Client, len(cs))
	for i, c := range cs {
		out[i] = radius.Client{
			Name:                        c.Name,
			Prefix:                      c.Prefix(),
			Secret:                      []byte(c.Secret),
			Kind:                        c.Kind,
			Policy:                      c.Policy,
			RequireMessageAuthenticator: c.RequireMessageAuthenticator,
		}
	}
	return out
}
