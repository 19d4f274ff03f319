package auth

import (
	"context"
	"errors"
	"fmt"

	"github.com/pushauth/pushauth/store"
)

// Where a login's password is checked (config passwords.source decides,
// per user for local_then_directory).
const (
	SourceLocal     = "local"     // the argon2id hash in the user's record
	SourceDirectory = "directory" // an LDAP bind as the user's directory entry (SPEC S9.1)
)

// ErrDirectoryUnavailable means no directory server could answer: the
// login is rejected with reason directory-unavailable, never accepted
// (SPEC S9.1). Password sources wrap it; test with errors.Is.
var ErrDirectoryUnavailable = errors.New("directory unavailable")

// Identity is who a login's user name names, as a password source found
// it: the local record (tokens, policy, lockout counters) and, for a
// directory user, the entry whose password decides.
type Identity struct {
	// User is the local record; nil when there is none.
	User *store.User
	// Source is where the password is checked: SourceLocal or
	// SourceDirectory.
	Source string
	// DN is the user's directory entry; empty when the directory does not
	// know the user (or for a local source).
	DN string
	// GroupPolicy is the policy that the user's directory group membership
	// selects (first match in the configured order); empty when none.
	GroupPolicy string
	// Groups are the configured directory groups (directory.ldap.groups
	// DNs) the user is a member of, in configuration order.
	Groups []string
	// Refused is the audit reason when the directory refuses the account
	// whatever the password (e.g. account-disabled); empty otherwise.
	Refused Reason
	// Tokens are the user's tokens when the source read them with the
	// user (TokensRead), so the login need not read them again.
	Tokens     []store.Token
	TokensRead bool
}

// Unusable returns the audit reason a login of this identity fails with
// whatever its password, or "" when the user can go on to the second
// factor: unknown-user (known neither locally nor to the directory), the
// directory's refusal, or no-token (a directory user without a local
// record has never been given a token).
func (id *Identity) Unusable() Reason {
	switch {
	case id.User == nil && id.DN == "":
		return ReasonUnknownUser
	case id.Refused != "":
		return id.Refused
	case id.User == nil:
		return ReasonNoToken
	}
	return ""
}

// PolicyName is the policy the user's record names, else the one the
// directory groups select ("" = the client's or the default policy).
func (id *Identity) PolicyName() string {
	if id.User != nil && id.User.Policy != "" {
		return id.User.Policy
	}
	return id.GroupPolicy
}

// UserFinder finds local user records; store.Store is one.
type UserFinder interface {
	UserByName(ctx context.Context, name string) (*store.User, error)
}

// userTokensFinder is a UserFinder that reads the user's tokens in the
// same query (every store.Store does).
type userTokensFinder interface {
	UserWithTokens(ctx context.Context, name string) (*store.User, []store.Token, error)
}

// LocalSource checks passwords against the argon2id hashes in the users'
// own records (passwords.source: local).
type LocalSource struct {
	users     UserFinder
	passwords *Passwords
}

// NewLocalSource returns the local password source.
func NewLocalSource(users UserFinder, passwords *Passwords) *LocalSource {
	return &LocalSource{users: users, passwords: passwords}
}

// Identify finds the local record called name; an unknown name is an
// Identity without a User, not an error.
func (s *LocalSource) Identify(ctx context.Context, name string) (*Identity, error) {
	id := &Identity{Source: SourceLocal}
	var err error
	if f, ok := s.users.(userTokensFinder); ok {
		id.User, id.Tokens, err = f.UserWithTokens(ctx, name)
		id.TokensRead = err == nil
	} else {
		id.User, err = s.users.UserByName(ctx, name)
	}
	if errors.Is(err, store.ErrNotFound) {
		return &Identity{Source: SourceLocal}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("look up user: %w", err)
	}
	return id, nil
}

// Check verifies password against the user's hash. An unknown user (or one
// without a password) is checked against a dummy hash, so that it costs
// what a wrong password costs (SPEC S2.2). It returns "" when the password
// is right, else unknown-user or bad-password.
func (s *LocalSource) Check(ctx context.Context, id *Identity, password string) (Reason, error) {
	hash := ""
	if id.User != nil {
		hash = id.User.PasswordHash
	}
	ok, err := s.passwords.Verify(ctx, hash, password)
	switch {
	case err != nil:
		return "", fmt.Errorf("verify password: %w", err)
	case id.User == nil:
		return ReasonUnknownUser, nil
	case !ok:
		return ReasonBadPassword, nil
	}
	return "", nil
}
