package directory

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/go-ldap/ldap/v3"
)

// InGroups tells which of groupDNs the user name is a member of, in the
// order given (the same membership test as the configured groups: nested
// on Active Directory, direct elsewhere). An unknown name is ErrNotFound
// after the same searches as a known one; a directory that cannot answer
// is ErrUnavailable. The console asks it which operators' groups a user
// is in.
func (d *Directory) InGroups(ctx context.Context, name string, groupDNs []string) ([]string, error) {
	list := make([]Group, 0, len(groupDNs))
	for _, dn := range groupDNs {
		list = append(list, Group{DN: dn})
	}
	var in []string
	start := time.Now()
	err := d.search.do(ctx, func(c *ldap.Conn) error {
		e, err := d.findUser(c, name)
		if err != nil && !errors.Is(err, ErrNotFound) {
			return err
		}
		dn := d.dummyDN()
		if e != nil {
			dn = e.DN
		}
		groups, gerr := d.memberships(c, dn, list)
		if gerr != nil {
			return gerr
		}
		if err != nil {
			return err
		}
		for _, g := range groups {
			in = append(in, g.DN)
		}
		return nil
	})
	d.metrics.search.Observe(since(start))
	if err != nil && !errors.Is(err, ErrNotFound) && !errors.Is(err, ErrUnavailable) {
		err = fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	return in, err
}
