package eap

import (
	"crypto/tls"
	"errors"
	"fmt"
	"runtime"
	"slices"
)

// Defaults and limits of a Session.
const (
	DefaultFragmentSize  = 1024
	MinFragmentSize      = 64
	MaxFragmentSize      = 3000 // keeps a request with its attributes inside 4096 RADIUS octets
	DefaultMaxTLSMessage = 64 << 10
	DefaultMaxRounds     = 64
	maxInnerData         = 16 << 10
	maxPromptLen         = 1000
)

// Errors a Session returns for packets it discards (the conversation goes
// on) and for instructions given in the wrong state.
var (
	ErrDone  = errors.New("eap: conversation is over")
	ErrID    = errors.New("eap: response identifier does not match the request")
	ErrState = errors.New("eap: not expected in this state")
)

// Config configures Sessions. It is read, never changed, by them.
type Config struct {
	// TLS holds the server certificate. MinVersion is raised to TLS 1.2;
	// TLS 1.3 is used when the peer offers it and MaxVersion allows it.
	// Session tickets are turned off (no resumption).
	TLS *tls.Config
	// Methods are the outer methods offered, most preferred first
	// (TypePEAP, TypeTTLS); empty means both, PEAP first. A peer's Nak
	// may choose another of them.
	Methods []Type
	// FragmentSize is the most TLS data per EAP-Request (default 1024,
	// from 64 to 3000).
	FragmentSize int
	// MaxTLSMessage bounds one reassembled TLS message from the peer and
	// the TLS output buffered for it (default 64 KiB).
	MaxTLSMessage int
	// MaxRounds bounds the responses of one conversation (default 64).
	MaxRounds int
}

// InnerMethod is the authentication inside the tunnel.
type InnerMethod int

// Inner methods.
const (
	InnerNone InnerMethod = iota
	InnerPAP              // EAP-TTLS with User-Password
	InnerGTC              // EAP-GTC (PEAPv0, or EAP-TTLS with inner EAP)
)

// EventKind tells the caller what the peer revealed.
type EventKind int

// Events. After EventIdentity the caller answers with Prompt (or Fail);
// after EventPassword with Succeed or Fail; after EventAnswer with
// Prompt, Succeed or Fail.
const (
	EventNone     EventKind = iota
	EventIdentity           // inner identity, GTC methods: Event.Identity
	EventPassword           // TTLS/PAP: Event.Identity and Event.Secret
	EventAnswer             // GTC response: Event.Secret
)

// Event is something the caller must decide on.
type Event struct {
	Kind     EventKind
	Identity string
	Secret   string
}

// Step is a Session's answer. Reply is the EAP packet to send now; it is
// nil when Event needs an instruction first. Done marks the last reply
// (EAP-Success when Success, else EAP-Failure, with Err saying why when
// the protocol failed).
type Step struct {
	Reply   []byte
	Event   Event
	Done    bool
	Success bool
	Keys    Keys
	Err     error
}

type state int

const (
	stNew       state = iota // waiting for EAP-Response/Identity
	stStarted                // Start sent
	stHandshake              // TLS handshake under way
	stTunnel                 // handshake done, inner method not started
	stInner                  // inner request sent, waiting for its answer
	stAwait                  // waiting for the caller's instruction
	stResult                 // PEAPv0 Result TLV sent
	stDone
)

type innerAsk int

const (
	askIdentity innerAsk = iota
	askGTC
)

// Session is one EAP conversation on the server side. It is not safe for
// concurrent use: its owner (the login actor) calls it from one place.
type Session struct {
	cfg      Config
	state    state
	id       uint8 // identifier of the last request sent
	method   Type
	tried    []Type
	outer    string
	inner    InnerMethod
	identity string
	answered bool // the peer gave a password or GTC answer since the last prompt
	ask      innerAsk
	innerID  uint8
	rounds   int
	tunnel   *Tunnel
	frag     *Fragmenter
	reasm    *Reassembler
	keys     Keys
}

// NewSession returns a Session waiting for the peer's
// EAP-Response/Identity. Servers that start many conversations build the
// configuration once with NewServer.
func NewSession(cfg Config) (*Session, error) {
	srv, err := NewServer(cfg)
	if err != nil {
		return nil, err
	}
	return srv.NewSession(), nil
}

