package eap

// Memory a conversation holds, so that its owner can bound conversations
// by memory, not only by count (issue 18: 65,536 conversations each
// holding a partly reassembled 64 KiB message were about 7 GiB).
//
// The figures are upper estimates, checked against the Go heap and stacks
// by TestMemoryEstimateCoversMeasured. What the code can see it counts
// (buffers' capacities); what crypto/tls keeps inside its Conn it bounds:
// its fixed state is a constant, and its buffers never hold more than the
// TLS input fed to it, nor more than one handshake message and one record.
const (
	// sessionBytes is a Session with its Fragmenter and Reassembler,
	// without their buffers.
	sessionBytes = 1 << 10
	// tunnelBytes is crypto/tls's server Conn (cipher state, handshake
	// transcript and keys) and the in-memory connection under it, without
	// the input it buffers.
	tunnelBytes = 12 << 10
	// handshakeStackBytes is the stack of the goroutine that runs a
	// handshake while it waits for the peer's next flight.
	handshakeStackBytes = 32 << 10
	// tlsInputGrowth bounds what crypto/tls buffers from its input, as a
	// multiple of the input fed: its buffers (the handshake message being
	// assembled, the record being read) grow to twice what they hold,
	// and a record is in both for a while.
	tlsInputGrowth = 3
	// tlsInputBound is the most crypto/tls buffers from its input: one
	// handshake message (at most 64 KiB, crypto/tls's maxHandshake) and
	// one record (16 KiB of plaintext and its overhead), grown as above.
	tlsInputBound = tlsInputGrowth * (64<<10 + 16<<10 + 1<<10)
	// handshakeInputTypical is the TLS input and output of an ordinary
	// handshake (the peer's flights and the server's certificate chain),
	// for the reserve.
	handshakeInputTypical = 16 << 10
)

// MemoryEstimate is an upper estimate, in bytes, of the memory the
// Session holds now: its buffers, the TLS state and, during the
// handshake, the goroutine running it. A closed Session holds only
// sessionBytes.
func (s *Session) MemoryEstimate() int {
	n := sessionBytes + cap(s.reasm.buf) + cap(s.frag.msg)
	if s.tunnel != nil {
		n += s.tunnel.memoryEstimate()
	}
	return n
}

// MemoryReserve is what the Session should be charged at least in its
// present phase: until its TLS handshake has ended, the estimate of an
// ordinary handshake at its largest (HandshakeReserve), so that admitting
// a conversation leaves room for its handshake; afterwards 0 (the
// estimate alone counts).
func (s *Session) MemoryReserve() int {
	switch s.state {
	case stNew, stStarted, stHandshake:
		return HandshakeReserve(s.cfg)
	}
	return 0
}

// HandshakeReserve is the estimate of a Session under cfg in the middle
// of an ordinary handshake: the most memory a conversation that is not
// sending oversized messages reaches.
func HandshakeReserve(cfg Config) int {
	return sessionBytes + tunnelBytes + handshakeStackBytes + handshakeInputTypical + 2*max(cfg.FragmentSize, DefaultFragmentSize)
}

// HandshakeReserve is the reserve of one of the Server's Sessions during
// its handshake (see Session.MemoryReserve).
func (srv *Server) HandshakeReserve() int { return HandshakeReserve(srv.cfg) }

// memoryEstimate is the tunnel's share of Session.MemoryEstimate; 0 once
// closed.
func (t *Tunnel) memoryEstimate() int {
	if t.closed {
		return 0
	}
	n := tunnelBytes + t.conn.buffered() + min(tlsInputGrowth*t.fed, tlsInputBound)
	if t.started && !t.hsDone {
		n += handshakeStackBytes
	}
	return n
}

// buffered is the capacity of the connection's input and output buffers.
func (c *memConn) buffered() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return cap(c.in) + cap(c.out)
}
