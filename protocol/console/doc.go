// Package console is the operator console: web pages served on the admin
// API's listener under /console/, for operators who sign in with
// pushauth itself (an ordinary login through the login core, as the
// client "console" of kind isapi). Every page reads through the admin
// API (adminapi.ServeAs) with the operator's configured role, so the
// console has no way of its own to read or change data.
package console
