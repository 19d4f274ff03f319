package server

import (
	"crypto/sha256"
	"net/http"
	"time"

	"github.com/pushauth/pushauth/actors"
	"github.com/pushauth/pushauth/protocol/enroll"
)

// withEnrollment serves the self-service enrolment pages (issue 21,
// docs/operations.md "Rolling out") under /enroll on the device API's
// origin, beside the device API.
func (s *Server) withEnrollment(device http.Handler) http.Handler {
	if !s.cfg.DeviceAPI.Enrollment {
		return device
	}
	pages := enroll.New(enroll.Deps{
		Store:  s.store,
		Logins: s.sys,
		Links:  s.enrollLinks,
		Key:    enrollKey(s.pollTokenKey),
		ApprovalWait: func() time.Duration {
			return s.settings.Load().NotificationTimeout + 10*time.Second
		},
		Log: s.log.With().Str("component", "enroll").Logger(),
	})
	mux := http.NewServeMux()
	mux.Handle(enroll.Path, pages)
	mux.Handle(enroll.Path+"/", pages)
	mux.Handle("/", device)
	return mux
}

// enrollKey keys the enrolment pages' sessions and CSRF tokens: derived
// from the push-signing key, so every node of a cluster has the same.
func enrollKey(base []byte) []byte {
	sum := sha256.Sum256(append([]byte("pushauth enroll key\x00"), base...))
	return sum[:]
}

// enroller issues the enrolment links of new_user: enroll, when the
// enrolment pages are served; nil (enroll acts as reject) when not.
func (s *Server) enroller() actors.Enroller {
	if !s.cfg.DeviceAPI.Enrollment {
		return nil
	}
	return s.enrollLinks
}
