package eap

import (
	"errors"
	"fmt"
)

// The inner phase: what the peer sends inside the tunnel, per method.

// innerData handles decrypted data from the peer (possibly none).
func (s *Session) innerData(data []byte) Step {
	if len(data) == 0 {
		if s.state == stTunnel && s.method == TypePEAP {
			// PEAPv0 phase 2 starts with the server's Identity request.
			s.ask = askIdentity
			s.state = stInner
			s.innerID++
			return s.sendInner(Packet{Code: CodeRequest, ID: s.innerID, Type: TypeIdentity})
		}
		// Nothing to read yet (a TTLS peer after TLS 1.3, or a bare
		// ack): ask for more.
		return s.request(TLSData{})
	}
	if s.method == TypeTTLS {
		return s.ttlsData(data)
	}
	return s.peapData(data)
}

func (s *Session) ttlsData(data []byte) Step {
	in, err := ParseTTLSInner(data)
	if err != nil {
		return s.fail(fmt.Errorf("ttls: %w", err))
	}
	switch s.state {
	case stTunnel:
		if in.HasPassword {
			s.inner, s.identity, s.answered = InnerPAP, in.UserName, true
			s.state = stAwait
			return Step{Event: Event{Kind: EventPassword, Identity: in.UserName, Secret: in.Password}}
		}
		if len(in.EAP) == 0 {
			return s.fail(fmt.Errorf("ttls: neither password nor eap in phase 2: %w", ErrMalformed))
		}
		p, err := Parse(in.EAP)
		if err != nil {
			return s.fail(fmt.Errorf("ttls inner: %w", err))
		}
		if p.Code != CodeResponse || p.Type != TypeIdentity {
			return s.fail(fmt.Errorf("ttls inner %s/%s: want identity: %w", p.Code, p.Type, ErrState))
		}
		s.inner, s.identity, s.innerID = InnerGTC, string(p.Data), p.ID
		s.state = stAwait
		return Step{Event: Event{Kind: EventIdentity, Identity: s.identity}}
	case stInner:
		p, err := Parse(in.EAP)
		if err != nil {
			return s.fail(fmt.Errorf("ttls inner: %w", err))
		}
		return s.innerResponse(p)
	}
	return s.fail(fmt.Errorf("ttls: data in state %d: %w", s.state, ErrState))
}

func (s *Session) peapData(data []byte) Step {
	p, err := ParsePEAPInner(data, CodeResponse, s.innerID)
	if err != nil {
		return s.fail(fmt.Errorf("peap inner: %w", err))
	}
	switch s.state {
	case stInner:
		return s.innerResponse(p)
	case stResult:
		if p.Code != CodeResponse || p.Type != TypeTLV || p.ID != s.innerID {
			return s.fail(fmt.Errorf("peap: %s/%s id %d instead of the result tlv: %w", p.Code, p.Type, p.ID, ErrState))
		}
		status, err := ParseResultTLV(p.Data)
		if err != nil {
			return s.fail(fmt.Errorf("peap: %w", err))
		}
		if status != ResultSuccess {
			return s.fail(errors.New("peap: peer reported failure in its result tlv"))
		}
		return s.succeed()
	}
	return s.fail(fmt.Errorf("peap: data in state %d: %w", s.state, ErrState))
}

// innerResponse handles the peer's answer to an inner Identity or GTC
// request.
func (s *Session) innerResponse(p Packet) Step {
	if p.Code != CodeResponse || p.ID != s.innerID {
		return s.fail(fmt.Errorf("inner %s id %d, want response id %d: %w", p.Code, p.ID, s.innerID, ErrID))
	}
	switch {
	case p.Type == TypeNak:
		return s.fail(fmt.Errorf("inner method gtc refused by the peer: %w", ErrUnsupported))
	case s.ask == askIdentity && p.Type == TypeIdentity:
		s.inner, s.identity = InnerGTC, string(p.Data)
		s.state = stAwait
		return Step{Event: Event{Kind: EventIdentity, Identity: s.identity}}
	case s.ask == askGTC && p.Type == TypeGTC:
		s.state, s.answered = stAwait, true
		return Step{Event: Event{Kind: EventAnswer, Identity: s.identity, Secret: string(p.Data)}}
	}
	return s.fail(fmt.Errorf("inner response %s: %w", p.Type, ErrState))
}

// sendInner encrypts an inner EAP request in the method's encoding.
func (s *Session) sendInner(p Packet) Step {
	var plain []byte
	var err error
	if s.method == TypePEAP {
		plain, err = PEAPInner(p)
	} else {
		var b []byte
		if b, err = p.Marshal(); err == nil {
			plain = TTLSEAP(b)
		}
	}
	if err != nil {
		return s.fail(fmt.Errorf("%s inner request: %w", s.method, err))
	}
	out, err := s.tunnel.Write(plain)
	if err != nil {
		return s.fail(fmt.Errorf("%s inner request: %w", s.method, err))
	}
	return s.sendTLS(out)
}
