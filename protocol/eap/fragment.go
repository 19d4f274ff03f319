package eap

import (
	"errors"
	"fmt"
)

// ErrFragment reports a fragment that does not fit the message being
// reassembled (wrong total, too much data, a limit exceeded).
var ErrFragment = errors.New("eap: bad tls fragment")

// Fragmenter cuts one outgoing TLS message into fragments of at most Size
// octets: the first carries L and the total length, all but the last
// carry M (RFC 5216 §2.1.5).
type Fragmenter struct {
	size  int
	msg   []byte
	off   int
	first bool
}

// NewFragmenter returns a Fragmenter for fragments of size octets of TLS
// data (at least 1).
func NewFragmenter(size int) *Fragmenter {
	if size < 1 {
		size = 1
	}
	return &Fragmenter{size: size}
}

// Load queues msg, replacing anything left. The Fragmenter keeps msg.
func (f *Fragmenter) Load(msg []byte) {
	f.msg, f.off, f.first = msg, 0, true
}

// Pending reports whether fragments remain to be sent.
func (f *Fragmenter) Pending() bool { return f.off < len(f.msg) }

// Next returns the next fragment with its flags (version bits zero). A
// message that fits in one fragment goes without L and M, as wpa_supplicant
// and FreeRADIUS send it.
func (f *Fragmenter) Next() TLSData {
	if !f.Pending() {
		return TLSData{}
	}
	end := min(f.off+f.size, len(f.msg))
	d := TLSData{Data: f.msg[f.off:end]}
	if f.first && end < len(f.msg) {
		d.Flags |= FlagLength
		d.Total = uint32(len(f.msg))
	}
	if end < len(f.msg) {
		d.Flags |= FlagMore
	}
	f.first = false
	f.off = end
	if !f.Pending() {
		f.msg, f.off = nil, 0
	}
	return d
}

// Reassembler joins incoming fragments into one TLS message of at most
// Max octets.
type Reassembler struct {
	max   int
	buf   []byte
	total int // from the L flag of the first fragment; 0 when absent
	busy  bool
}

// NewReassembler returns a Reassembler that refuses messages longer than
// max octets.
func NewReassembler(max int) *Reassembler { return &Reassembler{max: max} }

// Busy reports whether a fragmented message is partly received.
func (r *Reassembler) Busy() bool { return r.busy }

// Add takes one fragment. It returns the whole message and true when the
// fragment completes it (no M flag), or nil and false when more must be
// acknowledged and received. On error the partial message is dropped.
func (r *Reassembler) Add(d TLSData) ([]byte, bool, error) {
	if !r.busy {
		r.buf, r.total = r.buf[:0], 0
		if d.Flags&FlagLength != 0 {
			if int64(d.Total) > int64(r.max) {
				r.reset()
				return nil, false, fmt.Errorf("reassemble tls message of %d octets (limit %d): %w", d.Total, r.max, ErrFragment)
			}
			r.total = int(d.Total)
		}
	} else if d.Flags&FlagLength != 0 && int(d.Total) != r.total {
		r.reset()
		return nil, false, fmt.Errorf("reassemble tls message: total changed from %d to %d: %w", r.total, d.Total, ErrFragment)
	}
	if len(r.buf)+len(d.Data) > r.max || (r.total > 0 && len(r.buf)+len(d.Data) > r.total) {
		r.reset()
		return nil, false, fmt.Errorf("reassemble tls message: %d octets exceed the limit: %w", len(r.buf)+len(d.Data), ErrFragment)
	}
	if d.Flags&FlagMore != 0 && len(d.Data) == 0 {
		r.reset()
		return nil, false, fmt.Errorf("reassemble tls message: empty fragment with M: %w", ErrFragment)
	}
	r.buf = append(r.buf, d.Data...)
	if d.Flags&FlagMore != 0 {
		r.busy = true
		return nil, false, nil
	}
	if r.total > 0 && len(r.buf) != r.total {
		got := len(r.buf)
		r.reset()
		return nil, false, fmt.Errorf("reassemble tls message: %d of %d octets: %w", got, r.total, ErrFragment)
	}
	msg := append([]byte(nil), r.buf...)
	r.reset()
	return msg, true, nil
}

func (r *Reassembler) reset() {
	r.buf, r.total, r.busy = r.buf[:0], 0, false
}
