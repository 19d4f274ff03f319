package actors

import (
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/pushauth/pushauth/providers"
	"github.com/pushauth/pushauth/store"
)

// ReplyCode is the RADIUS answer a login gives.
type ReplyCode int

// Reply codes.
const (
	Accept ReplyCode = iota + 1
	Reject
	Challenge
)

func (c ReplyCode) String() string {
	switch c {
	case Accept:
		return "accept"
	case Reject:
		return "reject"
	case Challenge:
		return "challenge"
	}
	return "unknown"
}

// Reply is a login's answer to one Access-Request.
type Reply struct {
	Code    ReplyCode
	Message string // Reply-Message shown to the user
	State   string // login id, set on Challenge
}

// Client describes the RADIUS client an attempt came from.
type Client struct {
	Name   string
	Kind   string // ddl | eap | isapi | generic
	Policy string
}

// Attempt is one Access-Request, sent by the RADIUS adapter to the System.
// New attempts (no State) go to the supervisor, challenge answers to the
// router; the login actor answers with Respond (exactly once) or Drop.
type Attempt struct {
	LoginID        string // the State of a challenge answer; "" for a new login
	User           string
	Password       string // User-Password: password, or the answer when challenged
	Client         Client
	CallingStation string
	Received       time.Time
	Respond        func(Reply)
	Drop           func() // no reply: the NAS retransmits and it is processed anew
}

// Answer is a device's signed decision for a push, already verified against
// the device's registered key by the device API. Sent to the router with
// RequestFuture; the login responds with an AnswerResult.
type Answer struct {
	LoginID  string
	DeviceID string
	Nonce    string
	Decision string // push.Approve | push.Deny
}

// AnswerStatus says what became of an Answer.
type AnswerStatus int

// Answer outcomes, mapped to HTTP statuses by the device API (SPEC S5.2).
const (
	AnswerAccepted      AnswerStatus = iota + 1
	AnswerUnknownLogin               // no such login in flight (404)
	AnswerWrongDevice                // the push did not go to this device (404)
	AnswerAlreadyAnswer              // this push was answered already (409)
	AnswerStale                      // the push expired or was replaced (410)
)

// AnswerResult is the login's response to an Answer.
type AnswerResult struct{ Status AnswerStatus }

// LoginInfo describes a login in flight for operators.
type LoginInfo struct {
	ID      string    `json:"id"`
	User    string    `json:"user"`
	Client  string    `json:"client"`
	State   string    `json:"state"`
	Started time.Time `json:"started"`
}

// listLogins asks the router for every login in flight (RequestFuture);
// the router responds with []LoginInfo.
type listLogins struct{}

// register tells the router about a new login (sent by the login itself
// when it starts, before it can answer anything: sent by the supervisor
// after Spawn it could arrive after the NAS's next request).
type register struct {
	info LoginInfo
	pid  *actor.PID
}

// stateChanged tells the router a login's new state (for operators).
type stateChanged struct {
	id, state string
}

// finished is sent by a login when it is done: first to the router, which
// forgets it and forwards it to the supervisor, which forgets its user and
// poisons it. After that no message can reach the stopped login.
type finished struct {
	id, user string
}

// joinOrWithdraw is sent by the supervisor to the login waiting on a push
// for the same user when a new login for that user arrives. The login either
// takes the attempt in (same client, station and password: SPEC join) or
// withdraws itself and hands the attempt back in a restart.
type joinOrWithdraw struct {
	attempt *Attempt
}

// restart hands an attempt back to the supervisor to start a new login.
type restart struct {
	attempt *Attempt
}

// waitingOnPush tells the supervisor that a login holds the user's one
// outstanding push (on=true) or no longer does.
type waitingOnPush struct {
	user string
	id   string
	on   bool
}

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
	ok       bool
	reason   string // audit reason when !ok
	passcode bool   // policy "token" with a non-empty password: check it as a passcode
}

// otpChecked is the result of a passcode check, run off the mailbox.
type otpChecked struct {
	attempt *Attempt
	token   string // serial of the token that matched
	ok      bool
	reason  string
	err     error
}

// timerFired is the login's own timer (push wait or challenge expiry).
type timerFired struct {
	gen int
}
