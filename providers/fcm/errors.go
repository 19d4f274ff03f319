package fcm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"

	"cloud.google.com/go/auth"
	"firebase.google.com/go/v4/errorutils"
	"firebase.google.com/go/v4/messaging"

	"github.com/pushauth/pushauth/providers"
)

// sendError is a failed push. kind is providers.ErrUnregistered,
// providers.ErrTemporary or nil (permanent); cause is the SDK's error.
// Messages carry FCM's and the token endpoint's own explanations, never a
// token, key or payload.
type sendError struct {
	kind  error
	msg   string
	cause error
}

func (e *sendError) Error() string {
	if e.kind != nil {
		return "fcm: " + e.kind.Error() + ": " + e.msg
	}
	return "fcm: " + e.msg
}

func (e *sendError) Unwrap() []error {
	var errs []error
	if e.kind != nil {
		errs = append(errs, e.kind)
	}
	if e.cause != nil {
		errs = append(errs, e.cause)
	}
	return errs
}

// deadlineError reports a send cut short by its context.
func deadlineError(ctx context.Context, cause error) error {
	msg := "no answer from FCM before the deadline"
	if a, ok := ctx.Value(attemptsKey{}).(*attempts); ok {
		if s := a.String(); s != "" {
			msg += " (" + s + ")"
		}
	}
	if cause == nil {
		cause = context.Cause(ctx)
	}
	return &sendError{kind: providers.ErrTemporary, msg: msg, cause: cause}
}

// sendFailure classifies an error from messaging.Client.Send.
func sendFailure(ctx context.Context, err error) error {
	resp := errorutils.HTTPResponse(err)
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) || (ctx.Err() != nil && resp == nil) {
		// The SDK returns the bare context error when the context ends
		// while it waits to retry a 503 or a network error. An answer FCM
		// did give is classified on its merits below.
		return deadlineError(ctx, err)
	}
	status := 0
	if resp != nil {
		status = resp.StatusCode
	}
	desc := describe(status, code(err), err)
	e := &sendError{msg: desc, cause: err}
	switch {
	case messaging.IsUnregistered(err):
		e.kind = providers.ErrUnregistered
	case messaging.IsSenderIDMismatch(err):
		// Usually the server's project is wrong, not the device: treat it
		// as a provider failure (circuit breaker) rather than disabling
		// every Android device.
		e.msg = "sender id mismatch (is project_id right?): " + desc
	case messaging.IsInvalidArgument(err) || errorutils.IsInvalidArgument(err):
		// INVALID_ARGUMENT also covers malformed messages; only the one
		// about the registration token means the device's token is bad.
		if strings.Contains(strings.ToLower(err.Error()), "registration token") {
			e.kind = providers.ErrUnregistered
		} else {
			e.msg = "message rejected: " + desc
		}
	case messaging.IsQuotaExceeded(err), messaging.IsUnavailable(err), messaging.IsInternal(err),
		errorutils.IsResourceExhausted(err), errorutils.IsUnavailable(err), errorutils.IsInternal(err),
		errorutils.IsDeadlineExceeded(err), errorutils.IsAborted(err):
		e.kind = providers.ErrTemporary
	case status == http.StatusTooManyRequests || status >= 500:
		e.kind = providers.ErrTemporary
	case resp == nil && errorutils.IsUnknown(err):
		// No HTTP response: a transport failure (reset, TLS, DNS ...).
		e.kind = providers.ErrTemporary
	case messaging.IsThirdPartyAuthError(err):
		e.msg = "APNs credentials of the Firebase project rejected: " + desc
	case errorutils.IsUnauthenticated(err), errorutils.IsPermissionDenied(err):
		e.msg = "credentials rejected (check the service account's FCM permission and project_id): " + desc
	}
	return e
}

// code names the FCM error of err for messages.
func code(err error) string {
	for _, c := range []struct {
		is   func(error) bool
		name string
	}{
		{messaging.IsUnregistered, "UNREGISTERED"},
		{messaging.IsSenderIDMismatch, "SENDER_ID_MISMATCH"},
		{messaging.IsQuotaExceeded, "QUOTA_EXCEEDED"},
		{messaging.IsThirdPartyAuthError, "THIRD_PARTY_AUTH_ERROR"},
		{messaging.IsUnavailable, "UNAVAILABLE"},
		{messaging.IsInternal, "INTERNAL"},
		{errorutils.IsInvalidArgument, "INVALID_ARGUMENT"},
		{errorutils.IsUnauthenticated, "UNAUTHENTICATED"},
		{errorutils.IsPermissionDenied, "PERMISSION_DENIED"},
		{errorutils.IsNotFound, "NOT_FOUND"},
		{errorutils.IsResourceExhausted, "RESOURCE_EXHAUSTED"},
		{errorutils.IsUnavailable, "UNAVAILABLE"},
		{errorutils.IsInternal, "INTERNAL"},
		{errorutils.IsDeadlineExceeded, "DEADLINE_EXCEEDED"},
		{errorutils.IsFailedPrecondition, "FAILED_PRECONDITION"},
	} {
		if c.is(err) {
			return c.name
		}
	}
	return ""
}

func describe(status int, code string, err error) string {
	var b strings.Builder
	if status != 0 {
		fmt.Fprintf(&b, "HTTP %d", status)
	}
	if code != "" {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(code)
	}
	if b.Len() > 0 {
		b.WriteString(": ")
	}
	b.WriteString(oneLine(err.Error(), 300))
	return b.String()
}

// tokenError classifies a failure to get an access token from the
// service account's token URI (or the metadata server).
func tokenError(ctx context.Context, err error) error {
	if ctx.Err() != nil || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return &sendError{kind: providers.ErrTemporary, msg: "no access token before the deadline", cause: err}
	}
	var ae *auth.Error
	if errors.As(err, &ae) && ae.Response != nil {
		st := ae.Response.StatusCode
		var body struct {
			Error       string `json:"error"`
			Description string `json:"error_description"`
		}
		_ = json.Unmarshal(ae.Body, &body)
		msg := fmt.Sprintf("access token refused by the token endpoint: HTTP %d", st)
		if body.Error != "" {
			msg += " " + oneLine(body.Error, 60)
		}
		if body.Description != "" {
			msg += ": " + oneLine(body.Description, 200)
		}
		e := &sendError{msg: msg}
		if st == http.StatusTooManyRequests || st >= 500 {
			e.kind = providers.ErrTemporary
		}
		return e
	}
	var ue *url.Error
	var ne net.Error
	if errors.As(err, &ue) || errors.As(err, &ne) {
		return &sendError{kind: providers.ErrTemporary, msg: "cannot reach the token endpoint: " + oneLine(err.Error(), 300), cause: err}
	}
	return &sendError{msg: "cannot get an access token: " + oneLine(err.Error(), 300)}
}

func oneLine(s string, max int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > max {
		s = s[:max] + "…"
	}
	return s
}
