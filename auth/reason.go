package auth

// Reason is a login's audit reason: why it ended as it did (README "Audit
// reasons", docs/behaviour.md). Every reason is a constant of this file,
// and no reason is spelled anywhere else (TestReasonsSpelledOnlyHere);
// the store keeps it as a string (store.AuditRecord.Reason), where a
// passcode login that could have had a push appends why it had none
// ("passcode;push-off").
type Reason string

// Accepted logins.
const (
	ReasonApproved            Reason = "approved"              // the phone approved the push
	ReasonPasscode            Reason = "passcode"              // a right OATH passcode
	ReasonGridSure            Reason = "gridsure"              // a right GridSure answer
	ReasonTimeoutThenPasscode Reason = "timeout-then-passcode" // a passcode after the push timed out
)

// The password step (SPEC S2.2, S2.10, S9.1).
const (
	ReasonBadPassword          Reason = "bad-password"
	ReasonUnknownUser          Reason = "unknown-user"
	ReasonInvalidUserName      Reason = "invalid-user-name" // a name refused by precis rules
	ReasonNoToken              Reason = "no-token"          // no push token, passcode or grid at all
	ReasonPasswordBusy         Reason = "password-busy"     // the client's share of password checks was full
	ReasonPasswordError        Reason = "password-error"    // the check could not run (time ran out, shutdown)
	ReasonDirectoryUnavailable Reason = "directory-unavailable"
)

// A directory's refusals of an account whatever its password
// (docs/directory.md).
const (
	ReasonAccountDisabled       Reason = "account-disabled"
	ReasonAccountLocked         Reason = "account-locked"
	ReasonAccountExpired        Reason = "account-expired"
	ReasonPasswordExpired       Reason = "password-expired"
	ReasonPasswordMustChange    Reason = "password-must-change"
	ReasonLogonHours            Reason = "logon-hours"
	ReasonLogonWorkstation      Reason = "logon-workstation"
	ReasonDirectoryLinkConflict Reason = "directory-link-conflict" // the entry is linked to another local user
)

// The lockout (SPEC S2.9) and the passcode's challenge (S3.2).
const (
	ReasonLockedOut       Reason = "locked-out"        // the user is locked: nothing was checked
	ReasonSourceLimited   Reason = "source-limited"    // the source spent its failures: nothing was checked
	ReasonTooManyAttempts Reason = "too-many-attempts" // too many attempts of the user wait at once
	ReasonBadPasscode     Reason = "bad-passcode"      // the login ended after wrong passcodes
	ReasonAttemptLimit    Reason = "attempt-limit"     // wrong passcodes up to the policy's limit
)

// The push and the phone's answer (SPEC S3.5, S5.4, S6.6, S10.3).
const (
	ReasonDenied             Reason = "denied"              // the phone denied the push
	ReasonWrongNumber        Reason = "wrong-number"        // the phone picked a number not shown
	ReasonPushFailed         Reason = "push-failed"         // the provider could not deliver it
	ReasonDeviceUnregistered Reason = "device-unregistered" // the device's push registration is gone
	ReasonPushUnrecorded     Reason = "push-unrecorded"     // the store could not count the push
	ReasonSignFailed         Reason = "sign-failed"         // the push payload could not be signed
)

// Why no push was sent (WhyNoPush), in the order they are checked.
const (
	ReasonNoPushToken         Reason = "no-push-token"        // S2.4: no push-capable token
	ReasonPolicyPushDisabled  Reason = "policy-push-disabled" // S2.5: the policy turns push off
	ReasonPushOff             Reason = "push-off"             // S1.2: PushOff = 1
	ReasonOffline             Reason = "offline"              // S1.4
	ReasonProviderUnavailable Reason = "provider-unavailable" // the token's provider is not configured or its circuit is open
	ReasonSuspended           Reason = "suspended"            // S5.4: "this wasn't me"
	ReasonRateLimited         Reason = "rate-limited"         // the policy's pushes per minute are used
)

// How a login that reached no decision of its own ended.
const (
	ReasonSuperseded       Reason = "superseded"        // a newer login of the user claimed the push slot
	ReasonChallengeExpired Reason = "challenge-expired" // nobody answered the challenge in time
	ReasonStoreError       Reason = "store-error"       // the store failed (SPEC S6.6)
	ReasonShutdown         Reason = "shutdown"          // the server stopped (outcome abandoned)
	ReasonCrashed          Reason = "crashed"           // the login's actor crashed
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
		ReasonSuperseded, ReasonChallengeExpired, ReasonShutdown, ReasonCrashed:
		return false
	}
	return true
}

// CountsAtEnd tells whether r's failure is counted when the login ends:
// a refusal on the phone. The other failures that count toward the
// lockout are counted as their secret is checked, in the user's turn.
func (r Reason) CountsAtEnd() bool {
	return r.CountsTowardLockout() && (r == ReasonDenied || r == ReasonWrongNumber)
}
