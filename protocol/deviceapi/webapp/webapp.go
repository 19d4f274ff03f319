package webapp

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"
)

// Prefix is the path the app is served under; it is also the service
// worker's scope.
const Prefix = "/app/"

// Policy is the app's Content-Security-Policy. The camera (QR scanning)
// needs no CSP source: the video element shows a MediaStream, not a URL.
const Policy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; manifest-src 'self'; worker-src 'self'; media-src 'self'; " +
	"frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

//go:embed files
var embedded embed.FS

// contentTypes by file extension; a file of another kind is not served.
var contentTypes = map[string]string{
	".html":        "text/html; charset=utf-8",
	".css":         "text/css; charset=utf-8",
	".js":          "text/javascript; charset=utf-8",
	".webmanifest": "application/manifest+json",
	".png":         "image/png",
	".svg":         "image/svg+xml",
}

// file is one embedded file, ready to serve.
type file struct {
	body        []byte
	contentType string
	etag        string
}

// Handler serves the app's files under Prefix; Prefix itself is the app's
// page and Prefix without its slash redirects there. Anything else is 404.
// Like template.Must it panics when the embedded files are malformed (a
// file of an unknown kind), which the package's tests rule out.
func Handler() http.Handler {
	files, err := load()
	if err != nil {
		panic(err)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		serve(w, r, files)
	})
}

// load reads every embedded file once, keyed by its path under Prefix.
func load() (map[string]file, error) {
	root, err := fs.Sub(embedded, "files")
	if err != nil {
		return nil, fmt.Errorf("webapp files: %w", err)
	}
	files := map[string]file{}
	err = fs.WalkDir(root, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		ct, ok := contentTypes[path.Ext(p)]
		if !ok {
			return fmt.Errorf("webapp file %s: no content type for its extension", p)
		}
		body, err := fs.ReadFile(root, p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(body)
		files[p] = file{body: body, contentType: ct, etag: `"` + hex.EncodeToString(sum[:8]) + `"`}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("webapp files: %w", err)
	}
	return files, nil
}

func serve(w http.ResponseWriter, r *http.Request, files map[string]file) {
	if r.URL.Path == strings.TrimSuffix(Prefix, "/") {
		http.Redirect(w, r, Prefix, http.StatusMovedPermanently)
		return
	}
	name := strings.TrimPrefix(r.URL.Path, Prefix)
	if name == "" {
		name = "index.html"
	}
	f, ok := files[name]
	if !ok || !strings.HasPrefix(r.URL.Path, Prefix) {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Content-Security-Policy", Policy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Permissions-Policy", "camera=(self), microphone=(), geolocation=()")
	h.Set("Cache-Control", "no-cache")
	h.Set("ETag", f.etag)
	h.Set("Content-Type", f.contentType)
	// ServeContent answers If-None-Match with 304 from the ETag set here.
	http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(f.body))
}
