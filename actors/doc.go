// Package actors runs logins as actors (protoactor-go): one owner per node
// spawns a login actor per in-flight login, knows each login's PID, routes
// challenge answers and device answers to it (or to the owner of the node
// that holds it) and stops logins once they report that they are done. A
// slots keeper per node holds the push slot of the users that hash to it
// (one outstanding push per user: join or supersede, across nodes). One
// provider actor per push provider
// sends notifications with a bounded number of sends in flight.
//
// A login actor owns its timer and its state machine (verifying → waiting →
// challenged → checking → done) and answers the RADIUS request itself, by
// sending a Reply to the request's reply PID, so a waiting login costs
// memory, not a goroutine. No Receive blocks on I/O: store, password and
// provider work runs in goroutines the System counts and waits for at
// shutdown. Everything a login can receive from outside its own goroutines
// is a protobuf message (messages.proto), so it can cross cluster nodes.
//
// docs/actors.md draws the tree, the messages and the state machine.
package actors
