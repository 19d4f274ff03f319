package server

import (
	"errors"

	"github.com/rs/zerolog"
	layeh "layeh.com/radius"
	"layeh.com/radius/rfc2865"

	"github.com/pushauth/pushauth/actors"
	"github.com/pushauth/pushauth/auth"
	"github.com/pushauth/pushauth/config"
	"github.com/pushauth/pushauth/protocol/eap"
	"github.com/pushauth/pushauth/protocol/eap/eapconv"
	"github.com/pushauth/pushauth/protocol/radius"
	"github.com/pushauth/pushauth/protocol/radius/agentprobe"
	"github.com/pushauth/pushauth/store"
)

// maxReplyMessage is the longest value of one RADIUS attribute.
const maxReplyMessage = 253

// radiusAdapter turns RADIUS requests into actor attempts and replies back
// into packets. It holds no policy.
type radiusAdapter struct {
	sys *actors.System
	eap *eapconv.Keeper // nil when EAP is off
	log zerolog.Logger
}

func newRadiusAdapter(sys *actors.System, e *eapconv.Keeper, log zerolog.Logger) *radiusAdapter {
	return &radiusAdapter{sys: sys, eap: e, log: log}
}

// ServeRADIUS implements radius.Handler. Requests carrying EAP-Message go
// to the EAP conversations (serveEAP); the rest are PAP attempts. The
// client's settings (kind, policy, append mode, number matching) come
// with the request, from the client table it was accepted by, so a
// reload changes them for new requests only.
func (h *radiusAdapter) ServeRADIUS(r *radius.Request) {
	p := r.Packet
	client, ok := r.Client.Settings.(*actors.Client)
	if !ok { // every table radiusClients builds sets them: a bug
		h.log.Error().Str("client", r.Client.Name).Msg("radius client without settings; request dropped")
		r.Drop()
		return
	}
	if msg, ok, err := eap.FromPacket(p); err != nil || ok {
		if err != nil { // RFC 3579 §3.1: silently discarded
			h.log.Debug().Err(err).Str("client", r.Client.Name).Msg("malformed eap-message; dropped")
			r.Drop()
			return
		}
		h.serveEAP(r, msg, client)
		return
	}
	password, err := rfc2865.UserPassword_LookupString(p)
	if err != nil && !errors.Is(err, layeh.ErrNoAttribute) {
		h.log.Debug().Str("client", r.Client.Name).Msg("undecodable user-password")
		r.Reply(p.Response(layeh.CodeAccessReject))
		return
	}
	rawUser := rfc2865.UserName_GetString(p)
	if rawUser == agentprobe.User && len(rfc2865.State_Get(p)) == 0 {
		h.answerProbe(r, client)
		return
	}
	user, nameErr := userName(rawUser)
	a := &actors.Attempt{
		LoginId:          rfc2865.State_GetString(p),
		User:             user,
		NameError:        nameErr,
		Password:         password,
		Client:           client,
		CallingStation:   rfc2865.CallingStationID_GetString(p),
		ReceivedUnixNano: r.Received.UnixNano(),
	}
	r.Compact()
	h.sys.Submit(a, func(rep *actors.Reply) {
		if rep.Code == actors.Drop {
			r.Drop()
			return
		}
		r.Reply(h.encodeReply(p, rep))
	})
}

// answerProbe answers an agent's set-up probe (protocol/radius/agentprobe)
// with an Access-Reject describing the client: its kind, its policy and
// the policy's method. It starts no login, so it sends no push, writes no
// audit record and counts toward nobody's lockout. A client whose policy
// checks an empty password as a password is warned about: the agent that
// sent the probe is about to refuse to start (pushweb) or to fail every
// sign-in.
func (h *radiusAdapter) answerProbe(r *radius.Request, client *actors.Client) {
	p := r.Packet
	r.Compact()
	h.sys.ClientPolicy(client, func(pol store.Policy) {
		res := agentprobe.Result{Client: client.GetName(), Kind: client.GetKind(), Policy: pol.Name, Method: pol.Method}
		ev := h.log.Info()
		if problem := res.Problem(); problem != "" {
			ev = h.log.Warn().Str("problem", problem)
		}
		ev.Str("client", res.Client).Str("kind", res.Kind).Str("policy", res.Policy).Str("method", res.Method).
			Bool("empty_password_pushes", res.EmptyPasswordPushes()).Msg("agent probe answered")
		resp := p.Response(layeh.CodeAccessReject)
		addReplyMessage(resp, res.Message())
		r.Reply(resp)
	})
}

// userName normalises User-Name (auth.NormalizeUserName); a name that is
// not acceptable is passed on as received, with the reason, so the login
// rejects it like an unknown user and audits it.
func userName(raw string) (string, string) {
	name, err := auth.NormalizeUserName(raw)
	if err != nil {
		return raw, err.Error()
	}
	return name, ""
}

// encodeReply builds the response packet for a login's reply.
func (h *radiusAdapter) encodeReply(req *layeh.Packet, rep *actors.Reply) *layeh.Packet {
	resp := req.Response(radiusCode(rep.Code))
	addReplyMessage(resp, rep.Message)
	if rep.State != "" {
		_ = rfc2865.State_SetString(resp, rep.State)
	}
	return h.withAttributes(req, resp, rep.Attributes)
}

// radiusCode is the RADIUS code of a login's reply (Drop is handled
// before: nothing is sent).
func radiusCode(c actors.ReplyCode) layeh.Code {
	switch c {
	case actors.Accept:
		return layeh.CodeAccessAccept
	case actors.Challenge:
		return layeh.CodeAccessChallenge
	}
	return layeh.CodeAccessReject
}

// addReplyMessage adds msg as Reply-Message attributes of at most 253
// octets each.
func addReplyMessage(resp *layeh.Packet, msg string) {
	for msg != "" {
		n := min(len(msg), maxReplyMessage)
		_ = rfc2865.ReplyMessage_AddString(resp, msg[:n]) // n fits one attribute
		msg = msg[n:]
	}
}

// radiusClients converts configured clients for the front end, each with
// the settings its logins use (one *actors.Client shared by every attempt
// through it).
func radiusClients(cs []config.Client) []radius.Client {
	cs = udpClients(cs)
	out := make([]radius.Client, len(cs))
	for i, c := range cs {
		out[i] = radiusClient(c)
	}
	return out
}

// radiusClient converts one configured client, on either transport.
func radiusClient(c config.Client) radius.Client {
	return radius.Client{
		Name:                        c.Name,
		Prefix:                      c.Prefix(),
		Secret:                      []byte(c.Secret),
		Kind:                        c.Kind,
		Policy:                      c.Policy,
		RequireMessageAuthenticator: c.RequireMessageAuthenticator,
		Settings: &actors.Client{Name: c.Name, Kind: c.Kind, Policy: c.Policy, AppendMode: c.AppendMode,
			NumberMatching: c.NumberMatching},
	}
}
