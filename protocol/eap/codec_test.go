package eap_test

import (
	"bytes"
	"crypto/rand"
	"errors"
	"testing"

	"layeh.com/radius"

	"github.com/pushauth/pushauth/protocol/eap"
)

func TestPacketRoundTrip(t *testing.T) {
	for _, p := range []eap.Packet{
		{Code: eap.CodeRequest, ID: 9, Type: eap.TypeGTC, Data: []byte("Password: ")},
		{Code: eap.CodeResponse, ID: 0, Type: eap.TypeIdentity},
		{Code: eap.CodeResponse, ID: 255, Type: eap.TypeNak, Data: []byte{21, 25}},
		{Code: eap.CodeSuccess, ID: 3},
		{Code: eap.CodeFailure, ID: 4},
	} {
		b, err := p.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		got, err := eap.Parse(b)
		if err != nil {
			t.Fatalf("parse %x: %v", b, err)
		}
		if got.Code != p.Code || got.ID != p.ID || got.Type != p.Type || !bytes.Equal(got.Data, p.Data) {
			t.Fatalf("round trip %+v → %+v", p, got)
		}
	}
	if !bytes.Equal(eap.Success(5), []byte{3, 5, 0, 4}) || !bytes.Equal(eap.Failure(6), []byte{4, 6, 0, 4}) {
		t.Fatal("success/failure encoding")
	}
}

func TestParseRefuses(t *testing.T) {
	for name, tc := range map[string]struct {
		b    []byte
		want error
	}{
		"nil":                {nil, eap.ErrShort},
		"three octets":       {[]byte{1, 1, 0}, eap.ErrShort},
		"length beyond":      {[]byte{1, 1, 0, 6, 1}, eap.ErrLength},
		"padding":            {[]byte{1, 1, 0, 5, 1, 0}, eap.ErrLength},
		"success with data":  {[]byte{3, 1, 0, 5, 0}, eap.ErrLength},
		"request no type":    {[]byte{1, 1, 0, 4}, eap.ErrShort},
		"code 0":             {[]byte{0, 1, 0, 4}, eap.ErrCode},
		"code 5":             {[]byte{5, 1, 0, 4}, eap.ErrCode},
		"expanded":           {[]byte{2, 1, 0, 12, 254, 0, 0, 0, 0, 0, 0, 1}, eap.ErrExpanded},
		"length below four":  {[]byte{3, 1, 0, 2}, eap.ErrLength},
		"length field 65535": {[]byte{2, 1, 255, 255, 1}, eap.ErrLength},
	} {
		if _, err := eap.Parse(tc.b); !errors.Is(err, tc.want) {
			t.Errorf("%s: got %v, want %v", name, err, tc.want)
		}
	}
	if _, err := (eap.Packet{Code: eap.CodeRequest, Type: eap.TypeGTC, Data: make([]byte, 65531)}).Marshal(); !errors.Is(err, eap.ErrTooLong) {
		t.Fatalf("oversized marshal: %v", err)
	}
}

