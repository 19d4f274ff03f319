// Package httpserve builds the HTTP servers pushauth exposes (device API,
// admin API, metrics) so that slow or stalled clients cannot tie them up
// (SPEC S6.4): every phase of a request has a time limit, headers have a
// size limit, each listener holds a bounded number of connections, and
// net/http's own error messages go to the zerolog log as JSON lines.
package httpserve

import (
	"net"
	"net/http"
	"time"

	"github.com/rs/zerolog"
)

// Defaults for zero Options fields.
const (
	DefaultReadHeaderTimeout = 10 * time.Second
	DefaultReadTimeout       = 20 * time.Second
	DefaultWriteTimeout      = 60 * time.Second
	DefaultIdleTimeout       = 10 * time.Second // a long poll is a request, not idle
	DefaultMaxHeaderBytes    = 32 << 10
	DefaultMaxConns          = 4096
)

// Options are the limits of one server; zero fields take the defaults.
type Options struct {
	// ReadHeaderTimeout bounds reading a request's headers.
	ReadHeaderTimeout time.Duration
	// ReadTimeout bounds reading a whole request, headers and body, so a
	// client that sends headers and then stalls the body is cut off. It
	// does not bound the handler: net/http clears the deadline once the
	// body is read, so a long poll outlives it.
	ReadTimeout time.Duration
	// WriteTimeout bounds the time from the end of the headers to the end
	// of the response, handler included: it must exceed the longest long
	// poll the handler serves.
	WriteTimeout time.Duration
	// IdleTimeout bounds how long a keep-alive connection waits for its
	// next request.
	IdleTimeout time.Duration
	// MaxHeaderBytes bounds the size of request headers.
	MaxHeaderBytes int
	// MaxConns caps the connections open at once on the listener; Accept
	// waits for a free slot beyond it.
	MaxConns int
}

func (o Options) withDefaults() Options {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&o.ReadHeaderTimeout, DefaultReadHeaderTimeout)
	def(&o.ReadTimeout, DefaultReadTimeout)
	def(&o.WriteTimeout, DefaultWriteTimeout)
	def(&o.IdleTimeout, DefaultIdleTimeout)
	if o.MaxHeaderBytes <= 0 {
		o.MaxHeaderBytes = DefaultMaxHeaderBytes
	}
	if o.MaxConns <= 0 {
		o.MaxConns = DefaultMaxConns
	}
	return o
}

// New returns a server for h with the limits of o, and ln wrapped so that
// it holds at most o.MaxConns connections. Serve the one on the other.
// log receives net/http's error messages and the connection-cap warnings.
func New(h http.Handler, ln net.Listener, o Options, log zerolog.Logger) (*http.Server, *Listener) {
	o = o.withDefaults()
	return NewServer(h, o, log), Limit(ln, o.MaxConns, log)
}

// NewServer returns a server for h with the time and size limits of o
// (o.MaxConns is the listener's business: see Limit).
func NewServer(h http.Handler, o Options, log zerolog.Logger) *http.Server {
	o = o.withDefaults()
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: o.ReadHeaderTimeout,
		ReadTimeout:       o.ReadTimeout,
		WriteTimeout:      o.WriteTimeout,
		IdleTimeout:       o.IdleTimeout,
		MaxHeaderBytes:    o.MaxHeaderBytes,
		ErrorLog:          ErrorLog(log),
	}
}
