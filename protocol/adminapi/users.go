package adminapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"unicode"
	"unicode/utf8"

	"github.com/pushauth/pushauth/auth"
	"github.com/pushauth/pushauth/protocol/adminapi/apitype"
	"github.com/pushauth/pushauth/store"
)

// Input limits. RADIUS carries at most 128 bytes of User-Password (RFC
// 2865), so longer ones could never log in; user names are checked by
// auth.NormalizeUserName, other names by checkName.
const (
	maxNameLen     = 253
	maxPasswordLen = 128
)

func (s *server) createUser(w http.ResponseWriter, r *http.Request) error {
	var req apitype.CreateUserRequest
	if err := decodeBody(r, &req); err != nil {
		return err
	}
	name, err := auth.NormalizeUserName(req.Name)
	if err != nil {
		return userNameError(err)
	}
	hash, err := s.hashPassword(req.Password)
	if err != nil {
		return err
	}
	noteUser(r, name)
	u := &store.User{Name: name, PasswordHash: hash, CreatedAt: s.now()}
	if err := s.deps.Store.CreateUser(r.Context(), u); err != nil {
		if errors.Is(err, store.ErrExists) {
			return conflict("user_exists", "user %q already exists", name)
		}
		return err
	}
	s.deps.Log.Info().Str("user", u.Name).Bool("password", hash != "").Msg("user created")
	return writeJSON(w, http.StatusCreated, s.userView(u))
}

// hashPassword returns the PHC hash of password, or "" for no password.
func (s *server) hashPassword(password string) (string, error) {
	if password == "" {
		return "", nil
	}
	if len(password) > maxPasswordLen {
		return "", badRequest("invalid_password", "password is longer than %d bytes", maxPasswordLen)
	}
	hash, err := s.deps.Passwords.Hash(password)
	if err != nil {
		return "", fmt.Errorf("hash password: %w", err)
	}
	return hash, nil
}

// listUsers lists every user, or with ?source=local|directory only those
// only pushauth knows or those linked to a directory entry.
func (s *server) listUsers(w http.ResponseWriter, r *http.Request) error {
	if q := r.URL.Query(); q.Has("prefix") || q.Has("after") || q.Has("limit") {
		return s.searchUsers(w, r)
	}
	source := r.URL.Query().Get("source")
	if source != "" && source != apitype.SourceLocal && source != apitype.SourceDirectory {
		return badRequest("invalid_source", "source %q: want %s or %s", source, apitype.SourceLocal, apitype.SourceDirectory)
	}
	users, err := s.deps.Store.ListUsers(r.Context())
	if err != nil {
		return err
	}
	out := apitype.UserList{Users: make([]apitype.User, 0, len(users))}
	for i := range users {
		if source == "" || sourceOf(&users[i]) == source {
			out.Users = append(out.Users, s.userView(&users[i]))
		}
	}
	return writeJSON(w, http.StatusOK, out)
}

func (s *server) getUser(w http.ResponseWriter, r *http.Request) error {
	u, err := s.pathUser(r, allowStoredName)
	if err != nil {
		return err
	}
	v := s.userView(u)
	until, reason, err := s.deps.Store.PushSuspension(r.Context(), u.Name)
	if err != nil {
		return fmt.Errorf("push suspension of %s: %w", u.Name, err)
	}
	if until.After(s.now()) {
		t := until.UTC()
		v.PushSuspendedUntil, v.PushSuspendedReason = &t, reason
	}
	return writeJSON(w, http.StatusOK, v)
}

func (s *server) deleteUser(w http.ResponseWriter, r *http.Request) error {
	u, err := s.pathUser(r, allowStoredName)
	if err != nil {
		return err
	}
	if err := s.deps.Store.DeleteUser(r.Context(), u.Name); err != nil {
		return userError(u.Name, err)
	}
	s.deps.Log.Info().Str("user", u.Name).Msg("user deleted")
	return writeNoContent(w)
}

func (s *server) setPassword(w http.ResponseWriter, r *http.Request) error {
	var req apitype.SetPasswordRequest
	if err := decodeBody(r, &req); err != nil {
		return err
	}
	u, err := s.pathUser(r, validNameOnly)
	if err != nil {
		return err
	}
	hash, err := s.hashPassword(req.Password)
	if err != nil {
		return err
	}
	if err := s.deps.Store.SetPassword(r.Context(), u.Name, hash); err != nil {
		return userError(u.Name, err)
	}
	s.deps.Log.Info().Str("user", u.Name).Bool("password", hash != "").Msg("user password set")
	return writeNoContent(w)
}

