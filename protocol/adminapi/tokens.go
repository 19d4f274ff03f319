package adminapi

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/pushauth/pushauth/auth"
	"github.com/pushauth/pushauth/protocol/adminapi/apitype"
	"github.com/pushauth/pushauth/store"
)

const (
	maxSerialLen   = 64
	serialAttempts = 3 // generated serials tried before giving up
)

func (s *server) programToken(w http.ResponseWriter, r *http.Request) error {
	var req apitype.ProgramRequest
	if err := decodeBody(r, &req); err != nil {
		return err
	}
	if err := checkProgramRequest(&req); err != nil {
		return err
	}
	u, err := s.tokenUser(r)
	if err != nil {
		return err
	}
	res, err := s.program(r.Context(), u, req)
	if err != nil {
		return err
	}
	s.deps.Log.Info().Str("user", u.Name).Str("serial", res.Serial).Str("type", res.Type).Msg("token programmed")
	return writeJSON(w, http.StatusCreated, res)
}

// checkProgramRequest normalises req and refuses fields of another type.
func checkProgramRequest(req *apitype.ProgramRequest) error {
	req.Type = strings.ToLower(strings.TrimSpace(req.Type))
	req.Algorithm = strings.ToLower(strings.TrimSpace(req.Algorithm))
	switch {
	case req.Type != apitype.TypeOATH && req.Type != apitype.TypeSoftToken && req.Type != apitype.TypeGridSure && req.Type != apitype.TypeOneLogin:
		return badRequest("invalid_token_type", "token type %q is not one of %s, %s, %s, %s",
			req.Type, apitype.TypeOATH, apitype.TypeSoftToken, apitype.TypeGridSure, apitype.TypeOneLogin)
	case (req.OneLoginUser != "" || req.OneLoginDevice != "") && req.Type != apitype.TypeOneLogin:
		return badRequest("invalid_onelogin_user", "onelogin_user and onelogin_device apply to onelogin tokens only")
	case req.Type == apitype.TypeOneLogin && !validOneLoginID(req.OneLoginUser):
		return badRequest("invalid_onelogin_user", "onelogin tokens need onelogin_user: the OneLogin user id (1..64 letters, digits, '-', '_')")
	case req.OneLoginDevice != "" && !validOneLoginID(req.OneLoginDevice):
		return badRequest("invalid_onelogin_device", "onelogin_device must be 1..64 letters, digits, '-', '_'")
	case req.Algorithm != "" && req.Type != apitype.TypeOATH:
		return badRequest("invalid_algorithm", "algorithm applies to oath tokens only")
	case req.Algorithm != "" && req.Algorithm != apitype.AlgorithmTOTP && req.Algorithm != apitype.AlgorithmHOTP:
		return badRequest("invalid_algorithm", "algorithm %q is not one of %s, %s",
			req.Algorithm, apitype.AlgorithmTOTP, apitype.AlgorithmHOTP)
	case req.PIP != "" && req.Type != apitype.TypeGridSure:
		return badRequest("invalid_pip", "pip applies to gridsure tokens only")
	case req.PIP == "" && req.Type == apitype.TypeGridSure:
		return badRequest("invalid_pip", `gridsure tokens need a pip, e.g. "0,6,12,18"`)
	}
	return checkSerial(req.Serial)
}

// checkSerial accepts an empty serial (generated) or 1..64 of A-Z a-z 0-9 . _ -,
// except "." and "..", which cannot be a URL path segment.
func checkSerial(serial string) error {
	switch {
	case len(serial) > maxSerialLen:
		return badRequest("invalid_serial", "serial is longer than %d characters", maxSerialLen)
	case serial == "." || serial == "..":
		return badRequest("invalid_serial", "serial %q cannot be used in a URL path", serial)
	}
	for _, c := range serial {
		ok := c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || strings.ContainsRune("._-", c)
		if !ok {
			return badRequest("invalid_serial", "serial %q may hold only letters, digits, '.', '_' and '-'", serial)
		}
	}
	return nil
}

// program creates the token req asks for and returns its one-time result.
func (s *server) program(ctx context.Context, u *store.User, req apitype.ProgramRequest) (*apitype.ProgramResult, error) {
	switch req.Type {
	case apitype.TypeOATH:
		return s.programOATH(ctx, u, req)
	case apitype.TypeSoftToken:
		return s.programSoftToken(ctx, u, req)
	case apitype.TypeOneLogin:
		return s.linkOneLogin(ctx, u, req)
	}
	return s.programGridSure(ctx, u, req)
}