// OuterIdentity is the identity of the first EAP-Response (often
// "anonymous"); never trust it for authentication.
func (s *Session) OuterIdentity() string { return s.outer }

// Method is the outer method in use (0 before the first Start).
func (s *Session) Method() Type { return s.method }

// Inner is the inner method, once the peer has chosen it.
func (s *Session) Inner() InnerMethod { return s.inner }

// Identity is the inner identity, once known.
func (s *Session) Identity() string { return s.identity }

// Done reports whether the conversation is over.
func (s *Session) Done() bool { return s.state == stDone }

// Close frees the TLS state (and ends a handshake still waiting for
// input). Sessions close themselves when they end; Close is for
// abandoned ones. It is safe to call more than once.
func (s *Session) Close() {
	if s.tunnel != nil {
		s.tunnel.Close()
	}
	s.state = stDone
}

// Handle takes one EAP-Response. An error means the packet was discarded
// (malformed, wrong identifier, unexpected) and the conversation is
// unchanged; protocol failures instead end it with a Step carrying an
// EAP-Failure and Err.
func (s *Session) Handle(b []byte) (Step, error) {
	if s.state == stDone {
		return Step{}, fmt.Errorf("handle eap response: %w", ErrDone)
	}
	p, err := Parse(b)
	if err != nil {
		if errors.Is(err, ErrExpanded) && s.state != stNew && len(b) > 1 && b[1] == s.id {
			return s.fail(fmt.Errorf("handle eap response: %w", err)), nil
		}
		return Step{}, fmt.Errorf("handle eap response: %w", err)
	}
	if p.Code != CodeResponse {
		return Step{}, fmt.Errorf("handle eap %s: %w", p.Code, ErrState)
	}
	if s.state == stNew {
		if p.Type != TypeIdentity {
			return Step{}, fmt.Errorf("handle first eap response (%s): want identity: %w", p.Type, ErrState)
		}
		s.outer = string(p.Data)
		s.id = p.ID
		return s.start(s.cfg.Methods[0]), nil
	}
	if p.ID != s.id {
		return Step{}, fmt.Errorf("handle eap response id %d, request id %d: %w", p.ID, s.id, ErrID)
	}
	if s.state == stAwait {
		return Step{}, fmt.Errorf("handle eap response while waiting for the caller: %w", ErrState)
	}
	s.rounds++
	if s.rounds > s.cfg.MaxRounds {
		return s.fail(fmt.Errorf("handle eap response: more than %d rounds", s.cfg.MaxRounds)), nil
	}
	if s.state == stStarted && p.Type == TypeNak && !s.reasm.Busy() {
		return s.nak(p), nil
	}
	if p.Type != s.method {
		return s.fail(fmt.Errorf("handle eap response: type %s during %s: %w", p.Type, s.method, ErrState)), nil
	}
	d, err := ParseTLSData(p.Data)
	if err != nil {
		return s.fail(fmt.Errorf("handle %s response: %w", s.method, err)), nil
	}
	if s.frag.Pending() {
		if len(d.Data) != 0 || d.Flags&(FlagMore|FlagLength) != 0 {
			return s.fail(fmt.Errorf("handle %s response: data while fragments are pending: %w", s.method, ErrFragment)), nil
		}
		return s.sendFragment(), nil
	}
	msg, complete, err := s.reasm.Add(d)
	if err != nil {
		return s.fail(fmt.Errorf("handle %s response: %w", s.method, err)), nil
	}
	if !complete {
		return s.request(TLSData{}), nil
	}
	return s.tlsMessage(msg), nil
}

// start offers a method with an EAP-Request carrying the S flag.
func (s *Session) start(m Type) Step {
	s.method = m
	s.tried = append(s.tried, m)
	s.tunnel = NewServerTunnel(s.cfg.TLS, s.cfg.MaxTLSMessage)
	// Safety net for a Session dropped without Close: once it is garbage,
	// its handshake goroutine (which does not reference the Session) is
	// released.
	runtime.AddCleanup(s, func(c *memConn) { c.Close() }, s.tunnel.conn)
	s.state = stStarted
	return s.request(TLSData{Flags: FlagStart})
}

