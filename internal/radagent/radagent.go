// Package radagent holds what pushauth's reference agents (cmd/pushlogin,
// cmd/pushweb) share as RADIUS clients of pushauthd: the server address
// and shared secret they are configured with, the Access-Requests they
// send and how they read the replies' Reply-Messages.
package radagent

import (
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"

	layeh "layeh.com/radius"
	"layeh.com/radius/rfc2865"

	"github.com/pushauth/pushauth/protocol/radius/radclient"
)

// DefaultPort is the RADIUS authentication port used when an address
// names none.
const DefaultPort = "1812"

// ServerAddr returns addr with DefaultPort when it has no port
// ("10.0.0.5" → "10.0.0.5:1812", "[::1]" → "[::1]:1812").
func ServerAddr(addr string) string {
	if _, _, err := net.SplitHostPort(addr); err == nil {
		return addr
	}
	return net.JoinHostPort(strings.Trim(addr, "[]"), DefaultPort)
}

// ReadSecret reads a shared secret: the first line of the file at path,
// without its line end. An empty first line is an error.
func ReadSecret(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("shared secret: %w", err)
	}
	s, _, _ := strings.Cut(string(b), "\n")
	s = strings.TrimRight(s, "\r")
	if s == "" {
		return nil, fmt.Errorf("shared secret: %s is empty", path)
	}
	return []byte(s), nil
}

// Request is one Access-Request of an agent.
type Request struct {
	User     string
	Password string // the password, a passcode, "push" or empty
	State    string // the State of the challenge answered; "" for a new login
	// CallingStation is where the user is (an IP address): the phone
	// shows it. Optional.
	CallingStation string
	// NASIdentifier names the agent's host. Optional.
	NASIdentifier string
}

// Packet builds the Access-Request (radclient.Client.Exchange adds the
// Message-Authenticator when it sends it).
func (r Request) Packet(secret []byte) (*layeh.Packet, error) {
	p := radclient.NewAccessRequest(secret, r.User, r.Password, r.State, r.CallingStation)
	if r.NASIdentifier != "" {
		if err := rfc2865.NASIdentifier_SetString(p, r.NASIdentifier); err != nil {
			return nil, fmt.Errorf("NAS-Identifier: %w", err)
		}
	}
	return p, nil
}

// ReplyMessage joins the reply's Reply-Message attributes (a long message,
// such as one with a GridSure grid, may come in several).
func ReplyMessage(p *layeh.Packet) string {
	var b strings.Builder
	for _, v := range p.Attributes {
		if v.Type == rfc2865.ReplyMessage_Type {
			b.Write(v.Attribute)
		}
	}
	return b.String()
}

// OffersPush tells whether a challenge's Reply-Message offers another
// notification (the push timed out, docs/behaviour.md S2.6), rather than
// asking only for a passcode or a GridSure answer.
func OffersPush(message string) bool {
	return strings.Contains(strings.ToLower(message), "push")
}

// Denied tells whether a rejection's Reply-Message says the sign-in was
// denied on the device (docs/behaviour.md S2.6), rather than refused for
// another reason.
func Denied(message string) bool {
	return strings.Contains(strings.ToLower(message), "denied")
}

// EnrollURL returns the enrolment page's address a rejection's
// Reply-Message carries (a user with no token under the policy's
// new_user: enroll, docs/operations.md "Rolling out"), or "" when it
// carries none. Only an http or https URL whose path is /enroll or under
// it counts.
func EnrollURL(message string) string {
	for _, word := range strings.Fields(message) {
		word = strings.TrimRight(word, ".,;)")
		u, err := url.Parse(word)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			continue
		}
		if u.Path == "/enroll" || strings.HasPrefix(u.Path, "/enroll/") {
			return u.String()
		}
	}
	return ""
}
