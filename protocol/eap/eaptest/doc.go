// Package eaptest is a test peer for package eap: a supplicant that runs
// crypto/tls as the client over the same EAP framing (PEAPv0 and EAP-TTLS,
// fragmentation, acknowledgements) and answers inner PAP or EAP-GTC, plus
// a throw-away certificate authority for the server side.
package eaptest
