// Package webpush delivers pushes to the pushauth web app through the
// standard Web Push protocol: RFC 8030 (the request to the browser's push
// service), RFC 8291 (aes128gcm message encryption to the subscription's
// keys) and RFC 8292 (VAPID: the server identifies itself with an ES256
// JWT). It is written on the standard library only.
//
// A subscription is what the browser's PushManager gives the app
// (PushSubscription.toJSON()); ParseSubscription checks one as the device
// API receives it. Provider is the push provider the server runs;
// webpushtest is a fake push service for tests.
package webpush
