// Package store is what pushauth keeps: its users, tokens, devices,
// policies, used-OTP state and audit records, behind the Store interface,
// with the errors, the sealer (secrets — OTP seeds, PIPs — are sealed with
// a server key before they reach a database), the read cache and the write
// watcher. It imports no database driver: the drivers are store/sqlite (the
// embedded default) and store/postgres (a cluster's shared database), and
// store/storetest is the contract both pass.
package store

import (
	"context"
	"errors"
	"time"
)

// Errors callers test for with errors.Is.
var (
	ErrNotFound = errors.New("not found")
	ErrExists   = errors.New("already exists")
	// ErrOTPReused means the OTP step/counter was already consumed.
	ErrOTPReused = errors.New("otp already used")
	// ErrActivation means the activation code is unknown, used or expired.
	ErrActivation = errors.New("activation code invalid, used or expired")
	// ErrAcceptWithdrawn means an OTPAccept's Claim said no: the login was
	// cancelled before its accept was committed (the step is consumed all
	// the same, the record is not written).
	ErrAcceptWithdrawn = errors.New("accept withdrawn")
	// ErrEnrollLink means the enrolment link is unknown, used or expired.
	ErrEnrollLink = errors.New("enrolment link invalid, used or expired")
	// ErrClosed is returned for writes after Close.
	ErrClosed = errors.New("store closed")
)

// PushRetention is how long recorded pushes are kept: RecordPush deletes
// older ones, so PushesSince counts exactly only for a since no older than
// PushRetention before the newest recorded push. The per-user cap looks one
// minute back.
const PushRetention = 10 * time.Minute

// DefaultAuditLimit is how many records ListAudit returns when q.Limit <= 0.
const DefaultAuditLimit = 100

// OTPAccept is a login accepted with a one-time passcode. AcceptWithOTP
// consumes the passcode's step and writes the accept's audit record in one
// transaction: the login waits for one durable write, not two.
type OTPAccept struct {
	TokenID int64
	Step    int64
	Record  *AuditRecord
	// Claim, when set, is called once, when the accept joins its
	// transaction and before the step is consumed. It returns false when
	// the login was cancelled meanwhile (a deny from the phone, SPEC S3.5):
	// the step is still consumed, the record is not written, and
	// AcceptWithOTP returns ErrAcceptWithdrawn. After a true, the login
	// can no longer be cancelled.
	Claim func() bool
}

// Token types.
const (
	TokenOATH      = "oath"      // RFC 6238 TOTP / RFC 4226 HOTP hardware or app token
	TokenSoftToken = "softtoken" // pushauth soft token on a phone (OTP + push)
	TokenGridSure  = "gridsure"
	TokenOneLogin  = "onelogin"
)

// OTP algorithms of an OATH or soft token.
const (
	OTPTOTP = "totp"
	OTPHOTP = "hotp"
)

// Push kinds a device registered.
const (
	PushAPNs = "apns"
	PushFCM  = "fcm"
	PushPoll = "poll"
	// PushWebPush: a web app woken by Web Push (RFC 8030); the device's
	// PushToken holds its subscription as JSON (endpoint and keys).
	PushWebPush = "webpush"
)

// User is a person who logs in.
type User struct {
	ID           int64
	Name         string
	PasswordHash string // PHC-format argon2id hash; empty means no directory password
	Policy       string // policy name; empty means the client's or the default policy
	// DirectoryID is the directory's stable id of the entry this user is
	// linked to (objectGUID for Active Directory, entryUUID for OpenLDAP;
	// SPEC S9.2); empty for a user that is not linked. Unique when set, so
	// a renamed directory user keeps the record and its tokens.
	DirectoryID string
	Failures    int // consecutive failures (SPEC S2.9)
	LockedUntil time.Time
	CreatedAt   time.Time
}

// Token is one second factor of a user.
type Token struct {
	ID        int64
	UserID    int64
	Type      string // TokenOATH, TokenSoftToken, ...
	Serial    string // operator-visible label, unique
	Algorithm string // OTPTOTP or OTPHOTP
	Digits    int
	Period    int    // TOTP step in seconds
	Seed      []byte // plaintext OTP seed; sealed at rest by the store
	LastStep  int64  // last accepted TOTP step or HOTP counter (-1 when none)
	PushOn    bool   // push enabled for this token (soft tokens: default on)
	Device    *Device
	// OneLogin Protect link (TokenOneLogin): the OneLogin user id and,
	// when the user has several devices, the device id (SPEC S4.2).
	OneLoginUser   string
	OneLoginDevice string
	CreatedAt      time.Time
}

