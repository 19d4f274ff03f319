// Package apitype holds the JSON bodies of pushauth's admin API
// (protocol/adminapi), shared by the server's handlers and the Go client
// (adminapi/adminclient) that cmd/pushctl uses. It imports the standard
// library only, so that a client links none of the server (a test checks
// it); the endpoints and their rules are documented in package adminapi.
package apitype

import "time"

// ErrorBody is the body of every error response.
type ErrorBody struct {
	Error string `json:"error"`
	Code  string `json:"code"`
}

// CreateUserRequest is the body of POST /v1/users. An empty Password makes
// a user without a directory password (for the "token" policy method).
type CreateUserRequest struct {
	Name     string `json:"name"`
	Password string `json:"password,omitempty"`
}

// SetPasswordRequest is the body of PUT /v1/users/{name}/password.
type SetPasswordRequest struct {
	Password string `json:"password"`
}

// SetUserPolicyRequest is the body of PUT /v1/users/{name}/policy; an empty
// Policy clears it (the client's or the default policy applies).
type SetUserPolicyRequest struct {
	Policy string `json:"policy"`
}

// User is a user as operators see it (never the password hash).
type User struct {
	Name        string     `json:"name"`
	Policy      string     `json:"policy,omitempty"`
	HasPassword bool       `json:"has_password"`
	Source      string     `json:"source"`                 // SourceLocal or SourceDirectory
	DirectoryID string     `json:"directory_id,omitempty"` // stable id of the linked directory entry
	Failures    int        `json:"failures"`
	LockedUntil *time.Time `json:"locked_until,omitempty"`
	CreatedAt   time.Time  `json:"created_at"`
	// PushSuspendedUntil and PushSuspendedReason: pushes to the user are
	// suspended (after "this wasn't me") until then; GET
	// /v1/users/{name} only, absent when pushes go out.
	PushSuspendedUntil  *time.Time `json:"push_suspended_until,omitempty"`
	PushSuspendedReason string     `json:"push_suspended_reason,omitempty"`
}

// Token types and OTP algorithms of ProgramRequest.
const (
	TypeOATH      = "oath"
	TypeSoftToken = "softtoken"
	TypeGridSure  = "gridsure"
	TypeOneLogin  = "onelogin"
	AlgorithmTOTP = "totp"
	AlgorithmHOTP = "hotp"
)

// ProgramRequest is the body of POST /v1/users/{name}/tokens.
type ProgramRequest struct {
	Type      string `json:"type"`                // TypeOATH, TypeSoftToken or TypeGridSure
	Algorithm string `json:"algorithm,omitempty"` // oath only: AlgorithmTOTP (default) or AlgorithmHOTP
	Serial    string `json:"serial,omitempty"`    // generated when empty
	PIP       string `json:"pip,omitempty"`       // gridsure only, e.g. "0,6,12,18"
	// onelogin only: the OneLogin user id and, if the user has several
	// devices, the OneLogin Protect device id (SPEC S4.2).
	OneLoginUser   string `json:"onelogin_user,omitempty"`
	OneLoginDevice string `json:"onelogin_device,omitempty"`
}

// ProgramResult answers a token programming or a new activation. It is the
// only place the OTP secret (OTPAuthURI) or an activation code ever appears.
type ProgramResult struct {
	User                string     `json:"user,omitempty"`
	Serial              string     `json:"serial"`
	Type                string     `json:"type"`
	Algorithm           string     `json:"algorithm,omitempty"`
	Digits              int        `json:"digits,omitempty"`
	Period              int        `json:"period,omitempty"`
	OTPAuthURI          string     `json:"otpauth_uri,omitempty"`           // oath
	ActivationCode      string     `json:"activation_code,omitempty"`       // softtoken
	ActivationURL       string     `json:"activation_url,omitempty"`        // softtoken
	ActivationExpiresAt *time.Time `json:"activation_expires_at,omitempty"` // softtoken
}

