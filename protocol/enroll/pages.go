package enroll

import (
	"bytes"
	"embed"
	"html/template"
	"io/fs"
	"net/http"

	"github.com/pushauth/pushauth/internal/qrpage"
	"github.com/pushauth/pushauth/store"
)

//go:embed web/page.html
var pageHTML string

//go:embed web/static
var staticFiles embed.FS

var page = template.Must(template.New("page").Parse(pageHTML))

// pagePolicy is the pages' Content-Security-Policy: their own style sheet
// and script, data: images (the QR codes), forms to this origin only.
const pagePolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// Views of the page.
const (
	viewSignIn  = "signin"
	viewHome    = "home"
	viewQR      = "qr"
	viewNumber  = "number"
	viewMessage = "message"
)

// pageData is what the page template shows.
type pageData struct {
	View    string
	Title   string
	Message string
	Error   string
	CSRF    string
	User    string
	// home
	Devices       []deviceView
	CanAdd        bool
	CannotAdd     string // why not, when !CanAdd
	CanOTP        bool
	NeedsApproval bool
	// qr
	OTP     bool
	Serial  string
	Link    string // the activation link, or the otpauth:// URI
	QR      template.URL
	Code    string
	Expires string
	// number
	Number int
	State  string
	Kind   string
}

// deviceView is one of the user's tokens on the home view.
type deviceView struct {
	Serial, Kind, Detail string
	Removable            bool
}

// dashboard is the home view of a signed-in user.
func (h *handler) dashboard(r *http.Request, s session) (pageData, error) {
	a, err := h.accountOf(r.Context(), s.User)
	if err != nil {
		return pageData{}, err
	}
	d := pageData{View: viewHome, User: s.User, NeedsApproval: a.devices() > 0}
	d.CanAdd, d.CannotAdd = a.mayAdd(kindApp)
	d.CanOTP, _ = a.mayAdd(kindOTP)
	for _, t := range a.tokens {
		d.Devices = append(d.Devices, deviceView{Serial: t.Serial, Kind: kindName(t), Detail: detail(t), Removable: a.removable(t)})
	}
	return d, nil
}

func kindName(t store.Token) string {
	switch t.Type {
	case store.TokenSoftToken:
		return "pushauth app"
	case store.TokenOATH:
		return "authenticator app or token"
	case store.TokenGridSure:
		return "GridSure pattern"
	case store.TokenOneLogin:
		return "OneLogin Protect"
	}
	return t.Type
}

func detail(t store.Token) string {
	switch {
	case t.Type == store.TokenSoftToken && t.Device == nil:
		return "not activated yet"
	case t.Device != nil:
		return t.Device.Platform + " " + t.Device.OSVersion + ", added " + t.Device.ActivatedAt.UTC().Format("2 Jan 2006")
	}
	return "added " + t.CreatedAt.UTC().Format("2 Jan 2006")
}

// message shows a page with a title and a sentence.
func (h *handler) message(w http.ResponseWriter, r *http.Request, status int, title, msg string) {
	_, signedIn := h.sessionOf(r)
	d := pageData{View: viewMessage, Title: title, Message: msg}
	if signedIn {
		d.User = "signed in"
	}
	h.render(w, r, status, d)
}

// render writes the page with security headers and a CSRF token.
func (h *handler) render(w http.ResponseWriter, r *http.Request, status int, d pageData) {
	d.CSRF = h.csrfToken(w, r)
	if d.View == viewQR && d.Link != "" {
		qr, err := qrpage.DataURL(d.Link)
		if err != nil {
			h.Log.Error().Err(err).Msg("enrolment QR code")
		}
		d.QR = qr
	}
	var b bytes.Buffer
	if err := page.Execute(&b, d); err != nil {
		h.Log.Error().Err(err).Msg("render enrolment page")
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", "text/html; charset=utf-8")
	hd.Set("Content-Security-Policy", pagePolicy)
	hd.Set("Cache-Control", "no-store")
	hd.Set("Referrer-Policy", "no-referrer")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("X-Frame-Options", "DENY")
	w.WriteHeader(status)
	_, _ = w.Write(b.Bytes())
}

// serveStatic serves the page's style sheet and script.
func serveStatic(w http.ResponseWriter, r *http.Request) {
	sub, _ := fs.Sub(staticFiles, "web/static")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "max-age=3600")
	http.ServeFileFS(w, r, sub, r.PathValue("file"))
}
