// Package actors runs logins as actors (protoactor-go): a supervisor spawns
// one login actor per in-flight login, a router delivers challenge answers
// and device answers to the right login, and one provider actor per push
// provider sends notifications. A login actor owns its timer and its state
// machine (verifying → waiting → challenged → checking → done) and answers
// the RADIUS request itself when it decides, so a waiting login costs
// memory, not a goroutine. No Receive blocks on I/O: store and password work
// runs in a goroutine that reports back to the actor's mailbox.
//
// docs/actors.md draws the tree and the messages.
package actors