func (s *server) programOATH(ctx context.Context, u *store.User, req apitype.ProgramRequest) (*apitype.ProgramResult, error) {
	alg := req.Algorithm
	if alg == "" {
		alg = apitype.AlgorithmTOTP
	}
	t, err := s.newOTPToken(u, store.TokenOATH, alg)
	if err != nil {
		return nil, err
	}
	if err := s.createToken(ctx, u, t, req.Serial); err != nil {
		return nil, err
	}
	spec := auth.OTPSpec{Algorithm: t.Algorithm, Digits: t.Digits, Period: t.Period, LastStep: t.LastStep}
	res := programResult(u, t)
	res.OTPAuthURI = auth.OTPAuthURI(s.deps.Issuer, u.Name, t.Seed, spec)
	return res, nil
}

func (s *server) programSoftToken(ctx context.Context, u *store.User, req apitype.ProgramRequest) (*apitype.ProgramResult, error) {
	t, err := s.newOTPToken(u, store.TokenSoftToken, apitype.AlgorithmTOTP)
	if err != nil {
		return nil, err
	}
	t.PushOn = true
	if err := s.createToken(ctx, u, t, req.Serial); err != nil {
		return nil, err
	}
	res := programResult(u, t)
	if err := s.activate(ctx, t.ID, res); err != nil {
		_ = s.deps.Store.DeleteToken(ctx, t.Serial) // best effort: no token that cannot be activated
		return nil, err
	}
	return res, nil
}

// linkOneLogin links the user to a OneLogin Protect device (SPEC S4.2).
func (s *server) linkOneLogin(ctx context.Context, u *store.User, req apitype.ProgramRequest) (*apitype.ProgramResult, error) {
	t := &store.Token{UserID: u.ID, Type: store.TokenOneLogin, PushOn: true, CreatedAt: s.now(),
		OneLoginUser: req.OneLoginUser, OneLoginDevice: req.OneLoginDevice}
	if err := s.createToken(ctx, u, t, req.Serial); err != nil {
		return nil, err
	}
	return programResult(u, t), nil
}

