package radius

import (
	"net/netip"
	"sort"
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
