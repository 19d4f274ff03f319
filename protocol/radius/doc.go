// Package radius is pushauth's RADIUS front end: it reads UDP datagrams,
// finds the sending client by source address, verifies the
// Message-Authenticator, suppresses duplicates with an RFC 5080 reply cache
// and hands each new request to a Handler. A retransmission is
// authenticated like a new request before the cache is consulted, so one
// with a wrong Message-Authenticator is dropped, never answered with the
// cached reply. Replies are written whenever the
// handler decides (possibly seconds later, from another goroutine) through
// Request.Reply, which puts a Message-Authenticator first in every response
// (SPEC S2.1) and caches the bytes for retransmissions (SPEC S2.8).
//
// A reply echoes every Proxy-State of its request (RFC 2865 §5.33). A
// request carrying so many that the reply could not fit in 4096 octets,
// with room kept for the handler's own attributes (replyReserve), is
// dropped before the handler sees it, with reason "oversized-reply" in
// the metrics and logs: answering Access-Reject instead would look like a
// wrong password to the user behind the proxies, while a drop lets the
// proxy chain report the failure. Should a reply still be too large to
// encode, Request.Reply sends an Access-Reject carrying only the
// Message-Authenticator and the Proxy-States, so the NAS always gets an
// answer.
//
// Every dropped packet is counted by reason in the metrics and logged at
// debug level; at info level, at most one line per client (or source
// address, for senders that are no client) and reason is written per
// Options.DropLogInterval, with the number of drops since the previous
// line, so operators can see why a NAS gets no answer. These lines carry
// no packet contents.
//
// StreamServer serves the same Handler over TLS (RadSec, RFC 6614):
// packets framed by their Length field on mutually authenticated
// connections, clients identified by certificate (TLSClientSet), many
// requests in flight per connection keyed by Identifier and answered in
// any order. It has no reply cache (TLS clients do not retransmit); a
// packet reusing the Identifier of a request in processing is discarded.
// A connection holding a request is never idle; handshake, packet and
// write deadlines and per-address and total connection caps bound what a
// slow client can hold.
//
// The package holds no policy: it knows nothing of users, tokens or pushes.
//
// It uses layeh.com/radius for the packet codec but not its PacketServer,
// because PacketServer forgets a request once its handler returns: a server
// that answers after the phone decides would have to park a goroutine per
// waiting login, and retransmissions after the reply would be processed again.
package radius