// validOneLoginID accepts OneLogin's numeric or opaque ids.
func validOneLoginID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, c := range id {
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

func (s *server) programGridSure(ctx context.Context, u *store.User, req apitype.ProgramRequest) (*apitype.ProgramResult, error) {
	pip, err := auth.ParsePIP(req.PIP)
	if err != nil {
		return nil, badRequest("invalid_pip", "%v", err)
	}
	t := &store.Token{UserID: u.ID, Type: store.TokenGridSure, Seed: []byte(auth.FormatPIP(pip)), CreatedAt: s.now()}
	if err := s.createToken(ctx, u, t, req.Serial); err != nil {
		return nil, err
	}
	return programResult(u, t), nil
}

// newOTPToken returns an unsaved OTP token with a fresh seed.
func (s *server) newOTPToken(u *store.User, typ, alg string) (*store.Token, error) {
	seed, err := auth.NewSeed()
	if err != nil {
		return nil, err
	}
	t := &store.Token{UserID: u.ID, Type: typ, Algorithm: alg, Digits: auth.DefaultDigits, Seed: seed, CreatedAt: s.now()}
	if alg == apitype.AlgorithmTOTP {
		t.Period = auth.DefaultPeriod
	}
	return t, nil
}

// createToken stores t under serial, or under a generated serial when
// serial is empty (retrying on the unlikely collision).
func (s *server) createToken(ctx context.Context, u *store.User, t *store.Token, serial string) error {
	for attempt := 1; ; attempt++ {
		t.Serial = serial
		if serial == "" {
			t.Serial = newSerial(t.Type)
		}
		err := s.deps.Store.CreateToken(ctx, t)
		switch {
		case err == nil:
			return nil
		case errors.Is(err, store.ErrNotFound):
			return notFound("user_not_found", "user %q not found", u.Name)
		case errors.Is(err, store.ErrExists) && serial != "":
			return conflict("token_exists", "token %q already exists", serial)
		case !errors.Is(err, store.ErrExists) || attempt == serialAttempts:
			return err
		}
	}
}

// newSerial returns e.g. "OATH-1A2B3C4D", "SOFT-…" or "GRID-…".
func newSerial(tokenType string) string {
	prefix := map[string]string{store.TokenOATH: "OATH", store.TokenSoftToken: "SOFT", store.TokenGridSure: "GRID",
		store.TokenOneLogin: "ONELOGIN"}[tokenType]
	return auth.NewSerial(prefix)
}

// activate issues a new activation code for the soft token tokenID, stores
// only its SHA-256 and puts the code, URL and expiry into res.
func (s *server) activate(ctx context.Context, tokenID int64, res *apitype.ProgramResult) error {
	code := auth.NewActivationCode()
	expires := s.now().Add(s.deps.ActivationTTL).UTC()
	a := &store.Activation{CodeHash: auth.ActivationCodeHash(code), TokenID: tokenID, ExpiresAt: expires}
	if err := s.deps.Store.CreateActivation(ctx, a); err != nil {
		return err
	}
	res.ActivationCode, res.ActivationExpiresAt = code, &expires
	if s.deps.DeviceAPIURL != "" {
		res.ActivationURL = s.deps.DeviceAPIURL + "/v1/activate?code=" + url.QueryEscape(code)
	}
	return nil
}

// newActivation issues a fresh code for an existing soft token; the
// previous code stops working.
func (s *server) newActivation(w http.ResponseWriter, r *http.Request) error {
	t, err := s.token(r.Context(), r.PathValue("serial"))
	if err != nil {
		return err
	}
	if t.Type != store.TokenSoftToken {
		return badRequest("not_softtoken", "token %q is a %s token: only soft tokens are activated", t.Serial, t.Type)
	}
	res := programResult(nil, t)
	if err := s.activate(r.Context(), t.ID, res); err != nil {
		return err
	}
	s.noteTokenUser(r, t.UserID)
	s.deps.Log.Info().Str("serial", t.Serial).Msg("activation code issued")
	return writeJSON(w, http.StatusCreated, res)
}

func (s *server) listTokens(w http.ResponseWriter, r *http.Request) error {
	u, err := s.pathUser(r, allowStoredName)
	if err != nil {
		return err
	}
	tokens, err := s.deps.Store.TokensByUser(r.Context(), u.ID)
	if err != nil {
		return err
	}
	out := apitype.TokenList{Tokens: make([]apitype.Token, 0, len(tokens))}
	for i := range tokens {
		out.Tokens = append(out.Tokens, tokenView(&tokens[i]))
	}
	return writeJSON(w, http.StatusOK, out)
}

func (s *server) deleteToken(w http.ResponseWriter, r *http.Request) error {
	serial := r.PathValue("serial")
	if err := s.deps.Store.DeleteToken(r.Context(), serial); err != nil {
		return tokenError(serial, err)
	}
	s.deps.Log.Info().Str("serial", serial).Msg("token deleted")
	return writeNoContent(w)
}

// token returns the token with serial; unknown is a 404.
func (s *server) token(ctx context.Context, serial string) (*store.Token, error) {
	t, err := s.deps.Store.TokenBySerial(ctx, serial)
	if err != nil {
		return nil, tokenError(serial, err)
	}
	return t, nil
}

func tokenError(serial string, err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return notFound("token_not_found", "token %q not found", serial)
	}
	return err
}

// programResult describes t without secrets; u may be nil.
func programResult(u *store.User, t *store.Token) *apitype.ProgramResult {
	res := &apitype.ProgramResult{Serial: t.Serial, Type: t.Type, Algorithm: t.Algorithm, Digits: t.Digits, Period: t.Period}
	if u != nil {
		res.User = u.Name
	}
	return res
}

// tokenView describes t for listings: never its seed or PIP.
func tokenView(t *store.Token) apitype.Token {
	v := apitype.Token{
		Serial:    t.Serial,
		Type:      t.Type,
		Algorithm: t.Algorithm,
		Digits:    t.Digits,
		Period:    t.Period,
		PushOn:    t.PushOn,
		CreatedAt: t.CreatedAt.UTC(),

		OneLoginUser:   t.OneLoginUser,
		OneLoginDevice: t.OneLoginDevice,
	}
	if d := t.Device; d != nil {
		v.Device = &apitype.Device{
			Platform:     d.Platform,
			OSVersion:    d.OSVersion,
			PushKind:     d.PushKind,
			PushDisabled: d.PushDisabled,
			ActivatedAt:  d.ActivatedAt.UTC(),
			LastSeen:     d.LastSeen.UTC(),
		}
	}
	return v
}

// noteTokenUser tells the audit of r's call the name of the user with id
// userID (best effort: the call is audited without it otherwise).
func (s *server) noteTokenUser(r *http.Request, userID int64) {
	users, err := s.deps.Store.ListUsers(r.Context())
	if err != nil {
		return
	}
	for _, u := range users {
		if u.ID == userID {
			noteUser(r, u.Name)
			return
		}
	}
}