// Device is the phone a soft token was activated on.
type Device struct {
	ID        string // opaque device id given at activation
	Platform  string // android | ios | web
	OSVersion string // OS version; for web, the browser's own description
	PushKind  string // PushAPNs | PushFCM | PushPoll | PushWebPush
	// PushToken is the APNs device token, the FCM registration token, or
	// for PushWebPush the subscription JSON
	// {"endpoint":…,"keys":{"p256dh":…,"auth":…}}.
	PushToken    string
	PushDisabled string // non-empty: why push was disabled (e.g. "unregistered")
	PublicKey    []byte // PKIX DER P-256 public key
	ActivatedAt  time.Time
	// LastSeen is when the device last made an authenticated request to
	// the device API, to within SeenInterval (SeenDevice); zero when never.
	LastSeen time.Time
}

// SeenInterval is how often, at most, a device's LastSeen is written: a
// phone polling every few seconds costs one write per SeenInterval, and
// LastSeen lags the device's last request by less than SeenInterval.
const SeenInterval = 10 * time.Minute

// SeenDue reports whether a device last seen at last, seen again at at,
// gets a new LastSeen: when last is SeenInterval or more before at (a
// zero last always is).
func SeenDue(last, at time.Time) bool { return !last.After(at.Add(-SeenInterval)) }

// Activation is a pending soft-token activation.
type Activation struct {
	CodeHash  []byte // SHA-256 of the activation code
	TokenID   int64
	ExpiresAt time.Time
}

// Policy is a named security policy (SPEC S4.4).
type Policy struct {
	Name            string
	PushEnabled     bool
	Method          string // "password+token" | "token"
	AttemptLimit    int    // wrong answers per login before Reject
	LockoutFailures int    // failed logins before the user is locked
	LockoutSeconds  int
	PushesPerMinute int
	// NumberMatching: the agent shows a two-digit number and the user
	// picks it among three on the phone to approve (SPEC S10.3).
	NumberMatching bool
	// ReplyAttributes are sent on every Access-Accept of the policy's
	// logins: "Name: value" lines in FreeRADIUS dictionary names
	// (protocol/radius/radattr checks and encodes them). Stored as a JSON
	// array of strings; nil when there are none.
	ReplyAttributes []string
	// NewUser is what a user whose password verified but who has no token
	// at all gets (issue 21, docs/operations.md "Rolling out"):
	// NewUserReject, NewUserPass or NewUserEnroll.
	NewUser string
	// SelfEnrollment is which devices users may add themselves at
	// /enroll: SelfEnrollOff, SelfEnrollFirst or SelfEnrollAny.
	SelfEnrollment string
	// SelfEnrollmentOTP also offers an otpauth:// QR for an OTP app
	// when a user enrols a device.
	SelfEnrollmentOTP bool
	// SelfEnrollmentWindow allows a first device only while an enrolment
	// window is open for the user (EnrollWindow).
	SelfEnrollmentWindow bool
}

// Policy NewUser values.
const (
	NewUserReject = "reject" // no token: Access-Reject (the default)
	NewUserPass   = "pass"   // no token: accepted on the password alone
	NewUserEnroll = "enroll" // no token: Access-Reject carrying an enrolment link
)

// Policy SelfEnrollment values.
const (
	SelfEnrollOff   = "off"          // no self-service enrolment (the default)
	SelfEnrollFirst = "first_device" // a user with no device may add one
	SelfEnrollAny   = "any_device"   // and a user with one may add another, once it approves
)

// EnrollLink is a single-use link that signs a user in to the enrolment
// page (new_user: enroll). Only the SHA-256 of its code is stored.
type EnrollLink struct {
	ID        string // shown in the audit, never the code
	CodeHash  []byte
	User      string
	ExpiresAt time.Time
}

// EnrollWindow is a time until which users of a group may enrol their
// first device themselves. Group is a directory group's policy-selecting
// DN, or EnrollGroupAll for everyone.
type EnrollWindow struct {
	Group string
	Until time.Time
}

// EnrollGroupAll is the enrolment window that applies to every user.
const EnrollGroupAll = "all"

// AuditRecord is one finished login (SPEC S6.1).
type AuditRecord struct {
	ID         int64
	LoginID    string
	Time       time.Time
	User       string
	Client     string
	Agent      string
	Token      string
	Provider   string
	Outcome    string // accept | reject
	Reason     string
	DurationMS int64 // the whole login, from its first request to its end
	// PhoneMS is how long the phone took to answer the push whose answer
	// decided the login (approve, deny, wrong number, "this wasn't me"):
	// from the push's hand-off to its provider to the answer's arrival, at
	// least 1. 0: no push answer decided the login (timeout, passcode, a
	// record from before the audit kept it).
	PhoneMS int64
	// Reported: the user answered the push "this wasn't me" (SPEC S5.4).
	Reported bool
	// Node is the cluster node that ran the login (cluster.node), set by
	// the store from its WithNode option; empty on a single node.
	Node string
	// Admin and Action are set on the record of an operator's change
	// through the admin API (outcome "admin"): the admin token's name and
	// the call ("POST /v1/users/{name}/unlock"). Empty for logins.
	Admin  string
	Action string
}

