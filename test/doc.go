// Package test holds pushauth's end-to-end tests: the real server started
// in-process on 127.0.0.1:0, driven over real UDP by FreeRADIUS's radclient
// and by pushauth's own RADIUS client, with real HTTP to the admin and
// device APIs and a real SQLite store. Each test names the SPEC lines it
// proves.
package test