// Token is a user's token as operators see it (never its seed or PIP).
type Token struct {
	Serial    string    `json:"serial"`
	Type      string    `json:"type"`
	Algorithm string    `json:"algorithm,omitempty"`
	Digits    int       `json:"digits,omitempty"`
	Period    int       `json:"period,omitempty"`
	PushOn    bool      `json:"push_on"`
	CreatedAt time.Time `json:"created_at"`
	Device    *Device   `json:"device,omitempty"` // soft tokens once activated
	// OneLogin links: the OneLogin user and device ids.
	OneLoginUser   string `json:"onelogin_user,omitempty"`
	OneLoginDevice string `json:"onelogin_device,omitempty"`
}

// Device is the phone a soft token was activated on.
type Device struct {
	Platform     string    `json:"platform"`
	OSVersion    string    `json:"os_version"`
	PushKind     string    `json:"push_kind"`               // apns | fcm | poll
	PushDisabled string    `json:"push_disabled,omitempty"` // why push was turned off
	ActivatedAt  time.Time `json:"activated_at"`
	// LastSeen is when the device last made an authenticated request to
	// the device API (a poll, an answer), to within 10 minutes; omitted
	// when it never has.
	LastSeen time.Time `json:"last_seen,omitzero"`
}

// Policy is a security policy (SPEC S4.4). Its JSON keys are the setting
// keys of PUT /v1/policies/{name}.
type Policy struct {
	Name            string `json:"name"`
	Push            bool   `json:"push"`
	Method          string `json:"method"`
	AttemptLimit    int    `json:"attempt_limit"`
	LockoutFailures int    `json:"lockout_failures"`
	LockoutSeconds  int    `json:"lockout_seconds"`
	PushesPerMinute int    `json:"pushes_per_minute"`
	NumberMatching  bool   `json:"number_matching"`
	// ReplyAttributes are sent on the policy's Access-Accepts: "Name:
	// value" lines (docs/operations.md "Authorization"). Set as a list of
	// strings; one string is a list of one, "" or [] clears them.
	ReplyAttributes []string `json:"reply_attributes,omitempty"`
	// Rolling out (docs/operations.md): what a user with no token gets
	// (reject, pass, enroll), which devices users may enrol themselves
	// (off, first_device, any_device), and whether with an OTP app too.
	NewUser           string `json:"new_user"`
	SelfEnrollment    string `json:"self_enrollment"`
	SelfEnrollmentOTP bool   `json:"self_enrollment_otp"`
	// SelfEnrollmentWindow: a first device only in an open enrolment window.
	SelfEnrollmentWindow bool `json:"self_enrollment_window"`
	Builtin              bool `json:"builtin,omitempty"` // the default policy, never stored
}

// SetPolicyRequest is the body of PUT /v1/policies/{name}. Values are
// strings, numbers or booleans; all are applied or none.
type SetPolicyRequest struct {
	Settings map[string]any `json:"settings"`
}

// AuditRecord is one finished login (SPEC S6.1).
type AuditRecord struct {
	LoginID    string    `json:"login_id"`
	Time       time.Time `json:"time"`
	User       string    `json:"user"`
	Client     string    `json:"client"`
	Agent      string    `json:"agent"`
	Token      string    `json:"token"`
	Provider   string    `json:"provider"`
	Outcome    string    `json:"outcome"`
	Reason     string    `json:"reason"`
	DurationMS int64     `json:"duration_ms"`
	// PhoneMS is how long the phone took to answer the push whose answer
	// decided the login (approve, deny, wrong number, "this wasn't me"),
	// from the push's hand-off to its provider; absent when no answer
	// decided it, and on records written before it was kept.
	PhoneMS int64 `json:"phone_ms,omitempty"`
	// Reported: the user denied the push as "this wasn't me" (SPEC S5.4);
	// absent otherwise.
	Reported bool `json:"reported,omitempty"`
	// Node is the cluster node that ran the login (cluster.node); absent
	// on a single node.
	Node string `json:"node,omitempty"`
	// Admin and Action are present on the record of an operator's change
	// (outcome "admin", reason admin-action): the admin token's name and
	// the call, e.g. "POST /v1/users/{name}/unlock".
	Admin  string `json:"admin,omitempty"`
	Action string `json:"action,omitempty"`
	// ID is the record's number in the audit, rising as records are
	// written (the audit stream's event id).
	ID int64 `json:"id"`
}