// AuditQuery filters audit records; zero fields do not filter, except
// Kind, whose zero value lists the logins only.
type AuditQuery struct {
	User    string
	Reason  string    // exactly this reason ("no-token-pass")
	Since   time.Time // at or after
	Limit   int
	Kind    string    // AuditLogins (""), AuditAdmin or AuditAll
	Client  string    // exactly this RADIUS client (or agent's) name
	Outcome string    // exactly this outcome (accept, reject, admin)
	Node    string    // exactly this cluster node
	LoginID string    // one login's records
	Until   time.Time // before (exclusive)
	// Before continues a listing newest first: only records older than
	// this position (time, then id), the last record of the previous page.
	Before AuditPos
	// Tail lists the records with an id greater than AfterID (0: all)
	// oldest first, by id, instead of newest first: what a follower of
	// the audit has not read yet.
	Tail    bool
	AfterID int64
}

// AuditPos is a record's place in the newest-first order of ListAudit:
// its time, then its id. The zero AuditPos is no position.
type AuditPos struct {
	Time time.Time
	ID   int64
}

// IsZero reports whether p is no position.
func (p AuditPos) IsZero() bool { return p.ID == 0 && p.Time.IsZero() }

// Pos is r's position, for AuditQuery.Before.
func (r *AuditRecord) Pos() AuditPos { return AuditPos{Time: r.Time, ID: r.ID} }

// AuditUser is one user's records among those an AuditQuery matches.
type AuditUser struct {
	User  string
	Count int
	Last  time.Time
}

// MaxAuditStatsMinutes bounds AuditStatsQuery.Minutes: a day.
const MaxAuditStatsMinutes = 24 * 60

// AuditStatsQuery picks the minutes AuditStats summarises: Minutes whole
// minutes from From (1..MaxAuditStatsMinutes), and which reasons mean that
// the phone answered the push.
type AuditStatsQuery struct {
	From     time.Time
	Minutes  int
	Answered []string // reasons of logins the phone answered ("approved", "denied", ...)
}

// AuditStats is the summary of AuditStatsQuery's minutes; minutes without
// records have no entries. Minute is the minute's index from From.
type AuditStats struct {
	Outcomes []OutcomeCount
	Answers  []AnswerCount
}

// OutcomeCount is how many logins finished with Outcome in one minute.
type OutcomeCount struct {
	Minute  int
	Outcome string
	Count   int
}

// AnswerCount is how many of the phone's answers to the logins of one
// minute (AuditStats: PhoneMS, else DurationMS) took more than the
// previous bound of AnswerBoundsMS and at most UpToMS
// milliseconds (UpToMS 0: more than the last bound).
type AnswerCount struct {
	Minute int
	UpToMS int64
	Count  int
}

// AnswerBoundsMS are the upper bounds, in milliseconds, of AuditStats'
// histogram of answer times.
func AnswerBoundsMS() []int64 {
	return []int64{250, 500, 750, 1000, 1500, 2000, 3000, 4000, 5000, 7500, 10000, 15000, 20000, 30000, 45000, 60000, 90000, 120000}
}

// Kinds of audit records (AuditQuery.Kind): the logins' records (S6.1), the
// records of operators' changes (outcome OutcomeAdmin), or both.
const (
	AuditLogins = ""
	AuditAdmin  = "admin"
	AuditAll    = "all"
)

// OutcomeAdmin is the outcome of an operator's change's audit record.
const OutcomeAdmin = "admin"

