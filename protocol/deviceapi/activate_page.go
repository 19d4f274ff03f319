package deviceapi

import (
	"bytes"
	"context"
	_ "embed" // the activation page template
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/pushauth/pushauth/internal/qrpage"
	"github.com/pushauth/pushauth/protocol/deviceapi/webapp"
	"github.com/pushauth/pushauth/store"
)

//go:embed activate_page.html
var activatePageHTML string

// activatePage is the page a browser gets for an activation link.
var activatePage = template.Must(template.New("activate").Parse(activatePageHTML))

// activatePagePolicy allows the page's inline style and data: image only
// (its links to the app are plain navigations).
const activatePagePolicy = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

type activatePageData struct {
	Title   string
	Message string
	QR      template.URL // data: URL of the PNG
	Code    string       // grouped by four for typing
	Expires string
	AppLink string // the app, on its add screen with this code
	AppHome string // the app's page
}

// wantsHTML tells whether the request comes from a browser that asked for
// a page (Accept names text/html); the app asks for JSON.
func wantsHTML(r *http.Request) bool {
	for _, v := range r.Header.Values("Accept") {
		if strings.Contains(strings.ToLower(v), "text/html") {
			return true
		}
	}
	return false
}

// activateHTML shows an activation link to a browser: the QR code of the
// link and what to do with it, or a page saying the code cannot be used.
// It consumes nothing.
func (a *api) activateHTML(w http.ResponseWriter, r *http.Request, code string) {
	if normalizeCode(code) == "" {
		a.writePage(w, http.StatusBadRequest, activatePageData{Title: "Activation link incomplete",
			Message: "This activation link has no code. Open the whole link you were given, or ask your administrator for a new one."})
		return
	}
	expires, err := a.pendingUntil(r.Context(), code)
	if errors.Is(err, store.ErrActivation) {
		a.writePage(w, http.StatusGone, activatePageData{Title: "Activation code expired or used",
			Message: "This activation code has expired or was already used. Ask your administrator for a new one."})
		return
	}
	if err != nil {
		a.Log.Error().Err(err).Msg("activation page")
		a.writePage(w, http.StatusInternalServerError, activatePageData{Title: "Try again later",
			Message: "The activation page could not be shown. Try again in a moment."})
		return
	}
	qr, err := qrpage.DataURL(activationLink(r, code))
	if err != nil {
		a.Log.Error().Err(err).Msg("activation QR code")
		a.writePage(w, http.StatusInternalServerError, activatePageData{Title: "Try again later",
			Message: "The activation page could not be shown. Try again in a moment."})
		return
	}
	d := activatePageData{
		Title:   "Activate your pushauth soft token",
		QR:      qr,
		Code:    qrpage.GroupByFour(normalizeCode(code)),
		AppLink: webapp.Prefix + "#activate=" + url.QueryEscape(normalizeCode(code)),
		AppHome: webapp.Prefix,
	}
	d.Expires = expires.UTC().Format("15:04 UTC on 2 January 2006")
	a.writePage(w, http.StatusOK, d)
}

// pendingUntil returns when the code expires, or store.ErrActivation
// when it cannot be used.
func (a *api) pendingUntil(ctx context.Context, code string) (time.Time, error) {
	act, err := a.Store.PendingActivation(ctx, hashCode(code), a.Now())
	if err != nil {
		return time.Time{}, err
	}
	return act.ExpiresAt, nil
}

func (a *api) writePage(w http.ResponseWriter, status int, d activatePageData) {
	var b bytes.Buffer
	if err := activatePage.Execute(&b, d); err != nil {
		a.Log.Error().Err(err).Msg("render activation page")
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", activatePagePolicy)
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(b.Bytes())
}

// activationLink is the link the browser opened, as the app should get it
// from the QR code: this host, the scheme it was reached by (https behind
// a TLS-terminating proxy that says so in X-Forwarded-Proto) and the code.
func activationLink(r *http.Request, code string) string {
	scheme := "http"
	if r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https") {
		scheme = "https"
	}
	u := url.URL{Scheme: scheme, Host: r.Host, Path: r.URL.Path, RawQuery: "code=" + url.QueryEscape(normalizeCode(code))}
	return u.String()
}
