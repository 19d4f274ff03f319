// Package deviceapi is the HTTP JSON API that phones (soft tokens) use to
// talk to pushauth (SPEC S4.1, S5):
//
//	GET  /v1/activate?code=C            what to do with an activation link
//	POST /v1/activate                   activate a soft token, register the device
//	POST /v1/devices/{id}/pending       signed or poll-token (long-)poll for pending pushes
//	POST /v1/answers                    signed approve/deny of a push
//	POST /v1/devices/{id}/push-token    signed update of the APNs/FCM token
//	GET  /app/                          the pushauth app (package webapp)
//
// Devices register an ECDSA P-256 public key at activation; every later
// request that acts for a device is signed with it (SHA-256, ASN.1 DER,
// standard base64), except polls that use a poll token (below). Signed polls and token updates carry a Unix timestamp
// that must be within Deps.ClockSkew of the server clock. Push payloads are
// signed by the server (push.Signer) so the device can check them.
//
// A signed poll earns a poll token (PollTokenHeader): for PollTokenLifetime
// the device's later polls may send it instead of a signature. It is an
// HMAC-SHA256 (Deps.PollTokenKey) over the device id, the device's key and
// the expiry, so checking it costs far less than an ECDSA verification; it
// is good for polls only, never for answers or token updates.
//
// Every error is JSON {"error": "human message", "code": "snake_code"}.
// Bodies are limited to 16 KiB (413). Activation codes, keys, seeds,
// signatures and poll tokens are never logged.
//
// The package holds no policy: answers go to the Answerer (the actor
// System, whose owner routes it), pushes come from the poll provider. The HTTP server
// that serves New's handler must allow responses to take longer than
// Deps.MaxLongPoll (WriteTimeout).
//
// docs/device-api.md specifies the wire format precisely, for app writers;
// the deviceclient subpackage is a Go implementation of the device side.
package deviceapi
