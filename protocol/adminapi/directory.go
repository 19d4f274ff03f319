package adminapi

import (
	"context"
	"errors"
	"net/http"

	"github.com/pushauth/pushauth/auth"
	"github.com/pushauth/pushauth/directory"
	"github.com/pushauth/pushauth/protocol/adminapi/apitype"
	"github.com/pushauth/pushauth/store"
)

// Directory finds users in the directory and links their local records to
// the directory's stable id (SPEC S9.2); *directory.Source is one.
type Directory interface {
	// EnsureUser returns the local record of the directory user name,
	// created or linked now when there is none (directory.ErrNotFound
	// when the directory does not know name).
	EnsureUser(ctx context.Context, name string) (*store.User, *directory.Entry, error)
	// Describe returns name's entry and its linked local record (nil when
	// none), changing nothing.
	Describe(ctx context.Context, name string) (*directory.Entry, *store.User, error)
}

var errNoDirectory = newError(http.StatusServiceUnavailable, "directory_not_configured",
	"no directory is configured (directory.ldap)")

// directoryUser answers GET /v1/directory/users/{name}.
func (s *server) directoryUser(w http.ResponseWriter, r *http.Request) error {
	if s.deps.Directory == nil {
		return errNoDirectory
	}
	name, err := auth.NormalizeUserName(r.PathValue("name"))
	if err != nil {
		return userNameError(err)
	}
	e, u, err := s.deps.Directory.Describe(r.Context(), name)
	if err != nil {
		return directoryError(name, err)
	}
	out := apitype.DirectoryUser{Name: name, DN: e.DN, ID: e.ID, Groups: e.Groups, Policy: e.Policy,
		MemberOf: e.MemberOf, Refused: string(e.Refused)}
	if out.Groups == nil {
		out.Groups = []string{}
	}
	if u != nil {
		out.LocalUser = u.Name
	}
	return writeJSON(w, http.StatusOK, out)
}

// tokenUser is the user a token is programmed for: the local user of the
// path's name or, when there is none and a directory is configured, the
// directory user of that name, whose local record is created (or linked,
// or renamed after the directory) now (SPEC S9.2).
func (s *server) tokenUser(r *http.Request) (*store.User, error) {
	u, err := s.pathUser(r, validNameOnly)
	var ae *apiError
	if s.deps.Directory == nil || !errors.As(err, &ae) || ae.code != "user_not_found" {
		return u, err
	}
	name, _ := auth.NormalizeUserName(r.PathValue("name")) // valid: pathUser got that far
	u, _, err = s.deps.Directory.EnsureUser(r.Context(), name)
	if err != nil {
		return nil, directoryError(name, err)
	}
	return u, nil
}

// directoryError maps the directory's errors to API errors.
func directoryError(name string, err error) error {
	switch {
	case errors.Is(err, directory.ErrNotFound):
		return notFound("user_not_found", "user %q not found locally nor in the directory", name)
	case errors.Is(err, auth.ErrDirectoryUnavailable):
		return newError(http.StatusServiceUnavailable, "directory_unavailable", "the directory cannot be reached: %v", err)
	case errors.Is(err, directory.ErrLinkConflict):
		return conflict("directory_link_conflict",
			"the local user %q is linked to another directory entry; delete it to enrol the directory's %q", name, name)
	case errors.Is(err, store.ErrExists):
		return conflict("user_exists", "cannot link directory user %q: a local user already has that name or directory id", name)
	}
	return err
}

// sourceOf says where a user comes from.
func sourceOf(u *store.User) string {
	if u.DirectoryID != "" {
		return apitype.SourceDirectory
	}
	return apitype.SourceLocal
}
