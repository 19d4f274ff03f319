// Package enroll is self-service enrolment on the device API's origin
// (issue 21, docs/operations.md "Rolling out"): the single-use links a
// login of a user without a token hands out (policy new_user: enroll),
// and the pages at /enroll where users sign in with their password, add
// a first device when the policy and the enrolment window allow it, add
// another once an existing device approves, and list and remove their
// devices. Pages are html/template with embedded files, a strict CSP
// without inline script, and a CSRF token on every form.
package enroll

// Path is where the enrolment pages are served on the device API.
const Path = "/enroll"
