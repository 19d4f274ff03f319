package radius

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	layeh "layeh.com/radius"
)

// errFraming ends a stream whose next packet has a Length outside
// 20..4096: the stream cannot be resynchronised (RFC 6614 §2.5 leaves
// nothing to skip to).
var errFraming = errors.New("radius: packet length out of range")

// framer splits a byte stream into RADIUS packets by their Length field
// (octets 3–4). A read may return part of a packet or several; the framer
// keeps what it has across calls, also across a read that times out, so
// that reading can resume.
type framer struct {
	r     io.Reader
	buf   [layeh.MaxPacketLength]byte
	n     int // octets buffered
	taken int // octets of the packet returned last, dropped on the next call
	// beforeRead, when set, is called before each read of r with whether
	// part of a packet is buffered (to set the read deadline).
	beforeRead func(partial bool)
}

func newFramer(r io.Reader) *framer { return &framer{r: r} }

// next returns the next whole packet. The slice is valid until the next
// call. errFraming (wrapped) reports a bad Length; other errors are the
// reader's, and a later call may resume after a timeout.
func (f *framer) next() ([]byte, error) {
	f.consume()
	for {
		pkt, err := f.packet()
		if pkt != nil || err != nil {
			return pkt, err
		}
		if f.beforeRead != nil {
			f.beforeRead(f.n > 0)
		}
		m, err := f.r.Read(f.buf[f.n:])
		f.n += m
		if err != nil && m == 0 {
			return nil, err
		}
	}
}

// partial tells whether part of a packet is buffered.
func (f *framer) partial() bool { return f.n > f.taken }

// consume drops the packet returned last, moving what follows it to the
// front of the buffer.
func (f *framer) consume() {
	if f.taken == 0 {
		return
	}
	f.n = copy(f.buf[:], f.buf[f.taken:f.n])
	f.taken = 0
}

// packet returns a whole buffered packet, or nil when more is needed.
func (f *framer) packet() ([]byte, error) {
	if f.n < 4 {
		return nil, nil
	}
	length := int(binary.BigEndian.Uint16(f.buf[2:4]))
	if length < headerLen || length > layeh.MaxPacketLength {
		return nil, fmt.Errorf("%w: %d", errFraming, length)
	}
	if f.n < length {
		return nil, nil
	}
	f.taken = length
	return f.buf[:length], nil
}
