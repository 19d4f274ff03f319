package eap_test

import (
	"fmt"
	"log"

	"github.com/pushauth/pushauth/protocol/eap"
	"github.com/pushauth/pushauth/protocol/eap/eaptest"
)

// The login actor's side of a PEAP/GTC conversation: every EAP-Response
// goes into Handle; a Step with a Reply is sent back (in an
// Access-Challenge, or with Done in an Access-Accept or Access-Reject);
// a Step with an Event waits for the actor's decision.
func ExampleSession() {
	certs, err := eaptest.NewCerts()
	if err != nil {
		log.Fatal(err)
	}
	srv, err := eap.NewServer(eap.Config{TLS: certs.ServerTLS(), Methods: []eap.Type{eap.TypePEAP}})
	if err != nil {
		log.Fatal(err)
	}
	s := srv.NewSession()
	defer s.Close()
	peer := eaptest.New(eaptest.Config{Method: eap.TypePEAP, Inner: eaptest.GTC, Identity: "anonymous",
		InnerIdentity: "alice", Answers: []string{"correct horse", "push"}, TLS: certs.ClientTLS(0)})
	defer peer.Close()

	step, err := s.Handle(peer.IdentityResponse(1))
	for err == nil {
		switch step.Event.Kind {
		case eap.EventIdentity:
			fmt.Println("inner identity:", step.Event.Identity)
			step, err = s.Prompt("Password: ")
			continue
		case eap.EventAnswer:
			fmt.Println("gtc answer:", step.Event.Secret)
			if step.Event.Secret == "push" {
				step, err = s.Succeed() // the phone approved
			} else {
				step, err = s.Prompt("Type push, or enter a passcode: ") // the phone stayed silent
			}
			continue
		}
		if step.Done {
			fmt.Println("success:", step.Success, "keys:", len(step.Keys.RecvKey()), len(step.Keys.SendKey()))
			break
		}
		var resp []byte
		if resp, err = peer.Respond(step.Reply); err == nil {
			step, err = s.Handle(resp)
		}
	}
	if err != nil {
		log.Fatal(err)
	}
	// Output:
	// inner identity: alice
	// gtc answer: correct horse
	// gtc answer: push
	// success: true keys: 32 32
}
