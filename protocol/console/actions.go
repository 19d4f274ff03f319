package console

import (
	"crypto/subtle"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/pushauth/pushauth/internal/qrpage"
	"github.com/pushauth/pushauth/protocol/adminapi/apitype"
)

// actionRoutes serves the changes an operator makes on a user's page
// (tokens, unlock, bypass codes, policy, delete). Each is a POST with
// the session's CSRF token, made through the admin API as the operator:
// the API checks the role, validates and audits. Deleting the user and
// revoking tokens first need a fresh push (reauth.go).
func (c *Console) actionRoutes() {
	for path, h := range map[string]func(http.ResponseWriter, *http.Request, *session){
		"/tokens":                c.programToken,
		"/activation":            c.newActivation,
		"/unlock":                c.unlock,
		"/bypass-codes":          c.issueBypassCode,
		"/bypass-codes/revoke":   c.revokeBypassCode,
		"/policy":                c.setPolicy,
		"/delete":                c.askDeleteUser,
		"/revoke":                c.askRevokeTokens,
		"/confirm/{id}":          c.confirm,
		"/confirm/{id}/passcode": c.confirmPasscode,
	} {
		c.mux.HandleFunc("POST /console/users/{name}"+path, c.action(h))
	}
	c.mux.HandleFunc("GET /console/users/{name}/confirm/{id}/wait", c.signedIn(c.confirmWait))
	c.mux.HandleFunc("GET /console/users/{name}/confirm/{id}/status", c.signedIn(c.confirmStatus))
}

// action serves h to a signed-in operator whose form carries the
// session's CSRF token; anything else is refused before h runs.
func (c *Console) action(h func(http.ResponseWriter, *http.Request, *session)) http.HandlerFunc {
	return c.signedIn(func(w http.ResponseWriter, r *http.Request, s *session) {
		if subtle.ConstantTimeCompare([]byte(r.PostFormValue("csrf")), []byte(s.CSRF)) != 1 {
			http.Error(w, "The form expired or did not come from this console; reload the page.", http.StatusForbidden)
			return
		}
		h(w, r, s)
	})
}

// change makes one call of an action whose answer holds no secret: on
// success the browser goes back to the user's page with the notice done;
// a refusal shows the page with the admin API's message and status.
func (c *Console) change(w http.ResponseWriter, r *http.Request, s *session, method, path string, body any, done string) {
	if err := c.adminCall(r.Context(), s, method, path, body, nil); err != nil {
		c.showUser(w, r, s, err)
		return
	}
	http.Redirect(w, r, userPath(r.PathValue("name"))+"?done="+done, http.StatusSeeOther)
}

func (c *Console) unlock(w http.ResponseWriter, r *http.Request, s *session) {
	c.change(w, r, s, http.MethodPost, apiUserPath(r)+"/unlock", nil, "unlocked")
}

func (c *Console) setPolicy(w http.ResponseWriter, r *http.Request, s *session) {
	c.change(w, r, s, http.MethodPut, apiUserPath(r)+"/policy",
		apitype.SetUserPolicyRequest{Policy: r.PostFormValue("policy")}, "policy")
}

func (c *Console) revokeBypassCode(w http.ResponseWriter, r *http.Request, s *session) {
	c.change(w, r, s, http.MethodDelete, apiUserPath(r)+"/bypass-codes/"+url.PathEscape(r.PostFormValue("id")), nil,
		"bypass-revoked")
}

// secretView is the page that shows a secret once: a new token's QR code
// and activation code, an OTP seed, a bypass code. It is the answer to
// the POST itself (no redirect carries it, no URL or cookie holds it) and
// is not stored (Cache-Control: no-store).
type secretView struct {
	Title   string
	Back    string // the user's page
	Serial  string
	QR      template.URL // data: URL of the PNG
	QRText  string       // what the QR code holds, for copying
	Code    string       // an activation code (grouped by four) or a bypass code
	Secret  string       // an OTP seed in base32, for typing
	Expires string
	Uses    int
	Hint    string
}

// showSecret renders v.
func (c *Console) showSecret(w http.ResponseWriter, s *session, v secretView) {
	c.render(w, "secret", pageData{Session: s, CSRF: s.CSRF, Page: v})
}

