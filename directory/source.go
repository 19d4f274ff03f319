package directory

import (
	"context"
	"errors"
	"fmt"

	"github.com/rs/zerolog"

	"github.com/pushauth/pushauth/auth"
	"github.com/pushauth/pushauth/store"
)

// ReasonLinkConflict is the audit reason when the local user of the login
// name is linked to another directory entry (the name now belongs to
// someone else): that record's tokens are not used.
const ReasonLinkConflict = auth.ReasonDirectoryLinkConflict

// ErrLinkConflict means the local user of that name is linked to another
// directory entry.
var ErrLinkConflict = errors.New("the local user of that name is linked to another directory entry")

// Users is the part of the store a Source uses; store.Store is one.
type Users interface {
	UserByName(ctx context.Context, name string) (*store.User, error)
	UserByDirectoryID(ctx context.Context, directoryID string) (*store.User, error)
	SetDirectoryID(ctx context.Context, name, directoryID string) error
	RenameUser(ctx context.Context, oldName, newName string) error
	CreateUser(ctx context.Context, u *store.User) error
}

// Source is the directory as the password source of logins
// (passwords.source: directory, SPEC S9): Identify finds the entry and the
// local record linked to its stable id, Check binds as the entry.
type Source struct {
	dir   *Directory
	users Users
	log   zerolog.Logger
}

// NewSource returns the directory password source.
func NewSource(dir *Directory, users Users, log zerolog.Logger) *Source {
	return &Source{dir: dir, users: users, log: log}
}

// Directory is the directory the source asks.
func (s *Source) Directory() *Directory { return s.dir }

// Identify finds name in the directory and the local record linked to the
// entry's stable id, whatever that record's name (a renamed user keeps
// their tokens). An unlinked local record of the same name is linked now;
// none is created (a user without a record has no token anyway). A name
// the directory does not know is an Identity without DN, not an error.
func (s *Source) Identify(ctx context.Context, name string) (*auth.Identity, error) {
	e, err := s.dir.Lookup(ctx, name)
	if errors.Is(err, ErrNotFound) {
		return &auth.Identity{Source: auth.SourceDirectory}, nil
	}
	if err != nil {
		return nil, err
	}
	id := &auth.Identity{Source: auth.SourceDirectory, DN: e.DN, GroupPolicy: e.Policy, Groups: e.Groups, Refused: e.Refused}
	id.User, err = s.linked(ctx, name, e, false)
	if errors.Is(err, ErrLinkConflict) {
		s.log.Warn().Str("user", name).Msg("the local user of this name is linked to another directory entry; " +
			"its tokens are not used (delete the local user to enrol the new one)")
		id.Refused = ReasonLinkConflict
		return id, nil
	}
	return id, err
}

// Check binds as the identity's entry (SPEC S9.1). An account the
// directory refuses by its attributes still costs a bind, as an unknown
// entry, so that it looks like a wrong password from outside.
func (s *Source) Check(ctx context.Context, id *auth.Identity, password string) (auth.Reason, error) {
	if id.Refused != "" {
		if _, err := s.dir.CheckPassword(ctx, "", password); err != nil {
			return "", err
		}
		return id.Refused, nil
	}
	return s.dir.CheckPassword(ctx, id.DN, password)
}

// EnsureUser returns the local record of the directory user name for an
// operator's call (programming a token): the record linked to the entry's
// stable id, renamed to name when the directory renamed the user; else an
// unlinked record called name, linked now; else a new record, created now
// (SPEC S9.2). ErrNotFound when the directory does not know name.
func (s *Source) EnsureUser(ctx context.Context, name string) (*store.User, *Entry, error) {
	e, err := s.dir.Lookup(ctx, name)
	if err != nil {
		return nil, nil, err
	}
	u, err := s.linked(ctx, name, e, true)
	return u, e, err
}

// Describe returns name's entry and the local record linked to it (nil
// when none), changing nothing.
func (s *Source) Describe(ctx context.Context, name string) (*Entry, *store.User, error) {
	e, err := s.dir.Lookup(ctx, name)
	if err != nil {
		return nil, nil, err
	}
	u, err := s.users.UserByDirectoryID(ctx, e.ID)
	if errors.Is(err, store.ErrNotFound) {
		return e, nil, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("local user of directory id %s: %w", e.ID, err)
	}
	return e, u, nil
}

// linked finds (or, with create, makes) the local record of entry e,
// which the directory found for name. Only an operator's call (create)
// renames a record found by id under an older name.
func (s *Source) linked(ctx context.Context, name string, e *Entry, create bool) (*store.User, error) {
	u, err := s.users.UserByDirectoryID(ctx, e.ID)
	switch {
	case err == nil && create && u.Name != name:
		return s.rename(ctx, u, name)
	case err == nil:
		return u, nil
	case !errors.Is(err, store.ErrNotFound):
		return nil, fmt.Errorf("local user of directory id %s: %w", e.ID, err)
	}
	u, err = s.users.UserByName(ctx, name)
	switch {
	case err == nil && u.DirectoryID == "":
		return s.link(ctx, u, e.ID)
	case err == nil:
		return nil, ErrLinkConflict
	case !errors.Is(err, store.ErrNotFound):
		return nil, fmt.Errorf("look up user: %w", err)
	case !create:
		return nil, nil
	}
	return s.create(ctx, name, e.ID)
}

func (s *Source) link(ctx context.Context, u *store.User, id string) (*store.User, error) {
	if err := s.users.SetDirectoryID(ctx, u.Name, id); err != nil {
		return nil, err
	}
	u.DirectoryID = id
	s.log.Info().Str("user", u.Name).Str("directory_id", id).Msg("local user linked to its directory entry")
	return u, nil
}

func (s *Source) rename(ctx context.Context, u *store.User, name string) (*store.User, error) {
	if err := s.users.RenameUser(ctx, u.Name, name); err != nil {
		return nil, err
	}
	s.log.Info().Str("user", name).Str("old_name", u.Name).Str("directory_id", u.DirectoryID).
		Msg("local user renamed after its directory entry")
	u.Name = name
	return u, nil
}

func (s *Source) create(ctx context.Context, name, id string) (*store.User, error) {
	u := &store.User{Name: name, DirectoryID: id}
	if err := s.users.CreateUser(ctx, u); err != nil {
		return nil, err
	}
	s.log.Info().Str("user", name).Str("directory_id", id).Msg("local user created for a directory user")
	return u, nil
}

// LocalThenDirectory is passwords.source local_then_directory: a user
// whose local record has a password (and is not linked to the directory)
// is checked locally; everyone else in the directory.
type LocalThenDirectory struct {
	local *auth.LocalSource
	dir   *Source
}

// NewLocalThenDirectory combines the two sources.
func NewLocalThenDirectory(local *auth.LocalSource, dir *Source) *LocalThenDirectory {
	return &LocalThenDirectory{local: local, dir: dir}
}

// Identify prefers a local record with a password of its own.
func (s *LocalThenDirectory) Identify(ctx context.Context, name string) (*auth.Identity, error) {
	id, err := s.local.Identify(ctx, name)
	if err != nil {
		return nil, err
	}
	if u := id.User; u != nil && u.PasswordHash != "" && u.DirectoryID == "" {
		return id, nil
	}
	return s.dir.Identify(ctx, name)
}

// Check asks the source that identified the user.
func (s *LocalThenDirectory) Check(ctx context.Context, id *auth.Identity, password string) (auth.Reason, error) {
	if id.Source == auth.SourceLocal {
		return s.local.Check(ctx, id, password)
	}
	return s.dir.Check(ctx, id, password)
}
