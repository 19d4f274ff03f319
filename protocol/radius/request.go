package radius

import (
	"net/netip"
	"sync/atomic"
	"time"

	layeh "layeh.com/radius"
)

// attrProxyState is RFC 2865 Proxy-State, echoed in every reply.
const attrProxyState = 33

// Request is one new RADIUS request in processing. Exactly one of Reply or
// Drop should be called, from any goroutine, at any later time.
type Request struct {
	Packet   *layeh.Packet
	Client   *Client
	Src      netip.AddrPort
	Received time.Time

	srv  *Server
	key  cacheKey
	done atomic.Bool
}

// Reply sends resp (built with r.Packet.Response), remembering its bytes for
// retransmissions. Later calls do nothing.
func (r *Request) Reply(resp *layeh.Packet) {
	if !r.done.CompareAndSwap(false, true) {
		return
	}
	defer r.srv.inFlight.Add(-1)
	for _, a := range r.Packet.Attributes {
		if a.Type == attrProxyState {
			resp.Attributes = append(resp.Attributes, a)
		}
	}
	b, err := encodeResponse(resp)
	if err != nil {
		r.srv.log.Error().Err(err).Str("client", r.Client.Name).Msg("encode reply")
		r.srv.cache.forget(r.key)
		return
	}
	r.srv.cache.finish(r.key, b, time.Now())
	r.srv.metrics.reply(resp.Code)
	if _, err := r.srv.conn.WriteToUDPAddrPort(b, r.Src); err != nil {
		r.srv.log.Debug().Err(err).Stringer("src", r.Src).Msg("send reply")
	}
}

// Compact drops the request's attributes that a reply does not need
// (everything but Proxy-State), once the handler has read them: a login
// can hold its request for NOTIFICATIONTIMEOUT, and there may be 100,000.
func (r *Request) Compact() {
	kept := r.Packet.Attributes[:0:0]
	for _, a := range r.Packet.Attributes {
		if a.Type == attrProxyState {
			kept = append(kept, a)
		}
	}
	r.Packet.Attributes = kept
}

// Drop abandons the request without a reply; a retransmission will be
// processed as a new request.
func (r *Request) Drop() {
	if !r.done.CompareAndSwap(false, true) {
		return
	}
	r.srv.inFlight.Add(-1)
	r.srv.cache.forget(r.key)
}
