package webapp_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/pushauth/pushauth/protocol/deviceapi/webapp"
)

func get(t *testing.T, h http.Handler, path string, header ...string) *http.Response {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Result()
}

func body(t *testing.T, r *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(r.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// Every file is served with its type, the strict policy and nosniff, and
// revalidated by its ETag.
func TestFilesServedWithPolicy(t *testing.T) {
	h := webapp.Handler()
	types := map[string]string{
		"/app/":                           "text/html",
		"/app/index.html":                 "text/html",
		"/app/app.css":                    "text/css",
		"/app/js/main.js":                 "text/javascript",
		"/app/sw.js":                      "text/javascript",
		"/app/manifest.webmanifest":       "application/manifest+json",
		"/app/icons/icon-192.png":         "image/png",
		"/app/icons/apple-touch-icon.png": "image/png",
		"/app/icons/icon.svg":             "image/svg+xml",
	}
	for path, want := range types {
		r := get(t, h, path)
		if r.StatusCode != http.StatusOK || !strings.HasPrefix(r.Header.Get("Content-Type"), want) {
			t.Errorf("%s: %d %q, want 200 %s", path, r.StatusCode, r.Header.Get("Content-Type"), want)
			continue
		}
		csp := r.Header.Get("Content-Security-Policy")
		for _, part := range []string{"default-src 'none'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'"} {
			if !strings.Contains(csp, part) {
				t.Errorf("%s: policy %q lacks %q", path, csp, part)
			}
		}
		if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
			t.Errorf("%s: policy %q allows inline code", path, csp)
		}
		if r.Header.Get("X-Content-Type-Options") != "nosniff" || r.Header.Get("Cache-Control") != "no-cache" {
			t.Errorf("%s: headers %v", path, r.Header)
		}
		again := get(t, h, path, "If-None-Match", r.Header.Get("ETag"))
		if again.StatusCode != http.StatusNotModified {
			t.Errorf("%s with its ETag: %d, want 304", path, again.StatusCode)
		}
	}
}

// Only the app's files are served: no listing, nothing outside /app/.
func TestUnknownPathsNotFound(t *testing.T) {
	h := webapp.Handler()
	for _, path := range []string{"/app/js/", "/app/nope.js", "/app/../go.mod", "/app/icons", "/v1/app/"} {
		if r := get(t, h, path); r.StatusCode != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", path, r.StatusCode)
		}
	}
	if r := get(t, h, "/app"); r.StatusCode != http.StatusMovedPermanently || r.Header.Get("Location") != "/app/" {
		t.Errorf("/app: %d to %q, want 301 to /app/", r.StatusCode, r.Header.Get("Location"))
	}
}

// The page has no inline script or style (the policy would block them),
// and loads only files the app has.
func TestPageHasNoInlineCode(t *testing.T) {
	h := webapp.Handler()
	page := body(t, get(t, h, "/app/"))
	if regexp.MustCompile(`<script(?:\s[^>]*)?>\s*[^<\s]`).MatchString(page) || strings.Contains(page, "<style") ||
		regexp.MustCompile(`\sstyle=|\son[a-z]+=`).MatchString(page) {
		t.Fatal("the page has inline script, style or event handlers")
	}
	for _, m := range regexp.MustCompile(`(?:src|href)="([^"#:]+)"`).FindAllStringSubmatch(page, -1) {
		if r := get(t, h, "/app/"+m[1]); r.StatusCode != http.StatusOK {
			t.Errorf("the page refers to %s: %d", m[1], r.StatusCode)
		}
	}
}

// The manifest makes an installable standalone app whose icons exist.
func TestManifestInstallable(t *testing.T) {
	h := webapp.Handler()
	var m struct {
		StartURL string `json:"start_url"`
		Scope    string `json:"scope"`
		Display  string `json:"display"`
		Icons    []struct {
			Src     string `json:"src"`
			Sizes   string `json:"sizes"`
			Purpose string `json:"purpose"`
		} `json:"icons"`
	}
	if err := json.Unmarshal([]byte(body(t, get(t, h, "/app/manifest.webmanifest"))), &m); err != nil {
		t.Fatal(err)
	}
	if m.Display != "standalone" || m.StartURL != "/app/" || m.Scope != "/app/" {
		t.Errorf("manifest %+v", m)
	}
	sizes := map[string]bool{}
	for _, ic := range m.Icons {
		sizes[ic.Sizes+" "+ic.Purpose] = true
		if r := get(t, h, "/app/"+ic.Src); r.StatusCode != http.StatusOK {
			t.Errorf("icon %s: %d", ic.Src, r.StatusCode)
		}
	}
	for _, want := range []string{"192x192 ", "512x512 ", "512x512 maskable"} {
		if !sizes[want] {
			t.Errorf("no icon %q in %v", want, sizes)
		}
	}
}

// The service worker caches every module the page loads, so the app
// (and its passcodes) start offline.
func TestServiceWorkerCachesEveryModule(t *testing.T) {
	h := webapp.Handler()
	sw := body(t, get(t, h, "/app/sw.js"))
	modules, err := os.ReadDir("files/js")
	if err != nil || len(modules) == 0 {
		t.Fatalf("read files/js: %v", err)
	}
	for _, m := range modules {
		if !strings.Contains(sw, `"js/`+m.Name()+`"`) {
			t.Errorf("sw.js does not cache js/%s", m.Name())
		}
		if r := get(t, h, "/app/js/"+m.Name()); r.StatusCode != http.StatusOK {
			t.Errorf("js/%s: %d", m.Name(), r.StatusCode)
		}
	}
}
