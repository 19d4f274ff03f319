// Package webapp holds the pushauth app: an installable web app (a PWA)
// that turns a phone's browser into a soft token. The device API serves it
// under /app/ on its own origin (Handler), so the app talks to the same
// origin with the documented device API (docs/device-api.md) and nothing
// else. Its files are embedded in the binary: an HTML shell, a style
// sheet, plain JavaScript modules, a web app manifest, icons and a service
// worker (scope /app/) that receives Web Push messages.
//
// Every response carries a strict Content-Security-Policy (scripts, styles
// and connections from this origin only, no inline code) and nosniff; the
// files are sent with an ETag and revalidated on every load (no-cache), so
// a new server version reaches installed apps at their next start.
// docs/app.md describes the app for users and operators.
package webapp
