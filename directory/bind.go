package directory

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/go-ldap/ldap/v3"

	"github.com/pushauth/pushauth/auth"
)

// Audit reasons for accounts the directory refuses (besides
// auth.ReasonBadPassword and auth.ReasonUnknownUser).
const (
	ReasonAccountDisabled    = auth.ReasonAccountDisabled
	ReasonAccountLocked      = auth.ReasonAccountLocked
	ReasonAccountExpired     = auth.ReasonAccountExpired
	ReasonPasswordExpired    = auth.ReasonPasswordExpired
	ReasonPasswordMustChange = auth.ReasonPasswordMustChange
	ReasonLogonHours         = auth.ReasonLogonHours
	ReasonLogonWorkstation   = auth.ReasonLogonWorkstation
)

// adSubCodes maps the "data XXX" of Active Directory's invalidCredentials
// (49) diagnostic message to an audit reason.
var adSubCodes = map[string]auth.Reason{
	"525": auth.ReasonUnknownUser,
	"52e": auth.ReasonBadPassword,
	"530": ReasonLogonHours,
	"531": ReasonLogonWorkstation,
	"532": ReasonPasswordExpired,
	"533": ReasonAccountDisabled,
	"701": ReasonAccountExpired,
	"773": ReasonPasswordMustChange,
	"775": ReasonAccountLocked,
}

// adData finds the sub-code in e.g. "80090308: LdapErr: DSID-0C09044E,
// comment: AcceptSecurityContext error, data 52e, v4563".
var adData = regexp.MustCompile(`\bdata ([0-9a-fA-F]{3,8})\b`)

// CheckPassword binds as dn with password on a pooled connection and
// returns "" when the directory accepts it, else the audit reason
// (bad-password, or an AD refusal such as account-disabled). An empty
// password never binds: LDAP treats it as an unauthenticated bind, which
// "succeeds" (RFC 4513 section 5.1.2). An empty dn (unknown user) binds as
// an entry that does not exist, so it costs what a wrong password costs
// (SPEC S2.2), and returns unknown-user. A directory that cannot answer is
// ErrUnavailable.
func (d *Directory) CheckPassword(ctx context.Context, dn, password string) (auth.Reason, error) {
	if password == "" {
		if dn == "" {
			return auth.ReasonUnknownUser, nil
		}
		return auth.ReasonBadPassword, nil
	}
	known := dn != ""
	if !known {
		dn = d.dummyDN()
	}
	start := time.Now()
	var bindErr error
	err := d.binds.do(ctx, func(c *ldap.Conn) error {
		bindErr = c.Bind(dn, password)
		if isNetworkError(bindErr) {
			return bindErr
		}
		return nil
	})
	if err != nil {
		d.metrics.bind.WithLabelValues("error").Observe(since(start))
		return "", err
	}
	reason, err := bindReason(bindErr)
	switch {
	case err != nil:
		d.metrics.bind.WithLabelValues("error").Observe(since(start))
		return "", err
	case reason != "":
		d.metrics.bind.WithLabelValues("rejected").Observe(since(start))
	default:
		d.metrics.bind.WithLabelValues("ok").Observe(since(start))
	}
	if !known {
		return auth.ReasonUnknownUser, nil
	}
	return reason, nil
}

// bindReason turns a bind's result into an audit reason: "" for success,
// invalidCredentials (49) by its AD sub-code (bad-password without one).
// Any other result is not an answer about the password: ErrUnavailable.
func bindReason(err error) (auth.Reason, error) {
	if err == nil {
		return "", nil
	}
	var le *ldap.Error
	if !errors.As(err, &le) || le.ResultCode != ldap.LDAPResultInvalidCredentials {
		return "", fmt.Errorf("%w: bind: %w", ErrUnavailable, err)
	}
	if le.Err != nil {
		if m := adData.FindStringSubmatch(le.Err.Error()); m != nil {
			if reason, ok := adSubCodes[strings.ToLower(m[1])]; ok {
				return reason, nil
			}
		}
	}
	return auth.ReasonBadPassword, nil
}
