package eaptest

import (
	"crypto/tls"
	"errors"
	"fmt"

	"github.com/pushauth/pushauth/protocol/eap"
)

// Inner is the peer's phase 2 method.
type Inner int

// Inner methods of the peer.
const (
	PAP Inner = iota // EAP-TTLS only
	GTC
)

// Config is what the peer is set up with, as a supplicant would be.
type Config struct {
	Method        eap.Type // eap.TypePEAP or eap.TypeTTLS; the peer Naks others to it
	Inner         Inner
	Identity      string // outer (anonymous) identity
	InnerIdentity string
	Password      string   // PAP password, and the GTC answer when Answers runs out
	Answers       []string // GTC answers in order (password, then "push" or a passcode)
	TLS           *tls.Config
	FragmentSize  int // default 1024
	// NakTo, when set, is what the peer's Nak lists instead of Method.
	NakTo []eap.Type
	// RefuseResult makes a PEAP peer answer the server's Result TLV
	// with a failure status.
	RefuseResult bool
}

// Peer is one supplicant conversation. Not safe for concurrent use.
type Peer struct {
	cfg     Config
	tunnel  *eap.Tunnel
	frag    *eap.Fragmenter
	reasm   *eap.Reassembler
	phase2  bool
	msk     []byte
	prompts []string
	done    bool
	success bool
}

// New returns a peer.
func New(cfg Config) *Peer {
	if cfg.FragmentSize <= 0 {
		cfg.FragmentSize = 1024
	}
	return &Peer{
		cfg:   cfg,
		frag:  eap.NewFragmenter(cfg.FragmentSize),
		reasm: eap.NewReassembler(eap.DefaultMaxTLSMessage),
	}
}

// IdentityResponse answers the NAS's EAP-Request/Identity with id.
func (p *Peer) IdentityResponse(id uint8) []byte {
	b, _ := eap.Packet{Code: eap.CodeResponse, ID: id, Type: eap.TypeIdentity, Data: []byte(p.cfg.Identity)}.Marshal()
	return b
}

// Prompts are the GTC texts the server sent.
func (p *Peer) Prompts() []string { return p.prompts }

// Result reports whether the server ended the conversation, and how.
func (p *Peer) Result() (done, success bool) { return p.done, p.success }

// MSK is the key the peer derived (nil before the handshake ends).
func (p *Peer) MSK() []byte { return p.msk }

// Close frees the TLS state.
func (p *Peer) Close() {
	if p.tunnel != nil {
		p.tunnel.Close()
	}
}

// Respond answers one packet from the server. It returns nil after
// EAP-Success or EAP-Failure.
func (p *Peer) Respond(b []byte) ([]byte, error) {
	req, err := eap.Parse(b)
	if err != nil {
		return nil, fmt.Errorf("peer: %w", err)
	}
	switch req.Code {
	case eap.CodeSuccess, eap.CodeFailure:
		p.done, p.success = true, req.Code == eap.CodeSuccess
		p.Close()
		return nil, nil
	case eap.CodeRequest:
	default:
		return nil, fmt.Errorf("peer: unexpected %s", req.Code)
	}
	if req.Type == eap.TypeIdentity {
		return p.IdentityResponse(req.ID), nil
	}
	if req.Type != p.cfg.Method {
		want := p.cfg.NakTo
		if want == nil {
			want = []eap.Type{p.cfg.Method}
		}
		data := make([]byte, len(want))
		for i, t := range want {
			data[i] = byte(t)
		}
		return eap.Packet{Code: eap.CodeResponse, ID: req.ID, Type: eap.TypeNak, Data: data}.Marshal()
	}
	d, err := eap.ParseTLSData(req.Data)
	if err != nil {
		return nil, fmt.Errorf("peer: %w", err)
	}
	switch {
	case d.Flags&eap.FlagStart != 0:
		p.tunnel = eap.NewClientTunnel(p.cfg.TLS, eap.DefaultMaxTLSMessage)
		out, err := p.tunnel.Handshake(nil)
		if err != nil {
			return nil, fmt.Errorf("peer: client hello: %w", err)
		}
		return p.sendTLS(req.ID, out)
	case p.tunnel == nil:
		return nil, errors.New("peer: tls data before start")
	case p.frag.Pending():
		if len(d.Data) != 0 {
			return nil, errors.New("peer: server sent data instead of an ack")
		}
		return p.response(req.ID, p.frag.Next())
	}
	msg, complete, err := p.reasm.Add(d)
	if err != nil {
		return nil, fmt.Errorf("peer: %w", err)
	}
	if !complete {
		return p.response(req.ID, eap.TLSData{})
	}
	if !p.tunnel.HandshakeDone() {
		out, err := p.tunnel.Handshake(msg)
		if err != nil {
			return nil, fmt.Errorf("peer: %w", err)
		}
		if p.tunnel.HandshakeDone() {
			if p.msk, err = eap.DeriveMSK(p.tunnel.ConnectionState(), p.cfg.Method); err != nil {
				return nil, fmt.Errorf("peer: %w", err)
			}
		}
		if len(out) > 0 || !p.tunnel.HandshakeDone() {
			return p.sendTLS(req.ID, out)
		}
		msg = nil
	}
	data, err := p.tunnel.Read(msg, 1<<16)
	if err != nil {
		return nil, fmt.Errorf("peer: %w", err)
	}
	plain, err := p.inner(req.ID, data)
	if err != nil {
		return nil, err
	}
	if plain == nil {
		return p.response(req.ID, eap.TLSData{})
	}
	out, err := p.tunnel.Write(plain)
	if err != nil {
		return nil, fmt.Errorf("peer: %w", err)
	}
	return p.sendTLS(req.ID, out)
}

