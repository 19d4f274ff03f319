package deviceapi

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/pushauth/pushauth/actors"
	"github.com/pushauth/pushauth/protocol/deviceapi/webapp"
	"github.com/pushauth/pushauth/providers/poll"
	"github.com/pushauth/pushauth/providers/webpush"
	"github.com/pushauth/pushauth/push"
	"github.com/pushauth/pushauth/store"
)

// Defaults for Deps.
const (
	DefaultMaxLongPoll = 25 * time.Second
	DefaultClockSkew   = 60 * time.Second
	// MaxBody is the largest request body accepted (413 above it).
	MaxBody = 16 << 10
	// answerTimeout bounds how long an answer waits for the login.
	answerTimeout = 5 * time.Second
)

// Answerer delivers a verified device answer to its login (the actor
// System implements it: its owner routes the answer to the login).
type Answerer interface {
	Answer(ctx context.Context, a *actors.Answer) (actors.AnswerStatus, error)
}

// Poller holds the pushes of poll-mode devices: *poll.Provider, whose
// device queues are placed over the cluster's members (one on a single
// node).
type Poller interface {
	// OpenPoll counts an open pending call of the device, unless max are
	// open; done, called once, closes it.
	OpenPoll(deviceID string, max int) (done func(), ok bool)
	// WaitFor returns the device's pushes once one is not in known (any
	// when known is empty), or when ctx ends.
	WaitFor(ctx context.Context, deviceID string, known []string) []push.Signed
}

var _ Poller = (*poll.Provider)(nil)

// Deps is what the device API needs.
type Deps struct {
	Store   store.Store
	Answers Answerer
	Poll    Poller // nil: polling is unavailable (503)
	Signer  *push.Signer
	Log     zerolog.Logger
	// Now is the clock for timestamps and activation expiry; nil → time.Now.
	Now func() time.Time
	// MaxLongPoll caps the wait of a pending request; default 25s.
	MaxLongPoll time.Duration
	// Metrics, when set, count open long polls.
	Metrics *Metrics
	// ClockSkew is how far a signed request's timestamp may be from Now;
	// default 60s.
	ClockSkew time.Duration
	// PollTokenKey is the HMAC-SHA256 key of poll tokens (see
	// PollTokenKey, the function, to derive it). Every node of a cluster
	// needs the same key to accept the others' tokens. Empty: a random key,
	// so tokens are good only on this handler.
	PollTokenKey []byte
	// WebPush, when set, lets web devices register a Web Push
	// subscription (push_kind webpush) and serves GET /v1/webpush/config;
	// nil: web push is off (503 webpush_unavailable).
	WebPush *WebPush
	// Seen, when set, records each device that makes an authenticated
	// request (signed, or polling with its poll token) as seen, off the
	// request path; nil: last seen is not recorded.
	Seen *SeenRecorder
}

// WebPush is what the device API needs of the Web Push provider.
type WebPush struct {
	// VAPIDPublicKey is the application server key browsers subscribe
	// with: webpush.PublicKey of the provider's VAPID key.
	VAPIDPublicKey string
	// Endpoints says which push endpoints a subscription may name.
	Endpoints webpush.EndpointPolicy
}

// api is the handler's state: the dependencies, defaults applied.
type api struct {
	Deps
	tokens pollTokens
}

// New returns the device API handler.
func New(d Deps) http.Handler {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.MaxLongPoll <= 0 {
		d.MaxLongPoll = DefaultMaxLongPoll
	}
	if d.ClockSkew <= 0 {
		d.ClockSkew = DefaultClockSkew
	}
	if len(d.PollTokenKey) == 0 {
		d.PollTokenKey = randomPollTokenKey()
	}
	d.Log = d.Log.With().Str("component", "deviceapi").Logger()
	a := &api{Deps: d, tokens: pollTokens{key: d.PollTokenKey}}
	return a.routes()
}

// routes maps every path; a known path with another method gets a JSON 405,
// an unknown path a JSON 404.
func (a *api) routes() http.Handler {
	mux := http.NewServeMux()
	route := func(method, path string, h http.HandlerFunc, allow string) {
		mux.HandleFunc(method+" "+path, h)
		if allow != "" {
			mux.HandleFunc(path, methodNotAllowed(allow))
		}
	}
	route("GET", "/v1/activate", a.activateInfo, "")
	route("POST", "/v1/activate", a.activate, "GET, POST")
	route("POST", "/v1/devices/{id}/pending", a.pending, "POST")
	route("POST", "/v1/devices/{id}/push-token", a.pushToken, "POST")
	route("POST", "/v1/devices/{id}/remove", a.remove, "POST")
	route("POST", "/v1/answers", a.answer, "POST")
	route("GET", "/v1/webpush/config", a.webPushConfig, "GET")
	app := webapp.Handler()
	mux.Handle("GET "+webapp.Prefix, app)
	mux.Handle("GET "+strings.TrimSuffix(webapp.Prefix, "/"), app)
	mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
		writeError(w, http.StatusNotFound, "not_found", "no such endpoint")
	})
	return mux
}

func methodNotAllowed(allow string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Allow", allow)
		writeError(w, http.StatusMethodNotAllowed, "method_not_allowed", "method not allowed; use "+allow)
	}
}
