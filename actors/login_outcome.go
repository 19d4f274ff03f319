package actors

import "github.com/pushauth/pushauth/auth"

// outcome is how a login ends: the reply its held requests get (code and
// Reply-Message) and the audit reason.
type outcome struct {
	code    ReplyCode
	message string
	reason  auth.Reason
}

// accepted is an Access-Accept.
func accepted(reason auth.Reason) outcome { return outcome{code: Accept, reason: reason} }

// rejected is an Access-Reject showing message.
func rejected(message string, reason auth.Reason) outcome {
	return outcome{code: Reject, message: message, reason: reason}
}

// dropped answers nothing: the NAS retries, at a peer or the restarted
// node (shutdown, crash). Its audit outcome is abandoned.
func dropped(reason auth.Reason) outcome { return outcome{code: Drop, reason: reason} }