// programRequest is the admin API request of the program form.
func programRequest(r *http.Request) apitype.ProgramRequest {
	req := apitype.ProgramRequest{Type: r.PostFormValue("type"), Serial: strings.TrimSpace(r.PostFormValue("serial"))}
	switch req.Type {
	case apitype.AlgorithmTOTP, apitype.AlgorithmHOTP:
		req.Type, req.Algorithm = apitype.TypeOATH, req.Type
	case apitype.TypeGridSure:
		req.PIP = r.PostFormValue("pip")
	}
	return req
}

// programToken programs a soft token, an OTP token or a GridSure token
// and shows what the user needs once: the activation QR code and code,
// or the otpauth QR code.
func (c *Console) programToken(w http.ResponseWriter, r *http.Request, s *session) {
	var res apitype.ProgramResult
	if err := c.adminCall(r.Context(), s, http.MethodPost, apiUserPath(r)+"/tokens", programRequest(r), &res); err != nil {
		c.showUser(w, r, s, err)
		return
	}
	c.showProgrammed(w, r, s, &res)
}

// newActivation issues a new activation code for a soft token.
func (c *Console) newActivation(w http.ResponseWriter, r *http.Request, s *session) {
	var res apitype.ProgramResult
	path := "/v1/tokens/" + url.PathEscape(r.PostFormValue("serial")) + "/activation"
	if err := c.adminCall(r.Context(), s, http.MethodPost, path, nil, &res); err != nil {
		c.showUser(w, r, s, err)
		return
	}
	c.showProgrammed(w, r, s, &res)
}

// showProgrammed shows a programming's one-time result.
func (c *Console) showProgrammed(w http.ResponseWriter, r *http.Request, s *session, res *apitype.ProgramResult) {
	v := secretView{Title: "Token " + res.Serial + " programmed", Back: userPath(r.PathValue("name")), Serial: res.Serial}
	var err error
	switch {
	case res.ActivationCode != "":
		v.Title = "Activate token " + res.Serial
		v.Code = qrpage.GroupByFour(res.ActivationCode)
		v.QRText = res.ActivationURL
		if v.QRText == "" {
			v.QRText = res.ActivationCode
		}
		v.Hint = "Scan the QR code with the pushauth app, or type the code in it. Shown once."
		if res.ActivationExpiresAt != nil {
			v.Expires = res.ActivationExpiresAt.UTC().Format("15:04 UTC on 2 January 2006")
		}
	case res.OTPAuthURI != "":
		v.QRText = res.OTPAuthURI
		v.Secret = otpSecret(res.OTPAuthURI)
		v.Hint = "Scan the QR code with an authenticator app (" + strings.ToUpper(res.Algorithm) +
			"), or type the secret in it. Shown once."
	default:
		v.Hint = "The token is ready; nothing more is shown."
	}
	if v.QRText != "" {
		v.QR, err = qrpage.DataURL(v.QRText)
	}
	if err != nil {
		c.deps.Log.Error().Err(err).Str("serial", res.Serial).Msg("console QR code")
		v.QR = ""
	}
	c.showSecret(w, s, v)
}

// issueBypassCode issues a bypass code and shows it once.
func (c *Console) issueBypassCode(w http.ResponseWriter, r *http.Request, s *session) {
	uses, _ := strconv.Atoi(r.PostFormValue("uses"))         // 0: the API's default
	hours, _ := strconv.Atoi(r.PostFormValue("valid_hours")) // 0: the API's default
	req := apitype.BypassCodeRequest{Uses: uses, ValidSeconds: int((time.Duration(hours) * time.Hour).Seconds())}
	var res apitype.BypassCode
	if err := c.adminCall(r.Context(), s, http.MethodPost, apiUserPath(r)+"/bypass-codes", req, &res); err != nil {
		c.showUser(w, r, s, err)
		return
	}
	c.showSecret(w, s, secretView{Title: "Bypass code for " + res.User, Back: userPath(r.PathValue("name")),
		Code: res.Code, Uses: res.UsesLeft, Expires: res.ExpiresAt.UTC().Format("15:04 UTC on 2 January 2006"),
		Hint: "Give the code to the user by a channel you trust. Shown once."})
}

// otpSecret is the base32 seed of an otpauth URI, grouped by four.
func otpSecret(uri string) string {
	u, err := url.Parse(uri)
	if err != nil {
		return ""
	}
	return qrpage.GroupByFour(u.Query().Get("secret"))
}
