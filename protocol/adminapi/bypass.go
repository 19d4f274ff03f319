package adminapi

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/pushauth/pushauth/auth"
	"github.com/pushauth/pushauth/protocol/adminapi/apitype"
	"github.com/pushauth/pushauth/store"
)

// Bounds of a bypass code's uses and lifetime (SPEC S3.2).
const (
	defaultBypassUses  = 1
	maxBypassUses      = 10
	defaultBypassValid = 24 * time.Hour
	minBypassValid     = time.Minute
	maxBypassValid     = 7 * 24 * time.Hour
)

// issueBypassCode makes a random code for the user (helpdesk): shown in
// this answer only, stored as a keyed hash, never logged.
func (s *server) issueBypassCode(w http.ResponseWriter, r *http.Request) error {
	var req apitype.BypassCodeRequest
	if err := decodeBody(r, &req); err != nil {
		return err
	}
	uses, valid, err := bypassBounds(req)
	if err != nil {
		return err
	}
	u, err := s.pathUser(r, false)
	if err != nil {
		return err
	}
	code, err := auth.NewBypassCode()
	if err != nil {
		return err
	}
	now := s.now()
	c := &store.BypassCode{UserID: u.ID, Code: code, UsesLeft: uses, ExpiresAt: now.Add(valid),
		CreatedAt: now, CreatedBy: callerOf(r).name}
	switch err := s.deps.Store.CreateBypassCode(r.Context(), c); {
	case errors.Is(err, store.ErrTooMany):
		return conflict("too_many_bypass_codes", "user %q already has %d usable bypass codes: revoke one first",
			u.Name, store.MaxBypassCodes)
	case err != nil:
		return userError(u.Name, err)
	}
	s.deps.Log.Info().Str("user", u.Name).Int64("id", c.ID).Int("uses", uses).Time("expires", c.ExpiresAt).
		Msg("bypass code issued")
	v := bypassView(u.Name, c)
	v.Code = code
	return writeJSON(w, http.StatusCreated, v)
}

// bypassBounds checks a request's uses and lifetime.
func bypassBounds(req apitype.BypassCodeRequest) (int, time.Duration, error) {
	uses, valid := req.Uses, time.Duration(req.ValidSeconds)*time.Second
	if uses == 0 {
		uses = defaultBypassUses
	}
	if valid == 0 {
		valid = defaultBypassValid
	}
	if uses < 1 || uses > maxBypassUses {
		return 0, 0, badRequest("invalid_uses", "uses must be 1 to %d", maxBypassUses)
	}
	if valid < minBypassValid || valid > maxBypassValid {
		return 0, 0, badRequest("invalid_valid_seconds", "valid_seconds must be %d to %d",
			int(minBypassValid.Seconds()), int(maxBypassValid.Seconds()))
	}
	return uses, valid, nil
}

// listBypassCodes lists the user's usable codes, without the codes.
func (s *server) listBypassCodes(w http.ResponseWriter, r *http.Request) error {
	u, err := s.pathUser(r, allowStoredName)
	if err != nil {
		return err
	}
	codes, err := s.deps.Store.BypassCodes(r.Context(), u.ID, s.now())
	if err != nil {
		return err
	}
	out := apitype.BypassCodeList{BypassCodes: make([]apitype.BypassCode, 0, len(codes))}
	for i := range codes {
		out.BypassCodes = append(out.BypassCodes, bypassView(u.Name, &codes[i]))
	}
	return writeJSON(w, http.StatusOK, out)
}

// revokeBypassCode deletes one of the user's codes.
func (s *server) revokeBypassCode(w http.ResponseWriter, r *http.Request) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return badRequest("invalid_id", "bypass code id must be a number")
	}
	u, err := s.pathUser(r, allowStoredName)
	if err != nil {
		return err
	}
	if err := s.deps.Store.RevokeBypassCode(r.Context(), u.ID, id); errors.Is(err, store.ErrNotFound) {
		return notFound("bypass_code_not_found", "user %q has no bypass code %d", u.Name, id)
	} else if err != nil {
		return err
	}
	s.deps.Log.Info().Str("user", u.Name).Int64("id", id).Msg("bypass code revoked")
	return writeNoContent(w)
}

func bypassView(user string, c *store.BypassCode) apitype.BypassCode {
	return apitype.BypassCode{ID: c.ID, User: user, UsesLeft: c.UsesLeft, ExpiresAt: c.ExpiresAt.UTC(),
		CreatedAt: c.CreatedAt.UTC(), CreatedBy: c.CreatedBy}
}
