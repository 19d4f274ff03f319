package main

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"

	layeh "layeh.com/radius"
	"layeh.com/radius/rfc2865"

	"github.com/pushauth/pushauth/protocol/adminapi/adminclient"
	"github.com/pushauth/pushauth/protocol/adminapi/apitype"
	"github.com/pushauth/pushauth/protocol/deviceapi/deviceclient"
	"github.com/pushauth/pushauth/protocol/radius/radclient"
)

// The demo's cast, from the example config and the setup.
const (
	radiusSecret = "testing123" // client "localhost" in config/example.yaml
	clientName   = "localhost"
	user         = "demo"
	userPassword = "demo-password-1" // never printed
	user2        = "demo2"
	user2Pass    = "demo2-password-1" // never printed
	station      = "203.0.113.7"      // Calling-Station-Id the NAS reports
)

// demo drives the running server and writes the transcript.
type demo struct {
	ctx   context.Context
	env   *env
	out   io.Writer
	step  int
	admin *adminclient.Client
	rad   *radclient.Client
	phone *deviceclient.Device
	seen  []string // nonces of the pushes the phone has shown
	told  int      // stories told
}

func newDemo(ctx context.Context, e *env, out io.Writer) *demo {
	return &demo{ctx: ctx, env: e, out: out, admin: adminclient.New(e.adminURL, e.token, nil)}
}

// storyCount is len(stories()) without the Wi-Fi story, which is told
// only when eapol_test is installed.
const storyCount = 4

// story is one numbered login story.
type story struct {
	title string
	play  func() error
}

func (d *demo) stories() []story {
	return []story{
		{"a. login approved on the phone", d.storyApproved},
		{"b. login denied on the phone", d.storyDenied},
		{"c. the phone stays silent, then the user asks for another push", d.storySilent},
		{"d. passcode login (user without push)", d.storyPasscode},
	}
}

// allStories are the stories told: stories() and, with eapol_test, the
// Wi-Fi login over EAP.
func (d *demo) allStories() []story {
	all := d.stories()
	if d.env != nil && d.env.eapol != "" {
		all = append(all, story{"e. Wi-Fi login (802.1X, EAP-TTLS/PAP) approved on the phone", d.storyEAP})
	}
	return all
}

// play runs the setup, every story and the audit trail; the first
// unexpected answer ends it.
func (d *demo) play() error {
	d.intro()
	c, err := radclient.Dial(d.env.radius, "127.0.0.1:0", []byte(radiusSecret))
	if err != nil {
		return err
	}
	defer c.Close()
	d.rad = c
	d.section("Setup (admin API and the phone)")
	if err := d.setup(); err != nil {
		return err
	}
	all := d.allStories()
	for _, s := range all {
		d.section("Story " + s.title)
		if err := s.play(); err != nil {
			return fmt.Errorf("story %s: %w", s.title, err)
		}
		d.told++
	}
	d.section("Audit trail (admin API GET /v1/audit)")
	return d.audit(len(all))
}

func (d *demo) intro() {
	fmt.Fprintf(d.out, "pushauth demo: the server runs in-process on the embedded example config\n")
	fmt.Fprintf(d.out, "  RADIUS     %s (client %q, secret from the example config)\n", d.env.radius, clientName)
	fmt.Fprintf(d.out, "  admin API  %s (random bearer token)\n", d.env.adminURL)
	fmt.Fprintf(d.out, "  device API %s\n", d.env.deviceURL)
	fmt.Fprintf(d.out, "  NOTIFICATIONTIMEOUT=%v, data_dir %s (removed at the end)\n", notificationTimeout, d.env.dir)
	if d.env.logPath != "" {
		fmt.Fprintf(d.out, "  server logs: %s (run with --verbose to see them on stderr)\n", d.env.logPath)
	}
}

func (d *demo) section(title string) {
	fmt.Fprintf(d.out, "\n== %s ==\n", title)
}

// say prints the next numbered step.
func (d *demo) say(format string, args ...any) {
	d.step++
	fmt.Fprintf(d.out, "%3d. %s\n", d.step, fmt.Sprintf(format, args...))
}

// note prints an unnumbered detail under the current step.
func (d *demo) note(format string, args ...any) {
	fmt.Fprintf(d.out, "       %s\n", fmt.Sprintf(format, args...))
}

