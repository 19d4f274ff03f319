package auth

// Reason is a login's audit reason: why it ended as it did (README "Audit
// reasons", docs/behaviour.md). Every reason is a constant of this file,
// and no reason is spelled anywhere else (TestReasonsSpelledOnlyHere);
// the store keeps it as a string (store.AuditRecord.Reason), where a
// passcode login that could have had a push appends why it had none
// ("passcode;push-off"). The constants are untyped so that they compare
// with that string too; whatever holds or returns a reason is a Reason.
type Reason string

// Accepted logins.
const (
	ReasonApproved            = "approved"              // the phone approved the push
	ReasonPasscode            = "passcode"              // a right OATH passcode
	ReasonGridSure            = "gridsure"              // a right GridSure answer
	ReasonTimeoutThenPasscode = "timeout-then-passcode" // a passcode after the push timed out
)

// The password step (SPEC S2.2, S2.10, S9.1).
const (
	ReasonBadPassword          = "bad-password"
	ReasonUnknownUser          = "unknown-user"
	ReasonInvalidUserName      = "invalid-user-name" // a name refused by precis rules
	ReasonNoToken              = "no-token"          // no push token, passcode or grid at all
	ReasonPasswordBusy         = "password-busy"     // the client's share of password checks was full
	ReasonPasswordError        = "password-error"    // the check could not run (time ran out, shutdown)
	ReasonDirectoryUnavailable = "directory-unavailable"
)

// A directory's refusals of an account whatever its password
// (docs/directory.md).
const (
	ReasonAccountDisabled       = "account-disabled"
	ReasonAccountLocked         = "account-locked"
	ReasonAccountExpired        = "account-expired"
	ReasonPasswordExpired       = "password-expired"
	ReasonPasswordMustChange    = "password-must-change"
	ReasonLogonHours            = "logon-hours"
	ReasonLogonWorkstation      = "logon-workstation"
	ReasonDirectoryLinkConflict = "directory-link-conflict" // the entry is linked to another local user
)

// The lockout (SPEC S2.9) and the passcode's challenge (S3.2).
const (
	ReasonLockedOut       = "locked-out"        // the user is locked: nothing was checked
	ReasonSourceLimited   = "source-limited"    // the source spent its failures: nothing was checked
	ReasonTooManyAttempts = "too-many-attempts" // too many attempts of the user wait at once
	ReasonBadPasscode     = "bad-passcode"      // the login ended after wrong passcodes
	ReasonAttemptLimit    = "attempt-limit"     // wrong passcodes up to the policy's limit
)

// The push and the phone's answer (SPEC S3.5, S5.4, S6.6, S10.3).
const (
	ReasonDenied             = "denied"              // the phone denied the push
	ReasonWrongNumber        = "wrong-number"        // the phone picked a number not shown
	ReasonPushFailed         = "push-failed"         // the provider could not deliver it
	ReasonDeviceUnregistered = "device-unregistered" // the device's push registration is gone
	ReasonPushUnrecorded     = "push-unrecorded"     // the store could not count the push
	ReasonSignFailed         = "sign-failed"         // the push payload could not be signed
)

// Why no push was sent (WhyNoPush), in the order they are checked.
const (
	ReasonNoPushToken         = "no-push-token"        // S2.4: no push-capable token
	ReasonPolicyPushDisabled  = "policy-push-disabled" // S2.5: the policy turns push off
	ReasonPushOff             = "push-off"             // S1.2: PushOff = 1
	ReasonOffline             = "offline"              // S1.4
	ReasonProviderUnavailable = "provider-unavailable" // the token's provider is not configured or its circuit is open
	ReasonSuspended           = "suspended"            // S5.4: "this wasn't me"
	ReasonRateLimited         = "rate-limited"         // the policy's pushes per minute are used
)

// How a login that reached no decision of its own ended.
const (
	ReasonSuperseded       = "superseded"        // a newer login of the user claimed the push slot
	ReasonChallengeExpired = "challenge-expired" // nobody answered the challenge in time
	ReasonStoreError       = "store-error"       // the store failed (SPEC S6.6)
	ReasonShutdown         = "shutdown"          // the server stopped (outcome abandoned)
	ReasonCrashed          = "crashed"           // the login's actor crashed
	// The policy's reply attributes cannot be encoded with this node's
	// dictionaries: an accept without them could give the wrong access.
	ReasonReplyAttributes = "reply-attributes"
)

// The helpdesk (docs/operations.md).
const (
	ReasonBypass      = "bypass"       // a right bypass code an operator issued (S3.2)
	ReasonAdminAction = "admin-action" // not a login: an operator's change through the admin API (outcome admin)
)

