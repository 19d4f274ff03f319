package main

import (
	"context"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
)

// userHeader carries the signed-in user to the upstream application.
const userHeader = "X-Pushauth-User"

type userKey struct{}

// protect serves the application to signed-in browsers; others are sent
// to page 1 (GET, HEAD) or refused (401).
func (a *agent) protect(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(cookieSession); err == nil {
		if s, err := a.keys.decodeSession(c.Value, a.now()); err == nil {
			a.app.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), userKey{}, s.user)))
			return
		}
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		http.Error(w, "sign in first", http.StatusUnauthorized)
		return
	}
	http.Redirect(w, r, prefix+"login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
}

// signedInUser is the user protect let through.
func signedInUser(r *http.Request) string {
	u, _ := r.Context().Value(userKey{}).(string)
	return u
}

// proxy passes signed-in requests to the upstream application with the
// user in X-Pushauth-User (whatever the browser sent in that header is
// dropped) and without pushweb's own cookies.
func (a *agent) proxy(upstream *url.URL) http.Handler {
	return &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(upstream)
			pr.SetXForwarded()
			pr.Out.Header.Del(userHeader)
			pr.Out.Header.Set(userHeader, signedInUser(pr.In))
			stripOwnCookies(pr.Out)
		},
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			a.log.Warn().Err(err).Str("upstream", upstream.Redacted()).Msg("upstream request failed")
			http.Error(w, "the application is not answering", http.StatusBadGateway)
		},
	}
}

// stripOwnCookies removes pushweb's cookies from a request to upstream.
func stripOwnCookies(r *http.Request) {
	cookies := r.Cookies()
	r.Header.Del("Cookie")
	for _, c := range cookies {
		if !strings.HasPrefix(c.Name, "pushweb_") {
			r.AddCookie(c)
		}
	}
}

// demoPage is the application when there is no upstream: who is signed
// in, and a sign-out button.
func (a *agent) demoPage() http.Handler {
	return securityHeaders(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.render(w, r, http.StatusOK, "demo", pageData{Title: "Signed in", User: signedInUser(r), Path: r.URL.RequestURI()})
	}))
}
