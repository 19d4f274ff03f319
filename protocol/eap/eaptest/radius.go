package eaptest

import (
	"context"
	"errors"
	"fmt"

	layeh "layeh.com/radius"
	"layeh.com/radius/rfc2865"

	"github.com/pushauth/pushauth/protocol/eap"
	"github.com/pushauth/pushauth/protocol/radius/radclient"
)

// Exchanger sends one Access-Request (with a Message-Authenticator) and
// returns the verified reply; *radclient.Client is one.
type Exchanger interface {
	Exchange(ctx context.Context, p *layeh.Packet) (*radclient.Response, error)
}

// Result is the end of a conversation over RADIUS.
type Result struct {
	Code  layeh.Code          // Access-Accept or Access-Reject
	Last  *radclient.Response // the final reply
	Keys  eap.Keys            // MS-MPPE-Recv-Key ‖ Send-Key decrypted from the Accept
	Round int                 // Access-Requests sent
}

// Login runs the peer's whole conversation as a NAS would relay it: each
// EAP-Response goes in EAP-Message attributes of an Access-Request (with
// the State of the last Access-Challenge), until Access-Accept or
// Access-Reject. On Accept the MPPE keys are decrypted with secret.
func Login(ctx context.Context, c Exchanger, secret []byte, peer *Peer, user, station string) (Result, error) {
	var res Result
	msg, state := peer.IdentityResponse(1), ""
	for {
		req := layeh.New(layeh.CodeAccessRequest, secret)
		_ = rfc2865.UserName_SetString(req, user)
		if station != "" {
			_ = rfc2865.CallingStationID_SetString(req, station)
		}
		eap.AddToPacket(req, msg)
		if state != "" {
			_ = rfc2865.State_SetString(req, state)
		}
		res.Round++
		resp, err := c.Exchange(ctx, req)
		if err != nil {
			return res, fmt.Errorf("eap over radius, round %d: %w", res.Round, err)
		}
		reply, ok, err := eap.FromPacket(resp.Packet)
		if err != nil || !ok {
			return res, fmt.Errorf("eap over radius, round %d: %v reply without eap-message: %v", res.Round, resp.Code, err)
		}
		if resp.Code != layeh.CodeAccessChallenge {
			if _, err := peer.Respond(reply); err != nil {
				return res, err
			}
			res.Code, res.Last = resp.Code, resp
			if resp.Code == layeh.CodeAccessAccept {
				res.Keys, err = mppeKeys(resp.Packet, secret, req.Authenticator)
			}
			return res, err
		}
		if msg, err = peer.Respond(reply); err != nil {
			return res, err
		}
		state = rfc2865.State_GetString(resp.Packet)
	}
}

// mppeKeys decrypts MS-MPPE-Recv-Key and MS-MPPE-Send-Key from an
// Access-Accept into the MSK they were cut from.
func mppeKeys(p *layeh.Packet, secret []byte, reqAuth [16]byte) (eap.Keys, error) {
	var recv, send []byte
	for _, a := range p.Attributes {
		v := a.Attribute
		if a.Type != eap.AttrVendorSpecific || len(v) < 6 || v[0] != 0 || v[1] != 0 ||
			int(v[2])<<8|int(v[3]) != eap.VendorMicrosoft || int(v[5]) != len(v)-4 {
			continue
		}
		key, err := eap.DecryptMPPEKey(v[6:], secret, reqAuth)
		if err != nil {
			return eap.Keys{}, err
		}
		switch v[4] {
		case eap.VendorTypeRecvKey:
			recv = key
		case eap.VendorTypeSendKey:
			send = key
		}
	}
	if recv == nil || send == nil {
		return eap.Keys{}, errors.New("access-accept without both ms-mppe keys")
	}
	return eap.Keys{MSK: append(recv, send...)}, nil
}
