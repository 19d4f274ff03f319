// Package eap speaks EAP over RADIUS for pushauth's network logins
// (SPEC S8): the EAP packet codec (RFC 3748), EAP-Message framing in
// RADIUS attributes (RFC 3579), the TLS record flow of PEAPv0 and EAP-TTLS
// (RFC 5281) as a server-side state machine per conversation, and the
// MS-MPPE keys the access point needs (RFC 2548, RFC 9427 for TLS 1.3).
//
// A Session holds one conversation. The caller feeds it each
// EAP-Response and sends back the EAP-Request, EAP-Success or
// EAP-Failure it returns. The Session never decides whether a user may
// in: when the peer reveals its inner identity or password it returns an
// Event and waits for an instruction (Prompt, Succeed or Fail), so the
// login actor that owns the conversation applies the push rules.
//
// TLS runs through crypto/tls over an in-memory connection. Only the
// handshake needs a goroutine, because crypto/tls cannot pause it; that
// goroutine ends with the handshake or with Close. Records after the
// handshake are read synchronously, so a conversation waiting on a phone
// costs memory only.
//
// The package holds no policy and no package-level mutable state.
package eap
