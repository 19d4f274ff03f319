// Package actorstest holds the in-memory stand-ins that the login actors'
// tests and the EAP conversations' tests share: a store (the part logins
// use), a clock that moves only when told, and a push provider that hands
// its notifications to the test. It imports no actor code, so the actors
// package's own tests can use it.
package actorstest
