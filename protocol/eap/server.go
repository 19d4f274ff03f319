package eap

import (
	"crypto/tls"
	"errors"
	"fmt"
)

// Server is a validated Config from which Sessions start: the TLS
// configuration is cloned and checked once, not per conversation. It is
// safe for concurrent use.
type Server struct {
	cfg Config
}

// NewServer validates cfg and fills in defaults: TLS needs a
// certificate and may not stop below TLS 1.2; methods are PEAP and TTLS
// only.
func NewServer(cfg Config) (*Server, error) {
	if cfg.TLS == nil || (len(cfg.TLS.Certificates) == 0 && cfg.TLS.GetCertificate == nil) {
		return nil, errors.New("new eap server: tls config without a certificate")
	}
	t := cfg.TLS.Clone()
	t.MinVersion = max(t.MinVersion, tls.VersionTLS12)
	if t.MaxVersion != 0 && t.MaxVersion < t.MinVersion {
		return nil, fmt.Errorf("new eap server: tls max version %#x below 1.2", t.MaxVersion)
	}
	t.SessionTicketsDisabled = true
	cfg.TLS = t
	if len(cfg.Methods) == 0 {
		cfg.Methods = []Type{TypePEAP, TypeTTLS}
	}
	cfg.Methods = append([]Type(nil), cfg.Methods...)
	for _, m := range cfg.Methods {
		if m != TypePEAP && m != TypeTTLS {
			return nil, fmt.Errorf("new eap server: method %s: %w", m, ErrUnsupported)
		}
	}
	if cfg.FragmentSize == 0 {
		cfg.FragmentSize = DefaultFragmentSize
	}
	if cfg.FragmentSize < MinFragmentSize || cfg.FragmentSize > MaxFragmentSize {
		return nil, fmt.Errorf("new eap server: fragment size %d outside %d..%d", cfg.FragmentSize, MinFragmentSize, MaxFragmentSize)
	}
	if cfg.MaxTLSMessage <= 0 {
		cfg.MaxTLSMessage = DefaultMaxTLSMessage
	}
	if cfg.MaxRounds <= 0 {
		cfg.MaxRounds = DefaultMaxRounds
	}
	return &Server{cfg: cfg}, nil
}

// NewSession starts a conversation waiting for the peer's
// EAP-Response/Identity.
func (srv *Server) NewSession() *Session {
	return &Session{
		cfg:   srv.cfg,
		frag:  NewFragmenter(srv.cfg.FragmentSize),
		reasm: NewReassembler(srv.cfg.MaxTLSMessage),
	}
}