// Store is everything pushauth keeps on disk.
type Store interface {
	// CreateUser inserts u, with its DirectoryID when set, and sets u.ID.
	// A taken name or directory id is ErrExists.
	CreateUser(ctx context.Context, u *User) error
	UserByName(ctx context.Context, name string) (*User, error)
	// UserWithTokens is UserByName and TokensByUser in one query: what a
	// login reads first. Its devices carry only the push fields (ID,
	// PushKind, PushToken, PushDisabled); its tokens no CreatedAt.
	UserWithTokens(ctx context.Context, name string) (*User, []Token, error)
	ListUsers(ctx context.Context) ([]User, error)
	// SearchUsers returns at most limit users whose names start with
	// prefix and sort after after, ordered by name (keyset paging: the
	// next page starts after the last name of this one).
	SearchUsers(ctx context.Context, prefix, after string, limit int) ([]User, error)
	DeleteUser(ctx context.Context, name string) error
	SetPassword(ctx context.Context, name, hash string) error
	SetUserPolicy(ctx context.Context, name, policy string) error
	// UserByDirectoryID returns the user linked to the directory entry
	// with stable id directoryID (SPEC S9.2), or ErrNotFound. An empty
	// directoryID is never found.
	UserByDirectoryID(ctx context.Context, directoryID string) (*User, error)
	// SetDirectoryID links the user called name to the directory entry
	// with stable id directoryID; empty unlinks. ErrNotFound when there is
	// no such user, ErrExists when another user is linked to directoryID.
	SetDirectoryID(ctx context.Context, name, directoryID string) error
	// RenameUser gives the user called oldName the name newName, keeping
	// its id, tokens, policy and counters (a directory user was renamed).
	// ErrNotFound when there is no user oldName, ErrExists when newName is
	// taken. Audit records, push history and suspensions keep the old name.
	RenameUser(ctx context.Context, oldName, newName string) error
	// LoginCounter reads the user's failure counter as it is now, never
	// from a cache (SPEC S2.9). ErrNotFound when there is no such user.
	LoginCounter(ctx context.Context, userID int64) (LoginCounter, error)
	// RecordFailure counts one failure for the user (SPEC S2.9): it reads
	// the counter, asks next for the counter after one more failure and
	// stores it, atomically (of two callers, on any nodes, each sees the
	// other's result). When next refuses (ErrLocked) nothing is written and
	// the counter is returned with its error. ErrNotFound when there is no
	// such user.
	RecordFailure(ctx context.Context, userID int64, next NextCounter) (LoginCounter, error)
	// ResetLoginFailures clears the failure count and any lock: after an
	// accept, or when an operator unlocks the user.
	ResetLoginFailures(ctx context.Context, userID int64) error

	CreateToken(ctx context.Context, t *Token) error
	TokensByUser(ctx context.Context, userID int64) ([]Token, error)
	TokenBySerial(ctx context.Context, serial string) (*Token, error)
	DeleteToken(ctx context.Context, serial string) error
	// AcceptWithOTP records a.Step as the token's last used step if it is
	// greater than the token's LastStep (atomically: of two callers with the
	// same step, on any nodes, exactly one succeeds) and, in the same
	// transaction and only then (and if a.Claim, if set, agreed), stores
	// a.Record and sets its ID. Errors: ErrOTPReused (the step was not
	// greater), ErrNotFound (no such token), ErrAcceptWithdrawn; with any of
	// them no record is written.
	AcceptWithOTP(ctx context.Context, a *OTPAccept) error

	CreateActivation(ctx context.Context, a *Activation) error
	// Activate consumes the activation code (single use, unexpired) and
	// stores the device on its token. It returns the activated token.
	Activate(ctx context.Context, codeHash []byte, d *Device, now time.Time) (*Token, error)
	// PendingActivation returns the activation with codeHash while it can
	// still be used at now, without consuming it; else ErrActivation.
	PendingActivation(ctx context.Context, codeHash []byte, now time.Time) (*Activation, error)
	DeviceByID(ctx context.Context, id string) (*Token, error)
	UpdateDevicePush(ctx context.Context, deviceID, pushToken, disabledReason string) error
	// DeleteDevice removes the device from its token (the device asked to
	// be removed): the token stays, without a device, until it is
	// activated again. An unknown device is ErrNotFound.
	DeleteDevice(ctx context.Context, deviceID string) error
	// SeenDevice records that the device made an authenticated request at
	// at: its LastSeen becomes at when SeenDue(LastSeen, at), and stays
	// otherwise (one write per SeenInterval at most, never moved back).
	// An unknown device is not an error: nothing is written (a device
	// removed while its request was served).
	SeenDevice(ctx context.Context, deviceID string, at time.Time) error

	PutPolicy(ctx context.Context, p *Policy) error
	PolicyByName(ctx context.Context, name string) (*Policy, error)
	ListPolicies(ctx context.Context) ([]Policy, error)

	// CreateEnrollLink stores l, and forgets the links expired before now.
	CreateEnrollLink(ctx context.Context, l *EnrollLink, now time.Time) error
	// UseEnrollLink consumes the link with codeHash (single use,
	// unexpired at now) and returns it; else ErrEnrollLink.
	UseEnrollLink(ctx context.Context, codeHash []byte, now time.Time) (*EnrollLink, error)
	// SetEnrollWindow opens w.Group's enrolment window until w.Until
	// (replacing its previous one); a zero or past Until closes it.
	SetEnrollWindow(ctx context.Context, w EnrollWindow) error
	// EnrollWindows lists the windows still open at now, by group.
	EnrollWindows(ctx context.Context, now time.Time) ([]EnrollWindow, error)

	AppendAudit(ctx context.Context, r *AuditRecord) error
	ListAudit(ctx context.Context, q AuditQuery) ([]AuditRecord, error)
	// AuditUsers counts q's records by user (q.Limit users at most, by
	// name): who was let in on the password alone this week, say.
	AuditUsers(ctx context.Context, q AuditQuery) ([]AuditUser, error)
	// AuditStats summarises the logins' audit records of q's minutes (never
	// operators' changes), cluster-wide: each minute's count by outcome and
	// a histogram of the phone's answer times (PhoneMS) of the logins the
	// phone answered; a record without one, written before the audit kept
	// it, counts with its whole login's DurationMS instead. The
	// work is bounded by q.Minutes (at most MaxAuditStatsMinutes).
	AuditStats(ctx context.Context, q AuditStatsQuery) (*AuditStats, error)

	// SuspendPush suspends pushes to user until until (SPEC S5.4), for
	// every node and across restarts. It replaces the user's previous
	// suspension, so an until in the past lifts it.
	SuspendPush(ctx context.Context, user string, until time.Time, reason string) error
	// PushSuspension returns when the user's push suspension ends and why;
	// the zero time when there is none or it has ended.
	PushSuspension(ctx context.Context, user string) (until time.Time, reason string, err error)
	// RecordPush counts a push sent to user at at, for the per-user push
	// cap (SPEC S4.4), and forgets pushes older than PushRetention.
	RecordPush(ctx context.Context, user string, at time.Time) error
	// PushesSince returns how many pushes were recorded for user at or
	// after since; since must be within PushRetention of the latest push.
	PushesSince(ctx context.Context, user string, since time.Time) (int, error)

	// CreateBypassCode stores c for c.UserID with the keyed hash of c.Code
	// (never the code) and sets c.ID and c.CreatedAt (when zero). ErrTooMany
	// when the user has MaxBypassCodes usable codes at c.CreatedAt;
	// ErrNotFound for an unknown user; ErrExists when the hash is taken.
	CreateBypassCode(ctx context.Context, c *BypassCode) error
	// BypassCodes lists the user's codes still usable at now (uses left,
	// unexpired), oldest first, without their codes.
	BypassCodes(ctx context.Context, userID int64, now time.Time) ([]BypassCode, error)
	// RevokeBypassCode deletes the user's code id; ErrNotFound when the user
	// has no such code.
	RevokeBypassCode(ctx context.Context, userID, id int64) error
	// MatchBypassCode returns the id of the user's code equal to code that
	// is usable at now, without using it; ErrNotFound when none is.
	MatchBypassCode(ctx context.Context, userID int64, code string, now time.Time) (int64, error)
	// AcceptWithBypass takes one use of a.CodeID if it is still usable at
	// a.Now (atomically: of two callers for its last use, on any nodes,
	// exactly one succeeds) and, in the same transaction and if a.Claim
	// agreed, stores a.Record. Errors: ErrBypassUsed, ErrAcceptWithdrawn;
	// with either, no record is written.
	AcceptWithBypass(ctx context.Context, a *BypassAccept) error

	// CreateAdminToken stores t (sets t.CreatedAt when zero); a taken name
	// or hash is ErrExists.
	CreateAdminToken(ctx context.Context, t *AdminToken) error
	// AdminTokenByHash returns the token whose SHA-256 is hash, read from
	// the database on every call (a revoke holds at once on every node);
	// ErrNotFound when there is none.
	AdminTokenByHash(ctx context.Context, hash []byte) (*AdminToken, error)
	// ListAdminTokens lists the tokens by name, without their hashes.
	ListAdminTokens(ctx context.Context) ([]AdminToken, error)
	// DeleteAdminToken revokes the token called name; ErrNotFound when
	// there is none.
	DeleteAdminToken(ctx context.Context, name string) error

	Close() error
}

// DefaultPolicy is used when no policy is named or the named one is absent.
func DefaultPolicy() Policy {
	return Policy{
		Name:            "default",
		PushEnabled:     true,
		Method:          "password+token",
		AttemptLimit:    3,
		LockoutFailures: 5,
		LockoutSeconds:  300,
		PushesPerMinute: 5,
		NewUser:         NewUserReject,
		SelfEnrollment:  SelfEnrollOff,
	}
}
