package server

import (
	"crypto/rand"
	"crypto/tls"
	"fmt"
	"time"

	"github.com/rs/zerolog"
	layeh "layeh.com/radius"
	"layeh.com/radius/rfc2865"

	"github.com/pushauth/pushauth/actors"
	"github.com/pushauth/pushauth/config"
	"github.com/pushauth/pushauth/protocol/eap"
	"github.com/pushauth/pushauth/protocol/eap/eapconv"
	"github.com/pushauth/pushauth/protocol/radius"
	"github.com/pushauth/pushauth/protocol/radius/msgauth"
	"github.com/pushauth/pushauth/protocol/radius/radattr"
)

// newEAPServer loads the EAP certificate and builds the EAP server
// (nil when eap.cert_file is not set). Certificate warnings are logged.
func newEAPServer(c config.EAP, log zerolog.Logger) (*eap.Server, error) {
	if !c.Enabled() {
		return nil, nil
	}
	cert, warns, err := config.LoadEAPCertificate(c, time.Now())
	if err != nil {
		return nil, err
	}
	for _, w := range warns {
		log.Warn().Msg(w)
	}
	methods := make([]eap.Type, 0, len(c.Methods))
	for _, m := range c.Methods {
		if m == config.EAPMethodTTLS {
			methods = append(methods, eap.TypeTTLS)
		} else {
			methods = append(methods, eap.TypePEAP)
		}
	}
	srv, err := eap.NewServer(eap.Config{
		TLS:          &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: c.TLSMinVersionID()},
		Methods:      methods,
		FragmentSize: c.FragmentSize,
	})
	if err != nil {
		return nil, fmt.Errorf("eap: %w", err)
	}
	return srv, nil
}

// CheckEAP is --check-config's look at the EAP certificate: an error when
// it cannot be loaded, warnings when it expires within 30 days or lacks
// the server-auth extended key usage.
func CheckEAP(c config.EAP) (warnings []string, err error) {
	if !c.Enabled() {
		return nil, nil
	}
	_, warnings, err = config.LoadEAPCertificate(c, time.Now())
	return warnings, err
}

// startEAP starts the node's EAP keeper when EAP is configured.
func (s *Server) startEAP(srv *eap.Server, start eapKeeperStarter) error {
	if srv == nil {
		return nil
	}
	e, err := start(s.sys, eapconv.Config{Server: srv, MaxMemory: int64(s.cfg.EAP.MaxMemoryMiB) << 20,
		ChallengeTimeout: func() time.Duration { return s.settings.Load().ChallengeTimeout },
		Log:              s.log.With().Str("component", "actors").Logger(),
		Metrics:          s.eapMetrics})
	if err != nil {
		return err
	}
	s.eap = e
	return nil
}

// stopEAP ends the EAP conversations (before the logins stop).
func (s *Server) stopEAP() {
	if s.eap == nil {
		return
	}
	if err := s.eap.Stop(); err != nil {
		s.log.Error().Err(err).Msg("stop eap conversations")
	}
}

// serveEAP handles an Access-Request carrying EAP-Message (SPEC S8):
// only clients of kind eap may send one, and it must carry a
// Message-Authenticator (RFC 3579 §3.2; the front end verified it).
func (h *radiusAdapter) serveEAP(r *radius.Request, msg []byte, client *actors.Client) {
	p := r.Packet
	switch {
	case client.Kind != config.KindEAP:
		h.log.Debug().Str("client", client.Name).Str("kind", client.Kind).Msg("eap-message from a client not of kind eap; rejected")
		r.Reply(p.Response(layeh.CodeAccessReject))
		return
	case h.eap == nil:
		h.log.Debug().Str("client", client.Name).Msg("eap-message but eap is not configured (eap.cert_file); rejected")
		r.Reply(p.Response(layeh.CodeAccessReject))
		return
	case !hasMessageAuthenticator(p):
		h.log.Debug().Str("client", client.Name).Msg("eap-message without message-authenticator; dropped")
		r.Drop()
		return
	}
	req := &eapconv.Request{
		State:          rfc2865.State_GetString(p),
		Message:        msg,
		Client:         client,
		CallingStation: rfc2865.CallingStationID_GetString(p),
		Received:       r.Received,
	}
	secret, reqAuth := r.Client.Secret, p.Authenticator
	r.Compact()
	h.eap.Submit(req, func(rep *eapconv.Reply) {
		if rep.Code == actors.Drop {
			r.Drop()
			return
		}
		r.Reply(h.encodeEAPReply(p, rep, secret, reqAuth))
	})
}

func hasMessageAuthenticator(p *layeh.Packet) bool {
	for _, a := range p.Attributes {
		if a.Type == msgauth.Type {
			return true
		}
	}
	return false
}

// encodeEAPReply builds the response to an EAP request: EAP-Message in
// 253-octet attributes, State on a challenge, Reply-Message on a reject,
// MS-MPPE-Recv-Key and -Send-Key and the policy's reply attributes on an
// accept. The front end puts the Message-Authenticator first.
func (h *radiusAdapter) encodeEAPReply(req *layeh.Packet, rep *eapconv.Reply, secret []byte, reqAuth [16]byte) *layeh.Packet {
	code := radiusCode(rep.Code)
	resp := req.Response(code)
	eap.AddToPacket(resp, rep.EAPMessage)
	if rep.State != "" && code == layeh.CodeAccessChallenge {
		_ = rfc2865.State_SetString(resp, rep.State) // short: eap- + 32 hex
	}
	if code == layeh.CodeAccessReject {
		addReplyMessage(resp, rep.Message)
	}
	if code == layeh.CodeAccessAccept {
		recv, send, err := eap.MPPEAttributes(rep.Keys, secret, reqAuth, rand.Reader)
		if err != nil { // no keys: the NAS could not encrypt the link
			h.log.Error().Err(err).Msg("mppe key attributes; rejecting")
			reject := req.Response(layeh.CodeAccessReject)
			eap.AddToPacket(reject, eap.Failure(eapID(rep.EAPMessage)))
			return reject
		}
		resp.Attributes.Add(eap.AttrVendorSpecific, recv)
		resp.Attributes.Add(eap.AttrVendorSpecific, send)
		if err := radattr.AddTo(resp, rep.Attributes); err != nil { // never without them (withAttributes)
			h.log.Error().Err(err).Msg("reply attributes; rejecting")
			reject := req.Response(layeh.CodeAccessReject)
			eap.AddToPacket(reject, eap.Failure(eapID(rep.EAPMessage)))
			return reject
		}
	}
	return resp
}

func eapID(msg []byte) uint8 {
	if len(msg) > 1 {
		return msg[1]
	}
	return 0
}