// setup creates user demo with an OATH token and a soft token, and
// activates the soft token on a simulated Android 14 phone.
func (d *demo) setup() error {
	d.say("admin → create user %s password=****", user)
	if _, err := d.admin.CreateUser(d.ctx, user, userPassword); err != nil {
		return fmt.Errorf("create user: %w", err)
	}
	if _, err := d.programOATH(user); err != nil {
		return err
	}
	d.say("admin → program a soft token for %s", user)
	res, err := d.admin.ProgramToken(d.ctx, user, apitype.ProgramRequest{Type: apitype.TypeSoftToken})
	if err != nil {
		return fmt.Errorf("program soft token: %w", err)
	}
	d.note("← serial %s, activation link %s", res.Serial, res.ActivationURL)
	d.say("phone → activate the soft token (android 14, push kind poll, new P-256 key)")
	opts := deviceclient.Options{Platform: "android", OSVersion: "14", PushKind: "poll"}
	if d.phone, err = deviceclient.Activate(d.ctx, res.ActivationURL, opts); err != nil {
		return fmt.Errorf("activate: %w", err)
	}
	d.note("← device %s holds token %s", d.phone.ID(), d.phone.Serial())
	return nil
}

// oath is a programmed OATH TOTP token as an authenticator app keeps it.
type oath struct {
	seed   []byte
	period int
}

// programOATH programs a TOTP token and reads its seed from the otpauth URI.
func (d *demo) programOATH(name string) (*oath, error) {
	d.say("admin → program an OATH (TOTP) token for %s", name)
	res, err := d.admin.ProgramToken(d.ctx, name, apitype.ProgramRequest{Type: apitype.TypeOATH, Algorithm: apitype.AlgorithmTOTP})
	if err != nil {
		return nil, fmt.Errorf("program OATH token: %w", err)
	}
	tok, err := parseOTPAuth(res.OTPAuthURI)
	if err != nil {
		return nil, err
	}
	d.note("← serial %s, %s (seed redacted here)", res.Serial, redactSecret(res.OTPAuthURI))
	return tok, nil
}

// exchange is one RADIUS request in flight.
type exchange chan exchangeResult

type exchangeResult struct {
	resp *radclient.Response
	err  error
}

// send prints and sends an Access-Request without waiting; shown is how the
// password field is printed.
func (d *demo) send(name, password, shown, state string) exchange {
	line := fmt.Sprintf("NAS → Access-Request user=%s %s", name, shown)
	if state != "" {
		line += " State=" + short(state)
	}
	d.say("%s Calling-Station-Id=%s", line, station)
	ch := make(exchange, 1)
	go func() {
		ctx, cancel := context.WithTimeout(d.ctx, 30*time.Second)
		defer cancel()
		r, err := d.rad.Exchange(ctx, radclient.NewAccessRequest([]byte(radiusSecret), name, password, state, station))
		ch <- exchangeResult{r, err}
	}()
	return ch
}

// expect waits for the reply, prints it and checks its code and that its
// Reply-Message contains each of words.
func (d *demo) expect(x exchange, began time.Time, want layeh.Code, words ...string) (*radclient.Response, error) {
	r := <-x
	if r.err != nil {
		return nil, fmt.Errorf("expected %v, got no reply: %w", want, r.err)
	}
	msg := rfc2865.ReplyMessage_GetString(r.resp.Packet)
	line := "NAS ← " + r.resp.Code.String()
	if msg != "" {
		line += fmt.Sprintf(" %q", msg)
	}
	if st := rfc2865.State_GetString(r.resp.Packet); st != "" {
		line += " State=" + short(st)
	}
	d.say("%s (after %v)", line, time.Since(began).Round(time.Millisecond))
	if r.resp.Code != want {
		return nil, fmt.Errorf("expected %v, got %v %q", want, r.resp.Code, msg)
	}
	for _, w := range words {
		if !strings.Contains(strings.ToLower(msg), w) {
			return nil, fmt.Errorf("expected the Reply-Message of %v to mention %q, got %q", want, w, msg)
		}
	}
	return r.resp, nil
}

// short abbreviates an opaque State for the transcript.
func short(s string) string {
	if len(s) <= 10 {
		return s
	}
	return s[:10] + "…"
}

// redactSecret hides the seed in an otpauth URI.
func redactSecret(uri string) string {
	u, err := url.Parse(uri)
	if err != nil {
		return "otpauth URI"
	}
	q := u.Query()
	if q.Has("secret") {
		q.Set("secret", "****")
	}
	u.RawQuery = q.Encode()
	return strings.Replace(u.String(), "%2A%2A%2A%2A", "****", 1)
}
