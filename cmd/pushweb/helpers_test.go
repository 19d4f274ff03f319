package main

import (
	"context"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"
	layeh "layeh.com/radius"
	"layeh.com/radius/rfc2865"

	"github.com/pushauth/pushauth/internal/logbuf"
	"github.com/pushauth/pushauth/internal/testwait"
	"github.com/pushauth/pushauth/protocol/radius/msgauth"
)

const testSecret = "s3cret"

// fakeRADIUS is a stand-in for pushauthd: decide answers each request;
// it may block (a push the phone has not answered) until release.
type fakeRADIUS struct {
	addr   string
	mu     sync.Mutex
	seen   []seenRequest
	decide func(seenRequest) (layeh.Code, string, string) // code, Reply-Message, State
}

type seenRequest struct{ user, password, state, station string }

func startRADIUS(t *testing.T, decide func(seenRequest) (layeh.Code, string, string)) *fakeRADIUS {
	t.Helper()
	conn, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeRADIUS{addr: conn.LocalAddr().String(), decide: decide}
	srv := &layeh.PacketServer{
		SecretSource: layeh.StaticSecretSource([]byte(testSecret)),
		Handler: layeh.HandlerFunc(func(w layeh.ResponseWriter, r *layeh.Request) {
			req := seenRequest{rfc2865.UserName_GetString(r.Packet), rfc2865.UserPassword_GetString(r.Packet),
				rfc2865.State_GetString(r.Packet), rfc2865.CallingStationID_GetString(r.Packet)}
			f.mu.Lock()
			f.seen = append(f.seen, req)
			f.mu.Unlock()
			code, msg, state := f.decide(req)
			resp := r.Response(code)
			if msg != "" {
				_ = rfc2865.ReplyMessage_SetString(resp, msg)
			}
			if state != "" {
				_ = rfc2865.State_SetString(resp, state)
			}
			b, err := msgauth.Encode(resp) // as pushauthd does: radclient refuses a reply without a valid one
			if err != nil {
				t.Errorf("fake RADIUS: %v", err)
				return
			}
			_, _ = conn.WriteTo(b, r.RemoteAddr)
		}),
	}
	go func() { _ = srv.Serve(conn) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	})
	return f
}

func (f *fakeRADIUS) requests() []seenRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]seenRequest(nil), f.seen...)
}

// testAgent is pushweb's handler on an HTTPS test server (its cookies are
// Secure) with a browser-like client that keeps cookies and does not
// follow redirects.
type testAgent struct {
	t      *testing.T
	agent  *agent
	srv    *httptest.Server
	client *http.Client
	logs   *logbuf.Buffer
}

func testConfig(radius string) *config {
	return &config{radius: radius, timeout: 5 * time.Second, sessionTTL: time.Hour, loginTTL: time.Minute,
		maxLogins: 10, rate: 600, nasIdentifier: "test"}
}

func startAgent(t *testing.T, cfg *config) *testAgent {
	t.Helper()
	rad, err := dialRADIUS(cfg.radius, "", []byte(testSecret), cfg.nasIdentifier, cfg.timeout, 2*cfg.maxLogins)
	if err != nil {
		t.Fatal(err)
	}
	logs := &logbuf.Buffer{}
	a, err := newAgent(cfg, rad, []byte(strings.Repeat("k", 32)), zerolog.New(logs), time.Now)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewTLSServer(a.routes())
	t.Cleanup(func() {
		srv.Close()
		a.stop()
		rad.Close()
	})
	return &testAgent{t: t, agent: a, srv: srv, client: newClient(t, srv), logs: logs}
}

// newClient is another browser for the agent.
func newClient(t *testing.T, srv *httptest.Server) *http.Client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	tr := srv.Client().Transport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{InsecureSkipVerify: true} //nolint:gosec // the test server's own certificate
	return &http.Client{Transport: tr, Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

type response struct {
	status   int
	location string
	body     string
	header   http.Header
}

func (ta *testAgent) do(c *http.Client, method, path string, form url.Values, header ...string) response {
	ta.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, ta.srv.URL+path, body)
	if err != nil {
		ta.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		ta.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return response{resp.StatusCode, resp.Header.Get("Location"), string(b), resp.Header}
}

func (ta *testAgent) get(c *http.Client, path string) response {
	return ta.do(c, http.MethodGet, path, nil)
}

var csrfInput = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrf reads the form token from a page.
func csrf(t *testing.T, page string) string {
	t.Helper()
	m := csrfInput.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no CSRF token in page:\n%s", page)
	}
	return m[1]
}

// login opens page 1 and submits user; it returns the CSRF token.
func (ta *testAgent) login(c *http.Client, user, next string) string {
	ta.t.Helper()
	page := ta.get(c, prefix+"login?next="+url.QueryEscape(next))
	token := csrf(ta.t, page.body)
	r := ta.do(c, http.MethodPost, prefix+"login", url.Values{"csrf": {token}, "username": {user}, "next": {next}})
	if r.status != http.StatusSeeOther || r.location != prefix+"wait" {
		ta.t.Fatalf("POST login: %d %s\n%s", r.status, r.location, r.body)
	}
	return token
}

// waitReady polls the status endpoint as the page's script does.
func (ta *testAgent) waitReady(c *http.Client) {
	ta.t.Helper()
	testwait.For(ta.t, "the login to stop waiting", func() bool {
		return !strings.Contains(ta.get(c, prefix+"status").body, `"waiting"`)
	})
}