// Rolling out (issue 21): a user whose password verified but who has no
// token (policy new_user), and self-service enrolment at /enroll. The
// enrolment reasons are the records of the enrolment page, not of logins.
const (
	ReasonNoTokenPass   = "no-token-pass"   // new_user pass: accepted on the password alone
	ReasonNoTokenEnroll = "no-token-enroll" // new_user enroll: rejected with an enrolment link
	ReasonEnrollStarted = "enroll-started"  // a user signed in to /enroll and asked for a device
	// ReasonEnrollApproved: the user's existing device approved adding another.
	ReasonEnrollApproved = "enroll-approved"
	// ReasonEnrollDenied: the existing device denied it, or did not answer.
	ReasonEnrollDenied   = "enroll-denied"
	ReasonEnrollDevice   = "enroll-device"         // a soft token was issued to enrol a device
	ReasonEnrollRemoved  = "enroll-device-removed" // the user removed one of their devices
	ReasonEnrollRefused  = "enroll-refused"        // the policy or the window does not allow it
	ReasonEnrollSignedIn = "enroll-signed-in"      // a password or an enrolment link signed the user in
)

// Reasons lists every audit reason.
func Reasons() []Reason {
	return []Reason{
		ReasonApproved, ReasonPasscode, ReasonGridSure, ReasonTimeoutThenPasscode,
		ReasonBadPassword, ReasonUnknownUser, ReasonInvalidUserName, ReasonNoToken, ReasonPasswordBusy,
		ReasonPasswordError, ReasonDirectoryUnavailable,
		ReasonAccountDisabled, ReasonAccountLocked, ReasonAccountExpired, ReasonPasswordExpired,
		ReasonPasswordMustChange, ReasonLogonHours, ReasonLogonWorkstation, ReasonDirectoryLinkConflict,
		ReasonLockedOut, ReasonSourceLimited, ReasonTooManyAttempts, ReasonBadPasscode, ReasonAttemptLimit,
		ReasonDenied, ReasonWrongNumber, ReasonPushFailed, ReasonDeviceUnregistered, ReasonPushUnrecorded,
		ReasonSignFailed,
		ReasonNoPushToken, ReasonPolicyPushDisabled, ReasonPushOff, ReasonOffline, ReasonProviderUnavailable,
		ReasonSuspended, ReasonRateLimited,
		ReasonSuperseded, ReasonChallengeExpired, ReasonStoreError, ReasonShutdown, ReasonCrashed,
		ReasonReplyAttributes, ReasonBypass, ReasonAdminAction,
		ReasonNoTokenPass, ReasonNoTokenEnroll, ReasonEnrollStarted, ReasonEnrollApproved, ReasonEnrollDenied,
		ReasonEnrollDevice, ReasonEnrollRemoved, ReasonEnrollRefused, ReasonEnrollSignedIn,
	}
}

// CountsTowardLockout tells whether a login rejected for r counts one more
// failure toward its user's lockout (SPEC S2.9): a wrong secret (password,
// passcode, GridSure answer), an account the directory refuses, or a push
// refused on the phone (a deny, a wrong number picked: S5.4, S10.3, so
// push bombing is not free). A check that could not run (a directory that
// did not answer, a full admission queue, a store error), a check refused
// unchecked by the lockout itself, and every other end do not count.
func (r Reason) CountsTowardLockout() bool {
	switch r {
	case ReasonDirectoryUnavailable, ReasonPasswordError, ReasonStoreError, ReasonPasswordBusy,
		ReasonLockedOut, ReasonSourceLimited, ReasonTooManyAttempts,
		ReasonApproved, ReasonPasscode, ReasonGridSure, ReasonTimeoutThenPasscode,
		ReasonPushFailed, ReasonDeviceUnregistered, ReasonPushUnrecorded, ReasonSignFailed,
		ReasonNoPushToken, ReasonPolicyPushDisabled, ReasonPushOff, ReasonOffline, ReasonProviderUnavailable,
		ReasonSuspended, ReasonRateLimited,
		ReasonSuperseded, ReasonChallengeExpired, ReasonShutdown, ReasonCrashed, ReasonReplyAttributes,
		ReasonBypass, ReasonAdminAction,
		ReasonNoTokenPass, ReasonNoTokenEnroll, ReasonEnrollStarted, ReasonEnrollApproved,
		ReasonEnrollDevice, ReasonEnrollRemoved, ReasonEnrollRefused, ReasonEnrollSignedIn:
		return false
	}
	return true
}

// DecidedOnPhone tells whether a login that ended with r was decided by
// the phone's answer to a push: approved, denied (also "this wasn't me")
// or a wrong number picked. Its audit record keeps the phone's answer time
// (store.AuditRecord.PhoneMS).
func (r Reason) DecidedOnPhone() bool {
	return r == ReasonApproved || r == ReasonDenied || r == ReasonWrongNumber
}

// PhoneDecidedReasons are the reasons whose logins the phone's answer
// decided (DecidedOnPhone), as the audit spells them.
func PhoneDecidedReasons() []string {
	var out []string
	for _, r := range Reasons() {
		if r.DecidedOnPhone() {
			out = append(out, string(r))
		}
	}
	return out
}

// CountsAtEnd tells whether r's failure is counted when the login ends:
// a refusal on the phone. The other failures that count toward the
// lockout are counted as their secret is checked, in the user's turn.
func (r Reason) CountsAtEnd() bool {
	return r.CountsTowardLockout() && (r == ReasonDenied || r == ReasonWrongNumber)
}
