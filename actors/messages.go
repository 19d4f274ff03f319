package actors

import (
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/pushauth/pushauth/auth"
	"github.com/pushauth/pushauth/providers"
	"github.com/pushauth/pushauth/store"
)

// Messages that may come from another node are protobuf (messages.proto);
// this file holds short names for their enums and the messages that never
// leave the node: results of a login's own goroutines and timers, and the
// node-local traffic between the owner, its logins and the provider actors.

// Reply codes (short names for the generated enum).
const (
	Accept    = ReplyCode_REPLY_CODE_ACCEPT
	Reject    = ReplyCode_REPLY_CODE_REJECT
	Challenge = ReplyCode_REPLY_CODE_CHALLENGE
	Drop      = ReplyCode_REPLY_CODE_DROP
)

// Answer outcomes (short names for the generated enum), mapped to HTTP
// statuses by the device API (SPEC S5.2, docs/device-api.md §7).
const (
	AnswerAccepted       = AnswerStatus_ANSWER_STATUS_ACCEPTED
	AnswerUnknownLogin   = AnswerStatus_ANSWER_STATUS_UNKNOWN_LOGIN
	AnswerWrongDevice    = AnswerStatus_ANSWER_STATUS_WRONG_DEVICE
	AnswerAlreadyAnswer  = AnswerStatus_ANSWER_STATUS_ALREADY_ANSWERED
	AnswerStale          = AnswerStatus_ANSWER_STATUS_STALE
	AnswerUnknownPush    = AnswerStatus_ANSWER_STATUS_UNKNOWN_PUSH
	AnswerUnavailableNow = AnswerStatus_ANSWER_STATUS_UNAVAILABLE
	AnswerNumberRequired = AnswerStatus_ANSWER_STATUS_NUMBER_REQUIRED
)

// outcomeName is the audit and metrics name of a final reply code.
func outcomeName(c ReplyCode) string {
	switch c {
	case Accept:
		return "accept"
	case Reject:
		return "reject"
	case Challenge:
		return "challenge"
	case Drop:
		return "abandoned"
	}
	return "unknown"
}

// LoginInfo describes a login in flight for operators.
type LoginInfo struct {
	ID      string    `json:"id"`
	User    string    `json:"user"`
	Client  string    `json:"client"`
	State   string    `json:"state"`
	Started time.Time `json:"started"`
}

// begin is the owner's first message to a login it spawned: the login's
// id, its first request and the keyed digest that recognises a join.
type begin struct {
	id       string
	first    *Attempt
	joinKey  []byte
	holdSlot bool // the login starts with its user's push slot
}

// listLogins asks the owner for every login in flight (request future);
// the owner responds with []LoginInfo.
type listLogins struct{}

// stateChanged tells the owner a login's new state (for operators).
type stateChanged struct {
	id, state string
}

// shutdown asks the owner to end every login (request future); it responds
// with shutdownDone once no login is left.
type shutdown struct{}

// shutdownDone answers shutdown.
type shutdownDone struct{}

// sendPush asks a provider actor to deliver a notification; the provider
// sends pushResult to replyTo.
type sendPush struct {
	n       *providers.Notification
	replyTo *actor.PID
}

// withdrawPush asks a provider actor to drop a login's pending push.
type withdrawPush struct {
	deviceID, loginID string
}

// pushResult reports a delivery attempt to the login.
type pushResult struct {
	nonce string
	err   error
}

// verified is the result of the login's first checks, run off the mailbox.
type verified struct {
	user     *store.User
	policy   store.Policy
	tokens   []store.Token
	pushTok  *store.Token // the push-capable token of tokens (SPEC S2.4), nil if none
	ok       bool
	reason   auth.Reason // audit reason when !ok
	passcode bool        // policy "token" with a non-empty password: check it as a passcode
	// attributes are the policy's reply attributes, encoded for the
	// accept (Deps.ReplyAttributes).
	attributes []byte
	appended   string // append mode: what followed the password's last comma
	message    string // the Reject's Reply-Message when !ok, if not "Authentication failed."
	enrollID   string // new_user enroll: the enrolment link's id, for the audit
	// Pushes to the user in the last minute and the end of a suspension,
	// from the store (they survive restarts, SPEC S5.4).
	recentPushes   int
	suspendedUntil time.Time
}

// passcodeChecked is a typed passcode's check, run off the mailbox in the
// user's turn (SPEC S2.9): the GridSure token or the OATH token and step it
// matched, or why it was refused unchecked, or a wrong one (counted).
type passcodeChecked struct {
	attempt  *Attempt
	grid     *store.Token
	otp      *store.Token
	step     int64
	bypass   int64       // the id of the bypass code the answer is (SPEC S3.2)
	failures int         // the user's counter, as read in the turn
	reason   auth.Reason // refused unchecked: locked-out, too-many-attempts, store-error
	counted  bool        // a wrong answer, counted in the store
}

// passcodeCommitted is the store's answer to a passcode accept
// (store.AcceptWithOTP), run off the mailbox.
type passcodeCommitted struct {
	err error
}

// pushRecorded is the store's answer to a push recorded for the per-user
// cap (store.RecordPush), run off the mailbox: the login sends n only
// after it (SPEC S6.6).
type pushRecorded struct {
	n   *providers.Notification
	err error
}

// timerFired is the login's own timer (push wait or challenge expiry).
type timerFired struct {
	gen int32
}
