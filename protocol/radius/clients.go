package radius

import (
	"net/netip"
	"sort"
	"sync/atomic"
)

// Client is a RADIUS client (NAS or agent) allowed to send requests.
type Client struct {
	Name   string
	Prefix netip.Prefix
	Secret []byte
	Kind   string // ddl | eap | isapi | generic
	Policy string
	// RequireMessageAuthenticator drops requests without one (SPEC S2.1).
	RequireMessageAuthenticator bool
	// Settings are the handler's own settings for this client, passed
	// through untouched with each Request, so that they change with the
	// client table in one step (ClientSet.Replace).
	Settings any
}

// ClientSet is the table of clients a Server accepts. Replace swaps it
// atomically while the server runs: each packet is looked up in the table
// of the moment it arrives, and a request keeps the Client it was accepted
// with (its secret signs the reply) whatever replaces the table later.
type ClientSet struct {
	table atomic.Pointer[clientTable]
}

// NewClientSet makes a client set holding clients.
func NewClientSet(clients []Client) *ClientSet {
	s := &ClientSet{}
	s.Replace(clients)
	return s
}

// Replace makes clients the table for packets that arrive from now on.
func (s *ClientSet) Replace(clients []Client) {
	s.table.Store(newClientTable(clients))
}

// lookup finds the client of a source address in the current table.
func (s *ClientSet) lookup(a netip.Addr) *Client {
	return s.table.Load().lookup(a)
}

// clientTable finds the client of a source address by longest prefix.
type clientTable struct {
	byLength []*Client // sorted longest prefix first
}

func newClientTable(clients []Client) *clientTable {
	t := &clientTable{}
	for i := range clients {
		c := clients[i]
		c.Prefix = c.Prefix.Masked()
		c.Secret = append([]byte(nil), c.Secret...) // the caller may reuse its slice
		t.byLength = append(t.byLength, &c)
	}
	sort.SliceStable(t.byLength, func(i, j int) bool {
		return t.byLength[i].Prefix.Bits() > t.byLength[j].Prefix.Bits()
	})
	return t
}

func (t *clientTable) lookup(a netip.Addr) *Client {
	a = a.Unmap()
	for _, c := range t.byLength {
		if c.Prefix.Contains(a) {
			return c
		}
	}
	return nil
}
