package actors

import (
	"context"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/rs/zerolog"

	"github.com/pushauth/pushauth/auth"
	"github.com/pushauth/pushauth/internal/admission"
	"github.com/pushauth/pushauth/providers"
	"github.com/pushauth/pushauth/push"
	"github.com/pushauth/pushauth/store"
)

// Settings are the run-time values a login reads once, when it starts
// (SPEC S1.3: a reload applies to logins started afterwards).
type Settings struct {
	NotificationTimeout time.Duration
	ChallengeTimeout    time.Duration
	PushOff             bool
	Offline             bool
}

// Store is the part of the store that logins use.
type Store interface {
	UserByName(ctx context.Context, name string) (*store.User, error)
	PolicyByName(ctx context.Context, name string) (*store.Policy, error)
	TokensByUser(ctx context.Context, userID int64) ([]store.Token, error)
	// AcceptWithOTP consumes a right passcode's step and writes the
	// accept's audit record in one transaction (store.OTPAccept).
	AcceptWithOTP(ctx context.Context, a *store.OTPAccept) error
	// MatchBypassCode and AcceptWithBypass check and use a bypass code an
	// operator issued (SPEC S3.2), its use and its accept's record in one
	// transaction (store.BypassAccept).
	MatchBypassCode(ctx context.Context, userID int64, code string, now time.Time) (int64, error)
	AcceptWithBypass(ctx context.Context, a *store.BypassAccept) error
	// LoginCounter and RecordFailure keep the lockout's count (SPEC S2.9).
	LoginCounter(ctx context.Context, userID int64) (store.LoginCounter, error)
	RecordFailure(ctx context.Context, userID int64, next store.NextCounter) (store.LoginCounter, error)
	ResetLoginFailures(ctx context.Context, userID int64) error
	UpdateDevicePush(ctx context.Context, deviceID, pushToken, disabledReason string) error
	AppendAudit(ctx context.Context, r *store.AuditRecord) error
	// Push cap and "this wasn't me" suspensions, kept in the store so they
	// survive a restart (and hold across a cluster).
	RecordPush(ctx context.Context, user string, at time.Time) error
	PushesSince(ctx context.Context, user string, since time.Time) (int, error)
	SuspendPush(ctx context.Context, user string, until time.Time, reason string) error
	PushSuspension(ctx context.Context, user string) (until time.Time, reason string, err error)
}

// Network makes the actor system one node of a cluster (cluster.Node, or
// cluster/local for a single node, a cluster of one): logins run on its
// actor system, and the owner routes challenge answers and device answers
// for logins of other nodes to their owner.
type Network interface {
	System() *actor.ActorSystem
	// Address is this node's address as the other nodes dial it.
	Address() string
	// Alive tells whether a node address is a current member.
	Alive(address string) bool
	// SlotNode is the address of the member that keeps user's push slot
	// (the same answer on every node once they agree on the members).
	SlotNode(user string) string
}

// Clock tells the time and runs timers; tests pass a fake one.
type Clock interface {
	Now() time.Time
	// AfterFunc calls f once d has passed; the returned function stops it.
	AfterFunc(d time.Duration, f func()) (stop func() bool)
}

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) AfterFunc(d time.Duration, f func()) func() bool { return time.AfterFunc(d, f).Stop }

// Deps is what the actors need from the rest of the server.
type Deps struct {
	Store     Store
	Passwords *auth.Passwords
	Signer    *push.Signer
	// Providers by name: "poll", "apns", "fcm", "onelogin".
	Providers map[string]providers.Pusher
	// ProviderLimits tune the provider actors (circuit breaker, rate, retries).
	ProviderLimits ProviderLimits
	// PasswordChecker is the password step of logins (passwords.source);
	// nil means the local argon2id hashes (auth.LocalSource).
	PasswordChecker PasswordChecker
	// PasswordGate admits each password check fairly per RADIUS client
	// and calling station; nil means admission.DefaultLimits sized by
	// Passwords.
	PasswordGate *admission.Gate
	// SourceBudget is each source's budget of failed attempts at a secret
	// (SPEC S2.9); zero means DefaultSourceBudget.
	SourceBudget SourceBudget
	// Enroller issues the enrolment links of new_user: enroll; nil makes
	// enroll behave as reject.
	Enroller Enroller
	// Settings returns the current settings.
	Settings func() Settings
	Log      zerolog.Logger
	Metrics  *Metrics // optional
	// Clock is the time source (the real clock when nil).
	Clock Clock
	// RecentAnswers is how long a finished login's answered pushes are
	// remembered, so that a repeated answer gets 409 (default 2 minutes;
	// keep it at least the RADIUS reply-cache window).
	RecentAnswers time.Duration
	// Network is the cluster this System is a node of; nil makes it a
	// cluster of one (cluster/local) with its own actor system.
	Network Network
	// ReplyAttributes encodes a policy's reply attributes for its accepts
	// (radattr.Dictionary.Encode with the configured dictionaries). nil
	// refuses every policy that has some: an accept must not go out
	// without the attributes that set the user's access.
	ReplyAttributes func(entries []string) ([]byte, error)
	// JoinSecret keys the digests that recognise a join (client, station,
	// password). Every node of a cluster needs the same one; random when
	// empty (fine for a single node).
	JoinSecret []byte

	// receiveHook, set by tests, sees every message the owner and the
	// logins receive.
	receiveHook func(msg any)
	// missingPolicies remembers the missing policy names already warned
	// about (resolvePolicy).
	missingPolicies *warnedNames
	// badAttributes remembers the policies already logged for reply
	// attributes that cannot be encoded (replyAttributes).
	badAttributes *warnedNames
	// emptyPasswords remembers the clients already warned about for
	// sending an empty password to a password check (warnEmptyPassword).
	emptyPasswords *warnedNames
}

func (d *Deps) setDefaults() {
	if d.missingPolicies == nil {
		d.missingPolicies = &warnedNames{}
	}
	if d.badAttributes == nil {
		d.badAttributes = &warnedNames{}
	}
	if d.emptyPasswords == nil {
		d.emptyPasswords = &warnedNames{}
	}
	if d.Clock == nil {
		d.Clock = realClock{}
	}
	if d.RecentAnswers <= 0 {
		d.RecentAnswers = 2 * time.Minute
	}
	if d.PasswordChecker == nil {
		d.PasswordChecker = auth.NewLocalSource(d.Store, d.Passwords)
	}
	if d.PasswordGate == nil {
		d.PasswordGate = defaultPasswordGate(d.Passwords)
	}
}

func (d *Deps) now() time.Time { return d.Clock.Now() }