func TestNakTypes(t *testing.T) {
	got, err := eap.NakTypes(eap.Packet{Code: eap.CodeResponse, Type: eap.TypeNak, Data: []byte{25, 0, 21}})
	if err != nil || len(got) != 2 || got[0] != eap.TypePEAP || got[1] != eap.TypeTTLS {
		t.Fatalf("nak types %v %v", got, err)
	}
	for name, p := range map[string]eap.Packet{
		"empty":     {Code: eap.CodeResponse, Type: eap.TypeNak},
		"expanded":  {Code: eap.CodeResponse, Type: eap.TypeNak, Data: []byte{254}},
		"not a nak": {Code: eap.CodeResponse, Type: eap.TypeGTC, Data: []byte{25}},
	} {
		if _, err := eap.NakTypes(p); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestTLSDataFlags(t *testing.T) {
	d, err := eap.ParseTLSData([]byte{0xc0 | 1, 0, 0, 1, 0, 'a', 'b'})
	if err != nil || d.Flags != eap.FlagLength|eap.FlagMore || d.Version != 1 || d.Total != 256 || string(d.Data) != "ab" {
		t.Fatalf("parse: %+v %v", d, err)
	}
	if got := d.Marshal(); !bytes.Equal(got, []byte{0xc1, 0, 0, 1, 0, 'a', 'b'}) {
		t.Fatalf("marshal % x", got)
	}
	start, err := eap.ParseTLSData([]byte{eap.FlagStart})
	if err != nil || start.Flags != eap.FlagStart || len(start.Data) != 0 {
		t.Fatalf("start: %+v %v", start, err)
	}
	for name, b := range map[string][]byte{
		"empty":           nil,
		"L without total": {0x80, 0, 0},
		"total zero":      {0x80, 0, 0, 0, 0},
		"total too small": {0x80, 0, 0, 0, 1, 'a', 'b'},
	} {
		if _, err := eap.ParseTLSData(b); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestFragmentAndReassemble(t *testing.T) {
	msg := make([]byte, 1000)
	if _, err := rand.Read(msg); err != nil {
		t.Fatal(err)
	}
	f := eap.NewFragmenter(300)
	f.Load(msg)
	r := eap.NewReassembler(4096)
	var flags []uint8
	var got []byte
	for f.Pending() {
		d := f.Next()
		flags = append(flags, d.Flags)
		if d.Flags&eap.FlagLength != 0 && d.Total != 1000 {
			t.Fatalf("total %d", d.Total)
		}
		out, done, err := r.Add(d)
		if err != nil {
			t.Fatal(err)
		}
		if done {
			got = out
		} else if !r.Busy() {
			t.Fatal("not busy between fragments")
		}
	}
	want := []uint8{eap.FlagLength | eap.FlagMore, eap.FlagMore, eap.FlagMore, 0}
	if !bytes.Equal(flags, want) || !bytes.Equal(got, msg) {
		t.Fatalf("flags % x (want % x), message equal %v", flags, want, bytes.Equal(got, msg))
	}
	f.Load([]byte("short"))
	if d := f.Next(); d.Flags != 0 || string(d.Data) != "short" || f.Pending() {
		t.Fatalf("single fragment %+v", d)
	}
}

func TestReassemblerRefuses(t *testing.T) {
	for name, frags := range map[string][]eap.TLSData{
		"total over limit":   {{Flags: eap.FlagLength | eap.FlagMore, Total: 5000, Data: []byte("a")}},
		"data over total":    {{Flags: eap.FlagLength | eap.FlagMore, Total: 2, Data: []byte("ab")}, {Data: []byte("c")}},
		"short of total":     {{Flags: eap.FlagLength | eap.FlagMore, Total: 9, Data: []byte("ab")}, {Data: []byte("c")}},
		"total changes":      {{Flags: eap.FlagLength | eap.FlagMore, Total: 9, Data: []byte("ab")}, {Flags: eap.FlagLength, Total: 8, Data: []byte("c")}},
		"empty M fragment":   {{Flags: eap.FlagMore}},
		"unbounded no L":     {{Flags: eap.FlagMore, Data: make([]byte, 3000)}, {Flags: eap.FlagMore, Data: make([]byte, 3000)}},
		"over limit, single": {{Data: make([]byte, 4097)}},
	} {
		r := eap.NewReassembler(4096)
		var err error
		for _, d := range frags {
			if _, _, err = r.Add(d); err != nil {
				break
			}
		}
		if !errors.Is(err, eap.ErrFragment) {
			t.Errorf("%s: %v", name, err)
		}
		if r.Busy() {
			t.Errorf("%s: still busy after an error", name)
		}
	}
}

func TestEAPMessageSplitAndJoin(t *testing.T) {
	msg, err := eap.Packet{Code: eap.CodeRequest, ID: 1, Type: eap.TypePEAP, Data: make([]byte, 595)}.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	parts := eap.SplitEAPMessage(msg)
	if len(parts) != 3 || len(parts[0]) != 253 || len(parts[1]) != 253 || len(parts[2]) != 94 {
		t.Fatalf("split into %d parts", len(parts))
	}
	joined, err := eap.JoinEAPMessage(parts)
	if err != nil || !bytes.Equal(joined, msg) {
		t.Fatalf("join: %v", err)
	}
	attrs := eap.AppendEAPMessage(nil, msg)
	if got, ok, err := eap.ExtractEAPMessage(attrs); err != nil || !ok || !bytes.Equal(got, msg) {
		t.Fatalf("extract: ok=%v %v", ok, err)
	}
	if _, ok, err := eap.ExtractEAPMessage([]byte{1, 3, 'a'}); ok || err != nil {
		t.Fatalf("no eap-message: ok=%v %v", ok, err)
	}
	split := append(append(append([]byte{}, attrs[:255]...), 1, 3, 'a'), attrs[255:]...)
	for name, b := range map[string][]byte{
		"not consecutive": split,
		"truncated":       attrs[:len(attrs)-1],
		"length zero":     {79, 0},
		"length one":      {79, 1},
		"one part only":   attrs[:255],
		"empty value":     append([]byte{79, 2}, attrs...),
	} {
		if _, _, err := eap.ExtractEAPMessage(b); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestLayehAdapter(t *testing.T) {
	msg, err := eap.Packet{Code: eap.CodeResponse, ID: 2, Type: eap.TypeTTLS, Data: make([]byte, 400)}.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	p := radius.New(radius.CodeAccessRequest, []byte(secret))
	p.Attributes.Add(1, radius.Attribute("alice"))
	eap.AddToPacket(p, msg)
	p.Attributes.Add(80, make(radius.Attribute, 16))
	raw, err := p.Encode()
	if err != nil {
		t.Fatal(err)
	}
	back, err := radius.Parse(raw, []byte(secret))
	if err != nil {
		t.Fatal(err)
	}
	got, ok, err := eap.FromPacket(back)
	if err != nil || !ok || !bytes.Equal(got, msg) {
		t.Fatalf("from packet: ok=%v %v", ok, err)
	}
	if got, ok, err := eap.ExtractEAPMessage(raw[20:]); err != nil || !ok || !bytes.Equal(got, msg) {
		t.Fatalf("extract from wire: ok=%v %v", ok, err)
	}
	back.Attributes = append(back.Attributes[:2], append(radius.Attributes{{Type: 1, Attribute: radius.Attribute("x")}}, back.Attributes[2:]...)...)
	if _, _, err := eap.FromPacket(back); !errors.Is(err, eap.ErrEAPMessage) {
		t.Fatalf("split attributes: %v", err)
	}
}

func TestMPPEKeyMatchesRFC2868Decoder(t *testing.T) {
	// RFC 2548 keys use the salt-encryption of RFC 2868's Tunnel-Password;
	// layeh's independent decoder must read ours.
	key := bytes.Repeat([]byte{0xab}, 32)
	auth := [16]byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}
	v, err := eap.EncryptMPPEKey(key, []byte(secret), auth, [2]byte{0x12, 0x34})
	if err != nil {
		t.Fatal(err)
	}
	if len(v) != 2+48 || v[0] != 0x92 || v[1] != 0x34 {
		t.Fatalf("value of %d octets, salt % x", len(v), v[:2])
	}
	plain, salt, err := radius.TunnelPassword(radius.Attribute(v), []byte(secret), auth[:])
	if err != nil || !bytes.Equal(plain, key) || !bytes.Equal(salt, []byte{0x92, 0x34}) {
		t.Fatalf("layeh decode: %x %x %v", plain, salt, err)
	}
	ours, err := eap.DecryptMPPEKey(v, []byte(secret), auth)
	if err != nil || !bytes.Equal(ours, key) {
		t.Fatalf("decode: %x %v", ours, err)
	}
	if got, err := eap.DecryptMPPEKey(v, []byte("other secret"), auth); err == nil && bytes.Equal(got, key) {
		t.Fatal("decoded with the wrong secret")
	}
	for name, bad := range map[string][]byte{
		"short":         v[:17],
		"not 16-padded": v[:20],
		"salt high bit": append([]byte{0x12}, v[1:]...),
	} {
		if _, err := eap.DecryptMPPEKey(bad, []byte(secret), auth); !errors.Is(err, eap.ErrKey) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := eap.EncryptMPPEKey(key, nil, auth, [2]byte{}); !errors.Is(err, eap.ErrKey) {
		t.Fatalf("empty secret: %v", err)
	}
}

func TestTTLSAVPs(t *testing.T) {
	b := eap.AppendAVP(nil, eap.AVPUserName, eap.AVPFlagMandatory, []byte("alice"))
	b = eap.AppendAVP(b, eap.AVPUserPassword, eap.AVPFlagMandatory, []byte("pw\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"))
	b = eap.AppendAVP(b, 4000, 0, []byte("ignored, not mandatory"))
	in, err := eap.ParseTTLSInner(b)
	if err != nil || in.UserName != "alice" || !in.HasPassword || in.Password != "pw" {
		t.Fatalf("%+v %v", in, err)
	}
	if len(b)%4 != 0 {
		t.Fatalf("avps not padded: %d", len(b))
	}
	vendorM := []byte{0, 0, 0, 1, 0xc0, 0, 0, 13, 0, 0, 0, 9, 'x'}
	for name, bad := range map[string][]byte{
		"short header":      {0, 0, 0, 1, 0x40, 0, 0},
		"length below 8":    {0, 0, 0, 1, 0x40, 0, 0, 7},
		"length beyond":     {0, 0, 0, 1, 0x40, 0, 0, 20, 'a'},
		"unknown mandatory": eap.AppendAVP(nil, 4000, eap.AVPFlagMandatory, nil),
		"vendor mandatory":  vendorM,
		"vendor short":      {0, 0, 0, 1, 0x80, 0, 0, 10, 0, 0},
	} {
		if _, err := eap.ParseTTLSInner(bad); !errors.Is(err, eap.ErrAVP) {
			t.Errorf("%s: %v", name, err)
		}
	}
	inner, _ := eap.Packet{Code: eap.CodeResponse, ID: 3, Type: eap.TypeGTC, Data: []byte("123456")}.Marshal()
	in, err = eap.ParseTTLSInner(eap.TTLSEAP(inner))
	if err != nil || !bytes.Equal(in.EAP, inner) || in.HasPassword {
		t.Fatalf("inner eap: %+v %v", in, err)
	}
}

func TestPEAPInnerEncoding(t *testing.T) {
	b, err := eap.PEAPInner(eap.Packet{Code: eap.CodeRequest, ID: 4, Type: eap.TypeGTC, Data: []byte("Password: ")})
	if err != nil || !bytes.Equal(b, append([]byte{6}, "Password: "...)) {
		t.Fatalf("header-less gtc: % x %v", b, err)
	}
	p, err := eap.ParsePEAPInner([]byte{1, 'b', 'o', 'b'}, eap.CodeResponse, 7)
	if err != nil || p.Code != eap.CodeResponse || p.ID != 7 || p.Type != eap.TypeIdentity || string(p.Data) != "bob" {
		t.Fatalf("header-less identity: %+v %v", p, err)
	}
	// A header-less Notification response (type 2) starts like a full
	// Response header; only a full TLV packet keeps its header.
	p, err = eap.ParsePEAPInner([]byte{2, 1, 0, 5, 1}, eap.CodeResponse, 7)
	if err != nil || p.Type != eap.TypeNotification || p.ID != 7 {
		t.Fatalf("notification: %+v %v", p, err)
	}
	tlv := eap.ResultTLV(eap.CodeResponse, 9, eap.ResultSuccess)
	if !bytes.Equal(tlv, []byte{2, 9, 0, 11, 33, 0x80, 0x03, 0, 2, 0, 1}) {
		t.Fatalf("result tlv % x", tlv)
	}
	p, err = eap.ParsePEAPInner(tlv, eap.CodeResponse, 1)
	if err != nil || p.ID != 9 || p.Type != eap.TypeTLV {
		t.Fatalf("full tlv: %+v %v", p, err)
	}
	if st, err := eap.ParseResultTLV(p.Data); err != nil || st != eap.ResultSuccess {
		t.Fatalf("result %d %v", st, err)
	}
	for name, bad := range map[string][]byte{
		"no tlv":            nil,
		"short":             {0x80, 3, 0},
		"length beyond":     {0x80, 3, 0, 4, 0, 1},
		"result of 1 octet": {0x80, 3, 0, 1, 1},
		"status 7":          {0x80, 3, 0, 2, 0, 7},
		"unknown mandatory": {0x80, 9, 0, 0, 0x80, 3, 0, 2, 0, 1},
	} {
		if _, err := eap.ParseResultTLV(bad); !errors.Is(err, eap.ErrMalformed) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := eap.ParsePEAPInner(nil, eap.CodeResponse, 1); err == nil {
		t.Fatal("empty inner accepted")
	}
}
