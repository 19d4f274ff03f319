package auth

import "github.com/pushauth/pushauth/internal/username"

// UserNameError says why NormalizeUserName refused a name (username.Error:
// its reason is one of the username.Err… values, for errors.Is). Its
// message quotes the name with every non-ASCII character escaped, so a
// spoofing name cannot hide in a log line or an API answer.
type UserNameError = username.Error

// NormalizeUserName returns the canonical form of a user name, under which
// it is stored, looked up, keyed (push slots, joins, lockout) and audited,
// or a *UserNameError saying why it is refused. The canonical form is
// case-insensitive: "Alice", "ALICE" and fullwidth "ａｌｉｃｅ" are all
// "alice" (RFC 8265 UsernameCaseMapped, per space-separated part). Every
// name that comes from outside (RADIUS User-Name, the EAP identity, the
// admin API, pushctl, pushweb) goes through it; see username.Normalize for
// the rules. It is a pure function, safe for concurrent use.
func NormalizeUserName(name string) (string, error) {
	return username.Normalize(name)
}