// inner returns the plaintext to send for decrypted data (nil: an empty
// response).
func (p *Peer) inner(outerID uint8, data []byte) ([]byte, error) {
	if p.cfg.Method == eap.TypeTTLS {
		return p.ttls(data)
	}
	if len(data) == 0 {
		return nil, nil
	}
	req, err := eap.ParsePEAPInner(data, eap.CodeRequest, outerID)
	if err != nil {
		return nil, fmt.Errorf("peer: %w", err)
	}
	switch req.Type {
	case eap.TypeIdentity:
		return eap.PEAPInner(eap.Packet{Code: eap.CodeResponse, ID: req.ID, Type: eap.TypeIdentity, Data: []byte(p.cfg.InnerIdentity)})
	case eap.TypeGTC:
		return eap.PEAPInner(p.gtc(req))
	case eap.TypeTLV:
		status, err := eap.ParseResultTLV(req.Data)
		if err != nil {
			return nil, fmt.Errorf("peer: %w", err)
		}
		if p.cfg.RefuseResult {
			status = eap.ResultFailure
		}
		return eap.ResultTLV(eap.CodeResponse, req.ID, status), nil
	}
	return eap.PEAPInner(eap.Packet{Code: eap.CodeResponse, ID: req.ID, Type: eap.TypeNak, Data: []byte{byte(eap.TypeGTC)}})
}

func (p *Peer) ttls(data []byte) ([]byte, error) {
	if !p.phase2 {
		p.phase2 = true
		if p.cfg.Inner == PAP {
			pw := []byte(p.cfg.Password)
			pw = append(pw, make([]byte, (16-len(pw)%16)%16)...)
			b := eap.AppendAVP(nil, eap.AVPUserName, eap.AVPFlagMandatory, []byte(p.cfg.InnerIdentity))
			return eap.AppendAVP(b, eap.AVPUserPassword, eap.AVPFlagMandatory, pw), nil
		}
		id, err := eap.Packet{Code: eap.CodeResponse, ID: 0, Type: eap.TypeIdentity, Data: []byte(p.cfg.InnerIdentity)}.Marshal()
		if err != nil {
			return nil, fmt.Errorf("peer: %w", err)
		}
		return eap.TTLSEAP(id), nil
	}
	if len(data) == 0 {
		return nil, nil
	}
	in, err := eap.ParseTTLSInner(data)
	if err != nil {
		return nil, fmt.Errorf("peer: %w", err)
	}
	req, err := eap.Parse(in.EAP)
	if err != nil {
		return nil, fmt.Errorf("peer: inner: %w", err)
	}
	if req.Code != eap.CodeRequest || req.Type != eap.TypeGTC {
		return nil, fmt.Errorf("peer: inner %s/%s", req.Code, req.Type)
	}
	b, err := p.gtc(req).Marshal()
	if err != nil {
		return nil, fmt.Errorf("peer: %w", err)
	}
	return eap.TTLSEAP(b), nil
}

func (p *Peer) gtc(req eap.Packet) eap.Packet {
	p.prompts = append(p.prompts, string(req.Data))
	answer := p.cfg.Password
	if len(p.cfg.Answers) > 0 {
		answer, p.cfg.Answers = p.cfg.Answers[0], p.cfg.Answers[1:]
	}
	return eap.Packet{Code: eap.CodeResponse, ID: req.ID, Type: eap.TypeGTC, Data: []byte(answer)}
}

func (p *Peer) sendTLS(id uint8, out []byte) ([]byte, error) {
	if len(out) == 0 {
		return p.response(id, eap.TLSData{})
	}
	p.frag.Load(out)
	return p.response(id, p.frag.Next())
}

func (p *Peer) response(id uint8, d eap.TLSData) ([]byte, error) {
	return eap.Packet{Code: eap.CodeResponse, ID: id, Type: p.cfg.Method, Data: d.Marshal()}.Marshal()
}