// nak switches to the first configured method the peer asks for that was
// not tried yet, or fails.
func (s *Session) nak(p Packet) Step {
	want, err := NakTypes(p)
	if err != nil {
		return s.fail(fmt.Errorf("handle nak: %w", err))
	}
	for _, m := range s.cfg.Methods {
		if slices.Contains(want, m) && !slices.Contains(s.tried, m) {
			s.tunnel.Close()
			return s.start(m)
		}
	}
	return s.fail(fmt.Errorf("handle nak: peer wants %v, offered %v: %w", want, s.cfg.Methods, ErrUnsupported))
}

// tlsMessage handles one reassembled TLS message from the peer.
func (s *Session) tlsMessage(msg []byte) Step {
	switch s.state {
	case stStarted, stHandshake:
		s.state = stHandshake
		out, err := s.tunnel.Handshake(msg)
		if err != nil {
			return s.fail(fmt.Errorf("%s: %w", s.method, err))
		}
		if s.tunnel.HandshakeDone() {
			msk, err := DeriveMSK(s.tunnel.ConnectionState(), s.method)
			if err != nil {
				return s.fail(err)
			}
			s.keys = Keys{MSK: msk}
			s.state = stTunnel
			if len(out) == 0 {
				// TLS 1.3: the peer's Finished ended the handshake;
				// it may have sent inner data with it.
				data, err := s.tunnel.Read(nil, maxInnerData)
				if err != nil {
					return s.fail(fmt.Errorf("%s: %w", s.method, err))
				}
				return s.innerData(data)
			}
		}
		return s.sendTLS(out)
	case stTunnel, stInner, stResult:
		data, err := s.tunnel.Read(msg, maxInnerData)
		if err != nil {
			return s.fail(fmt.Errorf("%s tunnel: %w", s.method, err))
		}
		return s.innerData(data)
	}
	return s.fail(fmt.Errorf("%s: tls data in state %d: %w", s.method, s.state, ErrState))
}

// Prompt sends a GTC request with text (the password prompt, or the
// prompt for "push" or a passcode after a timeout). It is refused for
// TTLS/PAP, which has no way to show it.
func (s *Session) Prompt(text string) (Step, error) {
	if s.state != stAwait || s.inner != InnerGTC {
		return Step{}, fmt.Errorf("prompt: %w", ErrState)
	}
	if len(text) > maxPromptLen {
		return Step{}, fmt.Errorf("prompt of %d octets (limit %d): %w", len(text), maxPromptLen, ErrTooLong)
	}
	s.ask, s.answered = askGTC, false
	s.state = stInner
	s.innerID++
	return s.sendInner(Packet{Code: CodeRequest, ID: s.innerID, Type: TypeGTC, Data: []byte(text)}), nil
}

// Succeed ends the conversation with success once the peer has given a
// password or answer: TTLS replies EAP-Success at once; PEAPv0 first
// sends a Result TLV and replies EAP-Success when the peer confirms.
func (s *Session) Succeed() (Step, error) {
	if s.state != stAwait || !s.answered {
		return Step{}, fmt.Errorf("succeed: %w", ErrState)
	}
	if s.method == TypePEAP {
		s.innerID++
		out, err := s.tunnel.Write(ResultTLV(CodeRequest, s.innerID, ResultSuccess))
		if err != nil {
			return s.fail(fmt.Errorf("peap result: %w", err)), nil
		}
		s.state = stResult
		return s.sendTLS(out), nil
	}
	return s.succeed(), nil
}

// Fail ends the conversation with EAP-Failure, in any state.
func (s *Session) Fail() (Step, error) {
	if s.state == stDone {
		return Step{}, fmt.Errorf("fail: %w", ErrDone)
	}
	return s.fail(nil), nil
}

func (s *Session) succeed() Step {
	s.Close()
	return Step{Reply: Success(s.id), Done: true, Success: true, Keys: s.keys}
}

func (s *Session) fail(err error) Step {
	s.Close()
	return Step{Reply: Failure(s.id), Done: true, Err: err}
}

// sendTLS queues TLS output and sends its first fragment (or an empty
// request when there is none).
func (s *Session) sendTLS(out []byte) Step {
	if len(out) == 0 {
		return s.request(TLSData{})
	}
	s.frag.Load(out)
	return s.sendFragment()
}

func (s *Session) sendFragment() Step {
	return s.request(s.frag.Next())
}

// request builds the next EAP-Request of the outer method.
func (s *Session) request(d TLSData) Step {
	s.id++
	return Step{Reply: mustMarshal(Packet{Code: CodeRequest, ID: s.id, Type: s.method, Data: d.Marshal()})}
}