// Login is a login in flight.
type Login struct {
	ID      string    `json:"id"`
	User    string    `json:"user"`
	Client  string    `json:"client"`
	State   string    `json:"state"`
	Started time.Time `json:"started"`
	AgeMS   int64     `json:"age_ms"` // by the server's clock
	// Node is the cluster node the login runs on (cluster.node); absent
	// on a single node.
	Node string `json:"node,omitempty"`
}

// LoginPage is the answer of GET /v1/logins: how many logins are in flight,
// and the oldest of them (all of them unless the request had ?limit=N). On
// a cluster they are every member's, the oldest of the cluster listed (at
// most 1,000).
type LoginPage struct {
	LoginCounts
	Logins []Login `json:"logins"`
	// Unanswered, on a cluster, are the addresses of the members that did
	// not answer within a second (or whose own actors did not answer
	// them): their logins are neither counted nor listed. Absent when
	// every member answered, and on a single node.
	Unanswered []string `json:"unanswered,omitempty"`
}

// LoginCounts counts the logins in flight, in all and in each state.
type LoginCounts struct {
	Total  int            `json:"total"`
	States map[string]int `json:"states"`
}

// The list envelopes: the answers of GET /v1/users, GET
// /v1/users/{name}/tokens, GET /v1/policies and GET /v1/audit.
type (
	UserList struct {
		Users []User `json:"users"`
		// Next, in a search (prefix, after or limit given), is the after
		// of the next page; "" on the last page.
		Next string `json:"next,omitempty"`
	}
	TokenList struct {
		Tokens []Token `json:"tokens"`
	}
	PolicyList struct {
		Policies []Policy `json:"policies"`
	}
	AuditList struct {
		Records []AuditRecord `json:"records"`
		// Next is present when more records match: ?cursor=Next continues.
		Next string `json:"next,omitempty"`
	}
)

// Where a user comes from (User.Source, GET /v1/users?source=).
const (
	SourceLocal     = "local"     // a user only pushauth knows
	SourceDirectory = "directory" // linked to a directory entry
)

// DirectoryUser is what pushauth would use for a directory user (GET
// /v1/directory/users/{name}); never a password.
type DirectoryUser struct {
	Name string `json:"name"`
	DN   string `json:"dn"`
	// ID is the directory's stable id (objectGUID or entryUUID).
	ID string `json:"id"`
	// Groups are the configured groups (directory.ldap.groups) the user
	// is in; Policy is the first one's policy.
	Groups []string `json:"groups"`
	Policy string   `json:"policy,omitempty"`
	// MemberOf is the entry's memberOf, when the directory keeps it.
	MemberOf []string `json:"member_of,omitempty"`
	// Refused is why the directory refuses the account whatever the
	// password (e.g. account-disabled); absent when it does not.
	Refused string `json:"refused,omitempty"`
	// LocalUser is the name of the linked local record; absent when the
	// user has none yet (it is created with their first token).
	LocalUser string `json:"local_user,omitempty"`
}

// ClusterStatus is the answer of GET /v1/cluster: the cluster as the
// answering node sees it (cluster.Status on the server).
type ClusterStatus struct {
	Name    string   `json:"name"`
	Node    string   `json:"node"`
	Address string   `json:"address"`
	Members []string `json:"members"` // addresses of every member, this node included
	// Nodes are the members as each answered the answering node over the
	// cluster, in Members' order; a member that did not answer within a
	// second has Answered false and an Error.
	Nodes []ClusterMember `json:"nodes"`
}

// ClusterMember is one member of a cluster as it reported itself.
type ClusterMember struct {
	Address        string `json:"address"`
	Node           string `json:"node,omitempty"`
	LoginsInFlight int64  `json:"logins_in_flight"`
	Answered       bool   `json:"answered"`
	Error          string `json:"error,omitempty"`
}

