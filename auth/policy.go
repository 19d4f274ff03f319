package auth

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/pushauth/pushauth/store"
)

// Policy methods (store.Policy.Method, SPEC S2.2, S2.3).
const (
	MethodPasswordToken = "password+token" // directory password, then a second factor
	MethodToken         = "token"          // second factor only (isapi agents)
)

// Policy setting keys accepted by ParsePolicySetting.
const (
	KeyPush            = "push"
	KeyMethod          = "method"
	KeyAttemptLimit    = "attempt_limit"
	KeyLockoutFailures = "lockout_failures"
	KeyLockoutSeconds  = "lockout_seconds"
	KeyPushesPerMinute = "pushes_per_minute"
	KeyNumberMatching  = "number_matching"
	// KeyReplyAttributes is a list, set with SetReplyAttributes.
	KeyReplyAttributes = "reply_attributes"
	// Rolling out (issue 21): what a user with no token gets, and what a
	// user may enrol at /enroll.
	KeyNewUser           = "new_user"
	KeySelfEnrollment    = "self_enrollment"
	KeySelfEnrollmentOTP = "self_enrollment_otp"
	// KeySelfEnrollmentWindow: a first device only while an operator's
	// enrolment window is open (pushctl enrollment open).
	KeySelfEnrollmentWindow = "self_enrollment_window"
)

// PolicyKeys returns the setting keys ParsePolicySetting accepts, in the
// order an operator would read them.
func PolicyKeys() []string {
	return []string{KeyPush, KeyMethod, KeyAttemptLimit, KeyLockoutFailures, KeyLockoutSeconds, KeyPushesPerMinute, KeyNumberMatching,
		KeyReplyAttributes, KeyNewUser, KeySelfEnrollment, KeySelfEnrollmentOTP, KeySelfEnrollmentWindow}
}

// LookupPolicy returns the policy that governs a login: the user's named
// policy if set, else the client's, else the stored policy "default" if an
// operator set one, else store.DefaultPolicy(). A named
// policy that lookup cannot return (missing, or any lookup error) also
// yields the default policy. missing is the name of a named policy that
// does not exist (lookup answered store.ErrNotFound, or no policy and no
// error), so the caller can warn that its logins fall back to the default
// policy; a lookup that fails otherwise (the store did not answer) says
// nothing about the name: missing is "".
func LookupPolicy(userPolicy, clientPolicy string, lookup func(name string) (*store.Policy, error)) (p store.Policy, missing string) {
	name := userPolicy
	if name == "" {
		name = clientPolicy
	}
	if name == "" { // the stored "default", when an operator changed it (SPEC S4.4)
		name = store.DefaultPolicy().Name
	}
	if lookup == nil {
		return store.DefaultPolicy(), ""
	}
	found, err := lookup(name)
	notFound := errors.Is(err, store.ErrNotFound) || (err == nil && found == nil)
	switch {
	case notFound && name != store.DefaultPolicy().Name:
		return store.DefaultPolicy(), name
	case err != nil || found == nil: // the store did not answer, or "default", which needs no row
		return store.DefaultPolicy(), ""
	}
	return *found, ""
}

// ParsePolicySetting applies one operator setting (`policy set NAME key=value`)
// to p. Keys and on/off words are case-insensitive. On error p is unchanged
// and the error names the key and its allowed values.
func ParsePolicySetting(p *store.Policy, key, value string) error {
	key = strings.ToLower(strings.TrimSpace(key))
	value = strings.TrimSpace(value)
	switch key {
	case KeyPush:
		return setBool(&p.PushEnabled, key, value)
	case KeyMethod:
		return setMethod(&p.Method, value)
	case KeyAttemptLimit:
		return setIntRange(&p.AttemptLimit, key, value, 1, 100, "")
	case KeyLockoutFailures:
		return setIntRange(&p.LockoutFailures, key, value, 0, 1000, " (0 = never lock)")
	case KeyLockoutSeconds:
		return setIntRange(&p.LockoutSeconds, key, value, 0, 86400, "")
	case KeyPushesPerMinute:
		return setIntRange(&p.PushesPerMinute, key, value, 0, 600, " (0 = unlimited)")
	case KeyNumberMatching:
		return setBool(&p.NumberMatching, key, value)
	case KeyReplyAttributes:
		return fmt.Errorf("policy setting %s is a list checked against the RADIUS dictionaries (SetReplyAttributes)", key)
	case KeyNewUser:
		return setWord(&p.NewUser, key, value, store.NewUserReject, store.NewUserPass, store.NewUserEnroll)
	case KeySelfEnrollment:
		return setWord(&p.SelfEnrollment, key, value, store.SelfEnrollOff, store.SelfEnrollFirst, store.SelfEnrollAny)
	case KeySelfEnrollmentOTP:
		return setBool(&p.SelfEnrollmentOTP, key, value)
	case KeySelfEnrollmentWindow:
		return setBool(&p.SelfEnrollmentWindow, key, value)
	}
	return fmt.Errorf("unknown policy setting %q: allowed keys are %s", key, strings.Join(PolicyKeys(), ", "))
}

func setBool(dst *bool, key, value string) error {
	switch strings.ToLower(value) {
	case "on", "true", "1":
		*dst = true
	case "off", "false", "0":
		*dst = false
	default:
		return fmt.Errorf("policy setting %s: %q is not one of on, off, true, false, 1, 0", key, value)
	}
	return nil
}

func setMethod(dst *string, value string) error {
	switch m := strings.ToLower(value); m {
	case MethodPasswordToken, MethodToken:
		*dst = m
		return nil
	}
	return fmt.Errorf("policy setting %s: %q is not one of %s, %s", KeyMethod, value, MethodPasswordToken, MethodToken)
}

// setWord sets dst to value (case-insensitive) when it is one of words.
func setWord(dst *string, key, value string, words ...string) error {
	w := strings.ToLower(value)
	for _, ok := range words {
		if w == ok {
			*dst = w
			return nil
		}
	}
	return fmt.Errorf("policy setting %s: %q is not one of %s", key, value, strings.Join(words, ", "))
}

func setIntRange(dst *int, key, value string, lo, hi int, note string) error {
	n, err := strconv.Atoi(value)
	if err != nil || n < lo || n > hi {
		return fmt.Errorf("policy setting %s: %q is not a whole number in %d..%d%s", key, value, lo, hi, note)
	}
	*dst = n
	return nil
}

// SetReplyAttributes sets the attributes p's Access-Accepts carry: each
// entry "Name: value" (radattr), trimmed, empty ones left out; none clears
// them. encode is the dictionary's check (radattr.Dictionary.Encode), the
// same one every login and --check-config use; on its error p is
// unchanged.
func SetReplyAttributes(p *store.Policy, entries []string, encode func([]string) ([]byte, error)) error {
	var kept []string
	for _, e := range entries {
		if e = strings.TrimSpace(e); e != "" {
			kept = append(kept, e)
		}
	}
	if _, err := encode(kept); err != nil {
		return fmt.Errorf("policy setting %s: %w", KeyReplyAttributes, err)
	}
	p.ReplyAttributes = kept
	return nil
}
