package adminapi

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"regexp"

	"github.com/pushauth/pushauth/protocol/adminapi/apitype"
	"github.com/pushauth/pushauth/store"
)

// tokenChars is the length of a created token after its prefix: 32 random
// bytes (256 bits) in unpadded base64url.
const tokenChars = 43

// tokenName is what an admin token may be called; the configured token's
// name (BootstrapTokenName) has a dot, so no created token can take it.
var tokenName = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,63}$`)

// createAdminToken makes a token with a role (admin only): shown in this
// answer only, stored as its SHA-256, never logged.
func (s *server) createAdminToken(w http.ResponseWriter, r *http.Request) error {
	var req apitype.AdminTokenRequest
	if err := decodeBody(r, &req); err != nil {
		return err
	}
	if !tokenName.MatchString(req.Name) {
		return badRequest("invalid_name", "an admin token's name is 1 to 64 of a-z, 0-9, '_' and '-', starting with a letter or digit")
	}
	if parseRole(req.Role) == 0 {
		return badRequest("invalid_role", "role must be admin, helpdesk or readonly")
	}
	raw := make([]byte, 32)
	_, _ = rand.Read(raw) // never fails (crypto/rand)
	token := tokenPrefix + base64.RawURLEncoding.EncodeToString(raw)
	sum := sha256.Sum256([]byte(token))
	t := &store.AdminToken{Name: req.Name, Role: req.Role, Hash: sum[:], CreatedAt: s.now(), CreatedBy: callerOf(r).name}
	if err := s.deps.Store.CreateAdminToken(r.Context(), t); errors.Is(err, store.ErrExists) {
		return conflict("admin_token_exists", "an admin token called %q exists", req.Name)
	} else if err != nil {
		return err
	}
	s.deps.Log.Info().Str("name", t.Name).Str("role", t.Role).Msg("admin token created")
	v := adminTokenView(t)
	v.Token = token
	return writeJSON(w, http.StatusCreated, v)
}

func (s *server) listAdminTokens(w http.ResponseWriter, r *http.Request) error {
	tokens, err := s.deps.Store.ListAdminTokens(r.Context())
	if err != nil {
		return err
	}
	out := apitype.AdminTokenList{AdminTokens: make([]apitype.AdminToken, 0, len(tokens))}
	for i := range tokens {
		out.AdminTokens = append(out.AdminTokens, adminTokenView(&tokens[i]))
	}
	return writeJSON(w, http.StatusOK, out)
}

// deleteAdminToken revokes a token: the next request with it, on any
// node, gets 401.
func (s *server) deleteAdminToken(w http.ResponseWriter, r *http.Request) error {
	name := r.PathValue("name")
	if err := s.deps.Store.DeleteAdminToken(r.Context(), name); errors.Is(err, store.ErrNotFound) {
		return notFound("admin_token_not_found", "no admin token called %q", name)
	} else if err != nil {
		return err
	}
	s.deps.Log.Info().Str("name", name).Msg("admin token revoked")
	return writeNoContent(w)
}

func adminTokenView(t *store.AdminToken) apitype.AdminToken {
	return apitype.AdminToken{Name: t.Name, Role: t.Role, CreatedAt: t.CreatedAt.UTC(), CreatedBy: t.CreatedBy}
}
