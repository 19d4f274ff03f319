package main

import (
	"strings"

	layeh "layeh.com/radius"

	"github.com/pushauth/pushauth/internal/radagent"
	"github.com/pushauth/pushauth/push"
)

// exchangeKind is why the agent sent an Access-Request.
type exchangeKind int

const (
	// kindFirst: page 1 (empty password), or RESEND with no challenge
	// open (a new login).
	kindFirst exchangeKind = iota
	// kindResend: RESEND, an empty answer with the challenge's State.
	kindResend
	// kindPasscode: a passcode, with the State when a challenge is open
	// (SPEC S3.2), else as a new Access-Request (S2.3).
	kindPasscode
)

func (k exchangeKind) String() string {
	return [...]string{"first", "resend", "passcode"}[k]
}

func (s step) String() string {
	return [...]string{"waiting", "timed-out", "passcode", "denied", "failed", "unavailable", "accepted"}[s]
}

// noticeRefused is the passcode page's line after a refused passcode. It
// is the same whatever the reason (wrong code, unknown user, no token), so
// it tells nobody which user names exist.
const noticeRefused = "That did not work. Check the passcode and try again, or send another notification."

// gridMarker starts the GridSure part of a challenge's Reply-Message.
const gridMarker = "GridSure"

// apply moves the flow on by pushauthd's reply to a request of kind.
//
// A rejection that is not a deny sends page 1 to the passcode page (as a
// user without a push-capable token would see), so an unknown user name
// looks like a known one; a rejected RESEND of an open challenge (the
// login expired) ends the flow.
func (f *flow) apply(kind exchangeKind, r reply, err error) {
	f.state, f.grid, f.notice, f.enroll = "", "", "", ""
	switch {
	case err != nil:
		f.step = stepUnavailable
	case r.code == layeh.CodeAccessAccept:
		f.step = stepAccepted
	case r.code == layeh.CodeAccessReject && radagent.Denied(r.message):
		f.step = stepDenied
	case r.code == layeh.CodeAccessReject && kind == kindResend:
		f.step = stepFailed
	case r.code == layeh.CodeAccessReject:
		f.step, f.enroll = stepPasscode, radagent.EnrollURL(r.message) // new_user: enroll
		if kind == kindPasscode {
			f.notice = noticeRefused
		}
	case r.code == layeh.CodeAccessChallenge && r.state != "" && kind != kindPasscode && f.showNumber(r):
	case r.code == layeh.CodeAccessChallenge && r.state != "":
		f.state, f.grid = r.state, gridOf(r.message)
		f.step = stepPasscode
		if kind == kindPasscode {
			f.notice = noticeRefused
		} else if radagent.OffersPush(r.message) {
			f.step = stepTimedOut
		}
	default:
		f.step = stepUnavailable
	}
}

// showNumber takes a number-matching challenge (SPEC S10.3): the waiting
// page shows the number, and the agent sends the challenge's State back
// at once with an empty answer, which pushauthd holds for the phone.
func (f *flow) showNumber(r reply) bool {
	n, ok := push.ShownNumber(r.message)
	if !ok {
		return false
	}
	f.state, f.number, f.pickup, f.step = r.state, n, true, stepWaiting
	return true
}

// gridOf returns the GridSure part of a challenge's Reply-Message (the
// grid the PIP is read from), or "".
func gridOf(message string) string {
	i := strings.Index(message, gridMarker)
	if i < 0 {
		return ""
	}
	if nl := strings.LastIndexByte(message[:i], '\n'); nl >= 0 {
		return message[nl+1:]
	}
	return message[i:]
}
