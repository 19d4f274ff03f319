package eap_test

import (
	"bytes"
	"testing"

	"github.com/pushauth/pushauth/protocol/eap"
)

// FuzzEAPPacket feeds arbitrary bytes to the codec and to a Session that
// has started PEAP: nothing may panic, and what parses must re-encode to
// the same bytes.
func FuzzEAPPacket(f *testing.F) {
	c := certs(f)
	f.Add([]byte{2, 1, 0, 10, 1, 'a', 'l', 'i', 'c', 'e'})
	f.Add([]byte{2, 2, 0, 7, 3, 21, 25})
	f.Add([]byte{2, 2, 0, 6, 25, 0})
	f.Add([]byte{2, 2, 0, 10, 25, 0xc0, 0, 0, 1, 0})
	f.Add([]byte{2, 2, 0, 12, 254, 0, 0, 0, 0, 0, 0, 3})
	f.Add([]byte{3, 2, 0, 4})
	f.Add(eap.ResultTLV(eap.CodeResponse, 2, eap.ResultSuccess))
	f.Fuzz(func(t *testing.T, b []byte) {
		if p, err := eap.Parse(b); err == nil {
			again, err := p.Marshal()
			if err != nil || !bytes.Equal(again, b) {
				t.Fatalf("re-encode % x → % x (%v)", b, again, err)
			}
			_, _ = eap.NakTypes(p)
			if d, err := eap.ParseTLSData(p.Data); err == nil {
				_ = d.Marshal()
			}
		}
		if p, err := eap.ParsePEAPInner(b, eap.CodeResponse, 1); err == nil {
			_, _ = eap.ParseResultTLV(p.Data)
		}
		s, err := eap.NewSession(eap.Config{TLS: c.ServerTLS(), FragmentSize: 64})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		first, err := s.Handle([]byte{2, 1, 0, 5, 1})
		if err != nil {
			t.Fatal(err)
		}
		if len(b) > 1 {
			b = append([]byte(nil), b...)
			b[1] = first.Reply[1] // reach past the identifier check
		}
		_, _ = s.Handle(b)
	})
}

// FuzzReassembly feeds arbitrary RADIUS attribute areas to the
// EAP-Message extraction, and their bytes as a run of TLS fragments to
// the Reassembler: errors are fine, panics and unbounded growth are not.
func FuzzReassembly(f *testing.F) {
	msg, _ := eap.Packet{Code: eap.CodeResponse, ID: 1, Type: eap.TypeTTLS, Data: make([]byte, 300)}.Marshal()
	f.Add(eap.AppendEAPMessage([]byte{1, 3, 'a'}, msg))
	f.Add([]byte{79, 6, 2, 1, 0, 4})
	f.Add([]byte{79, 2})
	f.Add([]byte{0xc0, 0, 0, 0, 9, 'a', 'b', 0x40, 'c', 0x00, 'd'})
	f.Fuzz(func(t *testing.T, b []byte) {
		if got, ok, err := eap.ExtractEAPMessage(b); err == nil && ok {
			if _, err := eap.JoinEAPMessage(eap.SplitEAPMessage(got)); err != nil {
				t.Fatalf("split/join of an accepted message: %v", err)
			}
		}
		const limit = 1024
		r := eap.NewReassembler(limit)
		// Cut b into fragments: each starts with a flags octet, then
		// the optional length, then up to 7 octets of data.
		for len(b) > 0 {
			n := min(len(b), 12)
			d, err := eap.ParseTLSData(b[:n])
			b = b[n:]
			if err != nil {
				continue
			}
			out, _, err := r.Add(d)
			if err == nil && len(out) > limit {
				t.Fatalf("reassembled %d octets over the limit", len(out))
			}
		}
	})
}

// FuzzTTLSAVPs feeds arbitrary tunnel plaintext to the AVP parser: no
// panics, and accepted AVPs re-encode to something that parses the same.
func FuzzTTLSAVPs(f *testing.F) {
	b := eap.AppendAVP(nil, eap.AVPUserName, eap.AVPFlagMandatory, []byte("alice"))
	f.Add(eap.AppendAVP(b, eap.AVPUserPassword, eap.AVPFlagMandatory, []byte("pw\x00\x00")))
	f.Add(eap.TTLSEAP([]byte{2, 0, 0, 10, 1, 'a', 'l', 'i', 'c', 'e'}))
	f.Add([]byte{0, 0, 0, 1, 0xc0, 0, 0, 13, 0, 0, 0, 9, 'x'})
	f.Add([]byte{0, 0, 0, 79, 0x40, 0, 0, 9, 2})
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = eap.ParseTTLSInner(b)
		avps, err := eap.ParseAVPs(b)
		if err != nil {
			return
		}
		var again []byte
		for _, a := range avps {
			if a.Flags&eap.AVPFlagVendor != 0 {
				return
			}
			again = eap.AppendAVP(again, a.Code, a.Flags, a.Data)
		}
		back, err := eap.ParseAVPs(again)
		if err != nil || len(back) != len(avps) {
			t.Fatalf("re-encoded avps: %d → %d (%v)", len(avps), len(back), err)
		}
		for i := range back {
			if back[i].Code != avps[i].Code || !bytes.Equal(back[i].Data, avps[i].Data) {
				t.Fatalf("avp %d changed", i)
			}
		}
	})
}