// BypassCodeRequest is the body of POST /v1/users/{name}/bypass-codes:
// how many logins the code lets in (1 to 10; 0 → 1) and for how many
// seconds (60 to 604800; 0 → 86400).
type BypassCodeRequest struct {
	Uses         int `json:"uses,omitempty"`
	ValidSeconds int `json:"valid_seconds,omitempty"`
}

// BypassCode is a bypass code of a user (SPEC S3.2). Code is present only
// in the answer that issued it: the server keeps a keyed hash of it.
type BypassCode struct {
	ID        int64     `json:"id"`
	User      string    `json:"user"`
	Code      string    `json:"code,omitempty"`
	UsesLeft  int       `json:"uses_left"`
	ExpiresAt time.Time `json:"expires_at"`
	CreatedAt time.Time `json:"created_at"`
	CreatedBy string    `json:"created_by"`
}

// BypassCodeList is the answer of GET /v1/users/{name}/bypass-codes: the
// codes still usable, without their codes.
type BypassCodeList struct {
	BypassCodes []BypassCode `json:"bypass_codes"`
}

// Admin API token roles.
const (
	RoleAdmin    = "admin"
	RoleHelpdesk = "helpdesk"
	RoleReadonly = "readonly"
)

// AdminTokenRequest is the body of POST /v1/admin-tokens.
type AdminTokenRequest struct {
	Name string `json:"name"`
	Role string `json:"role"`
}

