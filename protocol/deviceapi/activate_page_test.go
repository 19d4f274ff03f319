package deviceapi_test

import (
	"bytes"
	"encoding/base64"
	"html"
	"image/png"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pushauth/pushauth/protocol/deviceapi/deviceapitest"
)

// browserAccept is what Chromium sends when it opens a link.
const browserAccept = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"

type page struct {
	status int
	header http.Header
	body   string
}

func getPage(t *testing.T, url string) page {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", browserAccept)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return page{resp.StatusCode, resp.Header, string(b)}
}

var qrImage = regexp.MustCompile(`<img id="qr" src="data:image/png;base64,([A-Za-z0-9+/=&#;]+)"`)

// A browser opening the link gets a page with the QR code of the link, the
// code to type, a link into the pushauth app with the code and the steps to
// install the app; the code stays usable.
func TestActivationPageShowsQRCode(t *testing.T) {
	s := deviceapitest.Start(t)
	tok := s.NewToken(t, "alice")
	p := getPage(t, tok.URL)
	if p.status != http.StatusOK || !strings.HasPrefix(p.header.Get("Content-Type"), "text/html") {
		t.Fatalf("status %d, type %q", p.status, p.header.Get("Content-Type"))
	}
	if csp := p.header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
		t.Errorf("Content-Security-Policy %q", csp)
	}
	m := qrImage.FindStringSubmatch(p.body)
	if m == nil {
		t.Fatalf("no QR image in the page:\n%s", p.body)
	}
	raw, err := base64.StdEncoding.DecodeString(html.UnescapeString(m[1]))
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(raw))
	if err != nil || img.Bounds().Dx() != 256 {
		t.Fatalf("QR image: %v, %v", err, img)
	}
	grouped := tok.Code[:4] + " " + tok.Code[4:8] + " " + tok.Code[8:12] + " " + tok.Code[12:]
	for _, want := range []string{grouped, "Scan this QR code", "UTC", `href="/app/#activate=` + tok.Code + `"`,
		"Open in the pushauth app", "Add to Home Screen", "Install app", "authenticator app"} {
		if !strings.Contains(p.body, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	_, pub := newKey(t)
	if r := call(t, "POST", s.URL+"/v1/activate", activation(tok.Code, pub)); r.status != http.StatusOK {
		t.Fatalf("activation after the page: %d %s", r.status, r.raw)
	}
}

// Used, expired, unknown and missing codes get a page that says so, not
// JSON.
func TestActivationPageForUnusableCodes(t *testing.T) {
	s := deviceapitest.Start(t)
	used := s.NewToken(t, "used")
	_, pub := newKey(t)
	if r := call(t, "POST", s.URL+"/v1/activate", activation(used.Code, pub)); r.status != http.StatusOK {
		t.Fatalf("activate: %d %s", r.status, r.raw)
	}
	expired := s.NewToken(t, "late")
	s.Clock.Add(11 * time.Minute)
	for name, c := range map[string]struct {
		url    string
		status int
		want   string
	}{
		"used":    {used.URL, http.StatusGone, "expired or was already used"},
		"expired": {expired.URL, http.StatusGone, "expired or was already used"},
		"unknown": {s.URL + "/v1/activate?code=AAAABBBBCCCCDDDD", http.StatusGone, "expired or was already used"},
		"missing": {s.URL + "/v1/activate", http.StatusBadRequest, "has no code"},
	} {
		p := getPage(t, c.url)
		if p.status != c.status || !strings.HasPrefix(p.header.Get("Content-Type"), "text/html") ||
			!strings.Contains(p.body, c.want) || strings.Contains(p.body, `id="qr"`) {
			t.Errorf("%s: %d %q\n%s", name, p.status, p.header.Get("Content-Type"), p.body)
		}
	}
}

// The app's GET (no text/html in Accept) keeps getting JSON.
func TestActivationLinkJSONForApps(t *testing.T) {
	s := deviceapitest.Start(t)
	tok := s.NewToken(t, "alice")
	req, _ := http.NewRequest(http.MethodGet, tok.URL, nil)
	req.Header.Set("Accept", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("app GET: %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
}
