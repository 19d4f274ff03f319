package directory

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/go-ldap/ldap/v3"

	"github.com/pushauth/pushauth/auth"
)

// oidInChain is LDAP_MATCHING_RULE_IN_CHAIN: on Active Directory,
// (member:1.2.840.113556.1.4.1941:=DN) also matches nested membership.
const oidInChain = "1.2.840.113556.1.4.1941"

// userAttributes are read from a user's entry: the stable ids (AD, then
// OpenLDAP), AD's account flags and the groups the directory lists.
var userAttributes = []string{"objectGUID", "entryUUID", "userAccountControl", "memberOf"}

// Bits of Active Directory's userAccountControl.
const (
	uacAccountDisable  = 0x0002
	uacLockout         = 0x0010
	uacPasswordExpired = 0x0080_0000
)

// Entry is a user's directory entry as pushauth uses it.
type Entry struct {
	// DN is the entry's distinguished name, the one the password is bound as.
	DN string
	// ID is the directory's stable id: objectGUID (Active Directory, in
	// its usual string form), else entryUUID (OpenLDAP), else "dn:" and
	// the DN for a directory that has neither.
	ID string
	// Groups are the configured groups (Config.Groups) the user is a
	// member of, in configuration order.
	Groups []string
	// Policy is the policy of the first of Groups; empty when none.
	Policy string
	// MemberOf lists the entry's memberOf values, when the directory
	// keeps them (Active Directory, OpenLDAP with the memberof overlay).
	MemberOf []string
	// Refused is the audit reason when the entry's attributes refuse the
	// account (AD userAccountControl: disabled, locked, password expired).
	Refused auth.Reason
}

// Kind is what the directory server was found to be: "active-directory",
// "ldap", or "unknown" before the first connection.
func (d *Directory) Kind() string { return d.kindName() }

// Lookup finds the user's entry with the service account, and the
// configured groups the user is in. An unknown name (or one that several
// entries match) is ErrNotFound; it costs the same searches as a known one
// (SPEC S2.2). A directory that cannot answer is ErrUnavailable.
func (d *Directory) Lookup(ctx context.Context, name string) (*Entry, error) {
	var e *Entry
	start := time.Now()
	err := d.search.do(ctx, func(c *ldap.Conn) error {
		var err error
		e, err = d.lookup(c, name)
		return err
	})
	d.metrics.search.Observe(since(start))
	if err != nil && !errors.Is(err, ErrNotFound) && !errors.Is(err, ErrUnavailable) {
		err = fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	return e, err
}

// lookup runs the user search and the group searches on one connection.
func (d *Directory) lookup(c *ldap.Conn, name string) (*Entry, error) {
	e, err := d.findUser(c, name)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, err
	}
	dn := d.dummyDN()
	if e != nil {
		dn = e.DN
	}
	groups, gerr := d.memberships(c, dn, d.cfg.Groups)
	if gerr != nil {
		return nil, gerr
	}
	if err != nil {
		return nil, err
	}
	for _, g := range groups {
		e.Groups = append(e.Groups, g.DN)
	}
	if len(groups) > 0 {
		e.Policy = groups[0].Policy
	}
	return e, nil
}

// findUser searches BaseDN's subtree with UserFilter, the name escaped
// per RFC 4515 so that "*" or ")(uid=*" match only themselves.
func (d *Directory) findUser(c *ldap.Conn, name string) (*Entry, error) {
	req := ldap.NewSearchRequest(d.cfg.BaseDN, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases,
		2, 0, false, d.userFilter(name), userAttributes, nil)
	res, err := c.Search(req)
	switch {
	case ldap.IsErrorWithCode(err, ldap.LDAPResultSizeLimitExceeded):
		d.log.Warn().Str("user", name).Msg("several directory entries match the user; refusing them all (tighten user_filter)")
		return nil, fmt.Errorf("%w: several entries match", ErrNotFound)
	case err != nil:
		return nil, fmt.Errorf("search user: %w", err)
	case len(res.Entries) == 0:
		return nil, ErrNotFound
	case len(res.Entries) > 1:
		d.log.Warn().Str("user", name).Msg("several directory entries match the user; refusing them all (tighten user_filter)")
		return nil, fmt.Errorf("%w: several entries match", ErrNotFound)
	}
	le := res.Entries[0]
	return &Entry{
		DN:       le.DN,
		ID:       stableID(le),
		MemberOf: le.GetAttributeValues("memberOf"),
		Refused:  refusedByAttributes(le),
	}, nil
}

// userFilter is UserFilter with every {user} replaced by the escaped name.
func (d *Directory) userFilter(name string) string {
	return strings.ReplaceAll(d.cfg.UserFilter, "{user}", ldap.EscapeFilter(name))
}

// dummyDN is an entry that does not exist, used for unknown users so that
// they cost the same directory operations as known ones.
func (d *Directory) dummyDN() string {
	return "cn=pushauth-no-such-user," + d.cfg.BaseDN
}

// memberships returns the groups of list userDN is a member of, in
// order. Every group is checked, for known and unknown users alike. A
// group that does not exist matches nobody.
func (d *Directory) memberships(c *ldap.Conn, userDN string, list []Group) ([]Group, error) {
	var in []Group
	filter := d.memberFilter(userDN)
	for _, g := range list {
		req := ldap.NewSearchRequest(g.DN, ldap.ScopeBaseObject, ldap.NeverDerefAliases,
			1, 0, false, filter, []string{"1.1"}, nil)
		res, err := c.Search(req)
		switch {
		case ldap.IsErrorWithCode(err, ldap.LDAPResultNoSuchObject):
			d.log.Debug().Str("group", g.DN).Msg("configured directory group does not exist")
		case err != nil:
			return nil, fmt.Errorf("search group %s: %w", g.DN, err)
		case len(res.Entries) > 0:
			in = append(in, g)
		}
	}
	return in, nil
}

// memberFilter matches a group with userDN as a member: on Active
// Directory also through nested groups (matching rule in chain), elsewhere
// direct members of groupOfNames or groupOfUniqueNames.
func (d *Directory) memberFilter(userDN string) string {
	return memberFilter(userDN, d.isAD())
}

func memberFilter(userDN string, ad bool) string {
	v := ldap.EscapeFilter(userDN)
	if ad {
		return "(member:" + oidInChain + ":=" + v + ")"
	}
	return "(|(member=" + v + ")(uniqueMember=" + v + "))"
}

// stableID is objectGUID, else entryUUID, else the DN.
func stableID(e *ldap.Entry) string {
	if raw := e.GetRawAttributeValue("objectGUID"); len(raw) == 16 {
		return formatGUID(raw)
	}
	if id := e.GetAttributeValue("entryUUID"); id != "" {
		return strings.ToLower(id)
	}
	return "dn:" + strings.ToLower(e.DN)
}

// formatGUID writes AD's binary objectGUID as Windows shows it: the first
// three fields are little-endian.
func formatGUID(b []byte) string {
	return fmt.Sprintf("%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		b[3], b[2], b[1], b[0], b[5], b[4], b[7], b[6], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15])
}

// refusedByAttributes reads AD's userAccountControl flags.
func refusedByAttributes(e *ldap.Entry) auth.Reason {
	uac, err := strconv.ParseInt(e.GetAttributeValue("userAccountControl"), 10, 64)
	switch {
	case err != nil:
		return ""
	case uac&uacAccountDisable != 0:
		return ReasonAccountDisabled
	case uac&uacLockout != 0:
		return ReasonAccountLocked
	case uac&uacPasswordExpired != 0:
		return ReasonPasswordExpired
	}
	return ""
}