// AdminToken is an admin API token. Token is present only in the answer
// that created it: the server keeps its SHA-256.
type AdminToken struct {
	Name      string    `json:"name"`
	Role      string    `json:"role"`
	Token     string    `json:"token,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	CreatedBy string    `json:"created_by"`
}

// AdminTokenList is the answer of GET /v1/admin-tokens.
type AdminTokenList struct {
	AdminTokens []AdminToken `json:"admin_tokens"`
}

// AuditFilter selects audit records (GET /v1/audit, /v1/audit/users);
// zero fields do not filter.
type AuditFilter struct {
	User   string
	Reason string
	Since  time.Time
	Limit  int
	Kind   string // "login" or "" (the logins), "admin" (operators' changes) or "all"
	// Client, Outcome, Node and Login (a login id) match exactly; Until is
	// exclusive; Cursor is a previous answer's Next.
	Client, Outcome, Node, Login string
	Until                        time.Time
	Cursor                       string
}

// AuditUser is one user's count of matching records (GET /v1/audit/users).
type AuditUser struct {
	User  string    `json:"user"`
	Count int       `json:"count"`
	Last  time.Time `json:"last"`
}

// AuditUserList is GET /v1/audit/users.
type AuditUserList struct {
	Users []AuditUser `json:"users"`
}

// EnrollWindow is a time until which users may enrol their first device
// at /enroll under a policy with self_enrollment_window (pushctl
// enrollment open). Group is "all" or a directory group's DN as
// directory.ldap.groups names it.
type EnrollWindow struct {
	Group string    `json:"group"`
	Until time.Time `json:"until"`
}

// EnrollWindowList is GET /v1/enrollment/windows: the open windows.
type EnrollWindowList struct {
	Windows []EnrollWindow `json:"windows"`
}

// SetEnrollWindowRequest is the body of PUT
// /v1/enrollment/windows/{group}: the window is open until Until.
type SetEnrollWindowRequest struct {
	Until time.Time `json:"until"`
}

// LoginDetail is everything the audit keeps about one login (GET
// /v1/audit/logins/{id}): its records, oldest first, and what they tell.
// The audit keeps one record per finished login, so Steps are read from
// it: when the request came, from which client through which agent, the
// token and push provider used, how long the phone took to answer when
// its answer decided the login (PhoneMS), how it ended and how long the
// whole login took (DurationMS, the wait for the phone included).
type LoginDetail struct {
	LoginID    string        `json:"login_id"`
	User       string        `json:"user"`
	Client     string        `json:"client,omitempty"`
	Agent      string        `json:"agent,omitempty"`
	Token      string        `json:"token,omitempty"`
	Provider   string        `json:"provider,omitempty"`
	Node       string        `json:"node,omitempty"`
	Outcome    string        `json:"outcome"`
	Reason     string        `json:"reason"`
	Reported   bool          `json:"reported,omitempty"`
	Started    time.Time     `json:"started"`
	Finished   time.Time     `json:"finished"`
	DurationMS int64         `json:"duration_ms"`
	PhoneMS    int64         `json:"phone_ms,omitempty"` // as AuditRecord's
	Steps      []LoginStep   `json:"steps"`
	Records    []AuditRecord `json:"records"`
}

// LoginStep is one step of a login as its audit record tells it.
type LoginStep struct {
	Time time.Time `json:"time"`
	What string    `json:"what"`
}

// AuditStreamEvent is the event name of each record on GET
// /v1/audit/stream (server-sent events: "event: audit", "id: ID", "data:"
// the AuditRecord as JSON).
const AuditStreamEvent = "audit"

// Provider is a configured push provider as GET /v1/providers reports it:
// its circuit breaker ("closed", or "open" while pushes skip it) and the
// pushes this node handed it since it started, by result.
type Provider struct {
	Name        string `json:"name"`
	Circuit     string `json:"circuit"`
	PushesOK    int64  `json:"pushes_ok"`
	PushesError int64  `json:"pushes_error"`
}

// ProviderList is GET /v1/providers; Node is the answering node
// (cluster.node, absent on a single node), whose counts they are.
type ProviderList struct {
	Node      string     `json:"node,omitempty"`
	Providers []Provider `json:"providers"`
}

// RadiusClient is a RADIUS client of the configuration (radius.clients)
// as the server applies it now, without its secret.
type RadiusClient struct {
	Name                        string `json:"name"`
	Address                     string `json:"address,omitempty"` // IP or CIDR as configured
	Transport                   string `json:"transport"`         // udp or radsec
	Kind                        string `json:"kind"`              // ddl, eap, isapi, generic
	Policy                      string `json:"policy,omitempty"`
	RequireMessageAuthenticator bool   `json:"require_message_authenticator"`
	AppendMode                  bool   `json:"append_mode"`
	NumberMatching              bool   `json:"number_matching"`
	TLSSubject                  string `json:"tls_subject,omitempty"`
	TLSSAN                      string `json:"tls_san,omitempty"`
	TLSCAFile                   string `json:"tls_ca_file,omitempty"`
}

// RadiusClientList is GET /v1/clients; Source says where they come from
// ("config": the configuration file, reloaded on SIGHUP).
type RadiusClientList struct {
	Source  string         `json:"source"`
	Clients []RadiusClient `json:"clients"`
}

// Stats is GET /v1/stats: the finished logins of the last Window, from
// the audit (every node's), minute by minute, oldest first. A minute
// starts at Start; the last one holds the current minute so far.
type Stats struct {
	From    time.Time      `json:"from"`
	To      time.Time      `json:"to"`
	Totals  map[string]int `json:"totals"` // logins by outcome over the window
	Minutes []StatsMinute  `json:"minutes"`
}

// StatsMinute is one minute of Stats: logins by outcome (accept, reject),
// how many of them the phone answered (approved, denied, wrong number)
// and how long the phone took to answer (the records' phone_ms; their
// duration_ms for records written before phone_ms was kept), to the
// upper bound of the histogram bucket the percentile falls in (absent
// without answers; 120000 also stands for longer).
type StatsMinute struct {
	Start       time.Time      `json:"start"`
	Outcomes    map[string]int `json:"outcomes"`
	Answered    int            `json:"answered"`
	AnswerP50MS int64          `json:"answer_p50_ms,omitempty"`
	AnswerP90MS int64          `json:"answer_p90_ms,omitempty"`
}
