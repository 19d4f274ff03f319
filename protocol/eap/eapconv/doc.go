// Package eapconv runs the EAP conversations of 802.1X logins (SPEC S8)
// as actors beside the login System: the node's keeper
// ("eap-conversations") routes each EAP round by RADIUS State to its
// conversation, which owns the protocol/eap Session and, once the
// supplicant reveals its inner password or a GTC answer, submits an
// ordinary Attempt with actors.System.Submit, as the RADIUS adapter does
// for PAP, then translates the login's Reply into EAP (docs/actors.md,
// "EAP conversations").
//
// Everything here is node-local: a conversation's TLS state cannot leave
// its node.
package eapconv
