// Package config loads pushauth's configuration: one YAML file plus
// PUSHAUTH_* environment overrides, validated as SPEC S1 describes.
package config

import (
	"net/netip"
	"time"

	"github.com/pushauth/pushauth/protocol/radius/radattr"
)

// Defender-compatible defaults (SPEC S1.1, S1.2).
const (
	DefaultNotificationTimeout = 30 * time.Second
	MinNotificationTimeout     = 1
	MaxNotificationTimeout     = 30
)

// Client kinds (SPEC S0).
const (
	KindDDL     = "ddl"
	KindEAP     = "eap"
	KindISAPI   = "isapi"
	KindGeneric = "generic"
)

// Config is the whole server configuration after loading and validation.
type Config struct {
	// File is the path the config was read from ("" for embedded defaults).
	File string
	// NotificationTimeout is how long a login waits for the phone (S1.1).
	NotificationTimeout time.Duration
	// PushOff disables every push when true (S1.2).
	PushOff bool
	// Offline disables push: logins go to the next action at once (S1.4).
	Offline bool
	// DataDir holds the SQLite database and the server key.
	DataDir string
	// ServerKey, when set, is the 32-byte key sealing secrets at rest
	// (base64 in the file as `server_key`); else it lives in DataDir.
	ServerKey []byte
	Radius    Radius
	AdminAPI  AdminAPI
	Console   Console
	DeviceAPI DeviceAPI
	Log       Log
	Passwords Passwords
	Directory Directory
	Providers Providers
	Metrics   Metrics
	Cluster   Cluster
	Store     Store
	EAP       EAP // network logins over EAP (SPEC S8); off without eap.cert_file

	source source // where each value came from, for Problem and Caution
}

// Problem is a FieldError about key found after loading (a file the
// config names that does not load, say), placed like the errors of
// loading: the file as given and the key's line and column, or the
// environment variable that set it.
func (c *Config) Problem(key, msg string) FieldError {
	return c.source.fieldError(key, msg)
}

// Caution is a Warning about key found after loading, placed like
// Problem. value may be empty.
func (c *Config) Caution(key, value, msg string) Warning {
	return c.source.warning(key, value, msg, false)
}

// Radius is the RADIUS front end.
type Radius struct {
	Listen string // default "127.0.0.1:1812"
	// Clients are the NAS/agents allowed to talk to the server.
	Clients []Client
	// MaxInFlight bounds requests held in processing (default 262144).
	MaxInFlight int
	// ReplyCacheTTL is how long a sent reply is kept for retransmissions (default 30s).
	ReplyCacheTTL time.Duration
	// ChallengeTimeout is how long a challenged login waits for an answer (default 120s).
	ChallengeTimeout time.Duration
	// TLS is the RadSec listener (`radius.tls`).
	TLS RadSec

	// Dictionaries are FreeRADIUS-format vendor dictionary files whose
	// attributes policies may send in their Access-Accepts (reply
	// attributes), besides the built-in RFC ones.
	Dictionaries []string

	dictionary *radattr.Dictionary // Dictionaries loaded; see Dictionary
}

// Dictionary is the RADIUS dictionary the policies' reply attributes are
// written in: the built-in RFC attributes and radius.dictionaries, loaded
// (and so checked) when the configuration was.
func (r Radius) Dictionary() *radattr.Dictionary {
	if r.dictionary == nil {
		return radattr.Builtin()
	}
	return r.dictionary
}

// Client is one RADIUS client entry.
type Client struct {
	Name    string
	Address string // IP or CIDR as written
	Secret  string
	Kind    string // ddl | eap | isapi | generic (default generic)
	// RequireMessageAuthenticator defaults to true.
	RequireMessageAuthenticator bool
	Policy                      string // security policy name; "" = the default policy
	// AppendMode accepts "password,passcode" and "password,push" in one
	// password field (SPEC S8.3; `append_mode`, default false).
	AppendMode bool
	// NumberMatching asks for number matching (SPEC S10.3) on every login
	// through this client, whatever its policy says (`number_matching`,
	// default true for kind isapi, false otherwise).
	NumberMatching bool
	// A RadSec client (IsTLS) is identified by its certificate: its
	// subject Common Name (`tls_subject`), a subjectAltName entry
	// (`tls_san`), and the CA it chains to (`tls_ca_file`, else
	// radius.tls.ca_file). Its Address is then optional and, when set,
	// limits where its connections may come from; its Secret defaults to
	// "radsec".
	TLSSubject string
	TLSSAN     string
	TLSCAFile  string

	prefix netip.Prefix // Address parsed at load time; see Prefix
}

// AdminAPI is the operator HTTP API.
type AdminAPI struct {
	Listen    string // default "127.0.0.1:8443"
	Token     string // bearer token (from `token` or read from `token_file`)
	TokenFile string // as written; relative paths are relative to the working directory
	// PublicHealth serves /healthz and /readyz without the token
	// (`public_health`, default false).
	PublicHealth bool
}

// DeviceAPI is the HTTP API phones use.
type DeviceAPI struct {
	Listen    string // default "127.0.0.1:8080"
	PublicURL string // base URL put in activation links, no trailing slash; default http(s)://<listen>
	CertFile  string // TLS when both are set
	KeyFile   string
	// MaxConnections caps the connections open at once; 0 (the default)
	// derives the cap from RLIMIT_NOFILE (server/http.go).
	MaxConnections int
	// MaxConnectionsPerAddress caps the connections open at once from one
	// client address (an IPv6 /64); 0 turns the cap off. Default 64.
	MaxConnectionsPerAddress int
	// Enrollment serves the self-service enrolment pages at /enroll
	// (default true; docs/operations.md "Rolling out"). Off, users can
	// enrol nothing themselves and new_user: enroll acts as reject.
	Enrollment bool
}

// Log configures zerolog.
type Log struct {
	Level  string // debug | info | warn | error (default info)
	Format string // json | console | auto (default auto: console on a TTY)
}

// Passwords tunes the argon2id hashes created for new passwords.
type Passwords struct {
	Argon2MemoryKiB uint32 // default 19456
	Argon2Time      uint32 // default 2
	Argon2Threads   uint8  // default 1
	// MaxConcurrent bounds password verifications running at once (default 2×CPU).
	MaxConcurrent int
	// Source is where passwords are checked: local (default), directory
	// or local_then_directory (SPEC S9.1).
	Source string
}
