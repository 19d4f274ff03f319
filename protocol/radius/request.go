package radius

import (
	"fmt"
	"net/netip"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"
	layeh "layeh.com/radius"

	"github.com/pushauth/pushauth/protocol/radius/msgauth"
)

// attrProxyState is RFC 2865 Proxy-State, echoed in every reply.
const attrProxyState = 33

// replyReserve is the room, in octets, that every reply keeps for what the
// handler adds besides the echoed Proxy-States: a Reply-Message of up to
// about 1 KiB (split into 253-octet attributes, 1,034 octets with their
// headers), a State of 32 hex characters (34) and a few more attributes.
const replyReserve = 1536

// maxProxyStateLen is how many octets of Proxy-State attributes (headers
// included) a request may carry so that its reply — header,
// Message-Authenticator first, every Proxy-State echoed and replyReserve —
// fits in a RADIUS packet. Requests with more are dropped before the
// handler sees them ("oversized-reply").
const maxProxyStateLen = layeh.MaxPacketLength - headerLen - msgauth.Len - replyReserve

// proxyStateLen is the encoded length of p's Proxy-State attributes.
func proxyStateLen(p *layeh.Packet) int {
	n := 0
	for _, a := range p.Attributes {
		if a.Type == attrProxyState {
			n += 2 + len(a.Attribute)
		}
	}
	return n
}

// proxyStates returns p's Proxy-State attributes, in order.
func proxyStates(p *layeh.Packet) layeh.Attributes {
	var out layeh.Attributes
	for _, a := range p.Attributes {
		if a.Type == attrProxyState {
			out = append(out, a)
		}
	}
	return out
}

// Request is one new RADIUS request in processing. Exactly one of Reply or
// Drop should be called, from any goroutine, at any later time.
type Request struct {
	Packet   *layeh.Packet
	Client   *Client
	Src      netip.AddrPort
	Received time.Time
	// Transport is how the request came: TransportUDP or TransportTLS.
	Transport string

	via   replier // where the answer goes: the UDP server or a TLS connection
	key   cacheKey
	state atomic.Int32 // a reqState
}

// Transports, as requests, logs and metrics name them.
const (
	TransportUDP = "udp"
	TransportTLS = "tls"
)

// replier is where a request's answer goes. Reply and Drop call it once,
// after claiming the request (finish); both release its in-flight slot.
type replier interface {
	// sendReply sends the encoded reply b (of code).
	sendReply(r *Request, b []byte, code layeh.Code)
	// forget drops the request without a reply (Drop, or a reply that
	// cannot be encoded).
	forget(r *Request)
	logger() *zerolog.Logger
}

// reqState is where a Request is in its life. Only the transition out of
// stateInFlight releases the request's MaxInFlight slot, and only one
// caller can make it: Reply, Drop or the sweep (abandon).
type reqState = int32

const (
	stateAdmitting reqState = iota // checked by the server; holds no slot yet
	stateInFlight                  // holds a slot; waits for Reply or Drop
	stateFinished                  // answered or dropped by the handler
	stateAbandoned                 // forgotten by the sweep after MaxProcessing
)

// finish claims the request for Reply or Drop; false if it was already
// answered, dropped or abandoned.
func (r *Request) finish() bool {
	if r.state.CompareAndSwap(stateInFlight, stateFinished) {
		return true
	}
	if r.state.Load() == stateAbandoned {
		r.via.logger().Debug().Str("client", r.Client.Name).Stringer("src", r.Src).Str("transport", r.Transport).
			Msg("late reply or drop of a request forgotten (max processing passed, or its connection closed); ignored")
	}
	return false
}

// abandon claims a request stuck in processing for the sweep; the caller
// releases its slot. Later Reply and Drop calls do nothing.
func (r *Request) abandon() bool {
	return r.state.CompareAndSwap(stateInFlight, stateAbandoned)
}

// Reply sends resp (built with r.Packet.Response); over UDP its bytes are
// remembered for retransmissions. Later calls do nothing, and so does a
// call after the server forgot the request (Options.MaxProcessing, or its
// TLS connection closed).
func (r *Request) Reply(resp *layeh.Packet) {
	if !r.finish() {
		return
	}
	b, code, err := r.encode(resp)
	if err != nil {
		r.via.logger().Error().Err(err).Str("client", r.Client.Name).Msg("encode reply")
		r.via.forget(r)
		return
	}
	r.via.sendReply(r, b, code)
}

// encode encodes resp with the request's Proxy-States echoed. A reply
// that cannot be encoded (too large) becomes an Access-Reject carrying only
// the Message-Authenticator and the Proxy-States, so that the NAS is never
// left without an answer; code is what was encoded.
func (r *Request) encode(resp *layeh.Packet) (b []byte, code layeh.Code, err error) {
	proxy := proxyStates(r.Packet)
	resp.Attributes = append(resp.Attributes, proxy...)
	b, err = msgauth.Encode(resp)
	if err == nil {
		return b, resp.Code, nil
	}
	r.via.logger().Warn().Err(err).Str("client", r.Client.Name).Stringer("code", resp.Code).
		Msg("cannot encode reply; sending Access-Reject with Proxy-State only")
	reject := r.Packet.Response(layeh.CodeAccessReject)
	reject.Attributes = proxy
	if b, err = msgauth.Encode(reject); err != nil {
		return nil, 0, fmt.Errorf("encode fallback Access-Reject: %w", err)
	}
	return b, layeh.CodeAccessReject, nil
}

// Compact drops the request's attributes that a reply does not need
// (everything but Proxy-State), once the handler has read them: a login
// can hold its request for NOTIFICATIONTIMEOUT, and there may be 100,000.
func (r *Request) Compact() {
	r.Packet.Attributes = proxyStates(r.Packet)
}

// Drop abandons the request without a reply; a UDP retransmission will be
// processed as a new request, and over TLS the Identifier is free again.
// Later calls do nothing.
func (r *Request) Drop() {
	if !r.finish() {
		return
	}
	r.via.forget(r)
}