// setUserPolicy names the user's policy. The policy must exist (or be the
// built-in default), so that a typo cannot silently mean the default.
func (s *server) setUserPolicy(w http.ResponseWriter, r *http.Request) error {
	var req apitype.SetUserPolicyRequest
	if err := decodeBody(r, &req); err != nil {
		return err
	}
	ctx := r.Context()
	u, err := s.pathUser(r, validNameOnly)
	if err != nil {
		return err
	}
	if err := s.checkPolicyExists(ctx, req.Policy); err != nil {
		return err
	}
	if err := s.deps.Store.SetUserPolicy(ctx, u.Name, req.Policy); err != nil {
		return userError(u.Name, err)
	}
	s.deps.Log.Info().Str("user", u.Name).Str("policy", req.Policy).Msg("user policy set")
	if u, err = s.user(ctx, u.Name); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, s.userView(u))
}

// checkPolicyExists accepts "" (no policy) and known policies.
func (s *server) checkPolicyExists(ctx context.Context, name string) error {
	if name == "" {
		return nil
	}
	p, _, err := s.lookupPolicy(ctx, name)
	if err == nil && p == nil {
		err = policyNotFound(name)
	}
	return err
}

// Whether pathUser accepts a name auth.NormalizeUserName refuses.
const (
	validNameOnly   = false // creating or changing something: refused names are a 400
	allowStoredName = true  // reading or deleting: also a user stored under exactly that name
)

// pathUser returns the user named by the request's {name} path segment,
// in any case ("ALICE" finds alice: SPEC S4.6). The name is normalized
// with auth.NormalizeUserName and a refused name is a 400, except with
// allowStoredName when a user was stored under that name before the rules
// existed: such a user can still be seen and deleted, never given a
// password, policy or token. Unknown is a 404.
func (s *server) pathUser(r *http.Request, allowStored bool) (*store.User, error) {
	ctx, raw := r.Context(), r.PathValue("name")
	name, err := auth.NormalizeUserName(raw)
	if err != nil {
		if !allowStored {
			return nil, userNameError(err)
		}
		u, lookupErr := s.deps.Store.UserByName(ctx, raw)
		if errors.Is(lookupErr, store.ErrNotFound) {
			return nil, userNameError(err)
		}
		return u, lookupErr
	}
	u, err := s.deps.Store.UserByName(ctx, name)
	if errors.Is(err, store.ErrNotFound) && name != raw {
		u, err = s.deps.Store.UserByName(ctx, raw)
	}
	if err != nil {
		return nil, userError(name, err)
	}
	return u, nil
}

// userNameError makes a 400 of a name auth.NormalizeUserName refused; its
// message names the problem (and escapes the name).
func userNameError(err error) error {
	var ne *auth.UserNameError
	if errors.As(err, &ne) {
		return badRequest("invalid_name", "%s", ne.Error())
	}
	return err
}

// user returns the named user; unknown is a 404.
func (s *server) user(ctx context.Context, name string) (*store.User, error) {
	u, err := s.deps.Store.UserByName(ctx, name)
	if err != nil {
		return nil, userError(name, err)
	}
	return u, nil
}

// userError maps store.ErrNotFound to a 404 naming the user.
func userError(name string, err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return notFound("user_not_found", "user %q not found", name)
	}
	return err
}

// userView shows u; LockedUntil only while the user is locked.
func (s *server) userView(u *store.User) apitype.User {
	v := apitype.User{
		Name:        u.Name,
		Policy:      u.Policy,
		HasPassword: u.PasswordHash != "",
		Source:      sourceOf(u),
		DirectoryID: u.DirectoryID,
		Failures:    u.Failures,
		CreatedAt:   u.CreatedAt.UTC(),
	}
	if u.LockedUntil.After(s.now()) {
		t := u.LockedUntil.UTC()
		v.LockedUntil = &t
	}
	return v
}

// checkName accepts 1..253 bytes of valid UTF-8 without control characters
// or surrounding spaces.
func checkName(what, name string) error {
	switch {
	case name == "":
		return badRequest("invalid_name", "%s is empty", what)
	case len(name) > maxNameLen:
		return badRequest("invalid_name", "%s is longer than %d bytes", what, maxNameLen)
	case !utf8.ValidString(name):
		return badRequest("invalid_name", "%s is not valid UTF-8", what)
	case unicode.IsSpace(firstRune(name)) || unicode.IsSpace(lastRune(name)):
		return badRequest("invalid_name", "%s %q starts or ends with a space", what, name)
	}
	for _, c := range name {
		if unicode.IsControl(c) {
			return badRequest("invalid_name", "%s %q contains a control character", what, name)
		}
	}
	return nil
}

func firstRune(s string) rune { r, _ := utf8.DecodeRuneInString(s); return r }
func lastRune(s string) rune  { r, _ := utf8.DecodeLastRuneInString(s); return r }
