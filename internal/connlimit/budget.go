package connlimit

// The reserve: descriptors a server keeps back from its HTTP connections
// for everything else it opens (its UDP sockets, store files or database
// connections, directory and cluster connections, push providers'
// connections, log and key files): a fixed part and a share of the limit.
const (
	ReserveFixed    = 128
	ReserveFraction = 8 // an eighth of the limit
)

// maxNoFile bounds the limit Budget computes with, so that an unlimited
// RLIMIT_NOFILE (RLIM_INFINITY) does not overflow an int.
const maxNoFile = 1 << 24

// Budget is how many descriptors HTTP connections may hold under a limit
// of nofile open files: nofile less ReserveFixed and nofile/ReserveFraction;
// 0 when nothing is left (or nofile is unknown, 0).
func Budget(nofile uint64) int {
	n := int(min(nofile, maxNoFile))
	return max(0, n-ReserveFixed-n/ReserveFraction)
}

// A connection cap derived from Budget stays within [MinConns, MaxConns]:
// a server under a tiny limit still serves a few, and a huge limit does
// not make the cap unbounded.
const (
	MinConns = 32
	MaxConns = 16384
)

// Cap bounds share, a listener's part of Budget, to [MinConns, MaxConns].
func Cap(share int) int { return min(max(share, MinConns), MaxConns) }
