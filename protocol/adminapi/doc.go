// Package adminapi is pushauth's operator HTTP JSON API (SPEC S4, S6.1):
// the server's handlers. Its request and response bodies are in apitype and
// a Go client is adminclient, both free of the server's packages;
// cmd/pushctl is a thin CLI over the client.
//
// Every request needs "Authorization: Bearer TOKEN": the configured admin
// token (compared in constant time; role admin, named "admin.token") or a
// token created through POST /v1/admin-tokens (looked up by its SHA-256 in
// the store on every call, so a revoke holds at once on every node). Each
// token has a role, admin, helpdesk or readonly (roles.go); a call beyond
// it gets 403 "forbidden" naming both roles. Without a configured token
// every request gets 503; a missing or wrong token gets 401. A changing
// call that succeeds is audited with the token's name (actions.go). Request bodies are
// JSON, at most 64 KiB (413 beyond), and unknown fields are refused.
// Responses are JSON (204 has no body); every error is
//
//	{"error": "user \"bob\" not found", "code": "user_not_found"}
//
// with 400 (bad input), 401, 403 (role), 404 (not found), 405, 409 (exists),
// 413, 500 or 503.
//
// Endpoints:
//
//	POST   /v1/users                      {"name","password"}           201 User
//	GET    /v1/users                                                    200 {"users":[User]}
//	GET    /v1/users/{name}                                             200 User
//	DELETE /v1/users/{name}                                             204
//	PUT    /v1/users/{name}/password      {"password"}                  204
//	PUT    /v1/users/{name}/policy        {"policy"} ("" clears)        200 User
//	POST   /v1/users/{name}/tokens        ProgramRequest                201 ProgramResult
//	GET    /v1/users/{name}/tokens                                      200 {"tokens":[Token]}
//	DELETE /v1/tokens/{serial}                                          204
//	POST   /v1/tokens/{serial}/activation                               201 ProgramResult (new code)
//	GET    /v1/policies                                                 200 {"policies":[Policy]}
//	GET    /v1/policies/{name}                                          200 Policy
//	PUT    /v1/policies/{name}            {"settings":{"key":"value"}}  200 Policy
//	GET    /v1/audit?user=NAME&limit=N&kind=login|admin|all             200 {"records":[AuditRecord]}
//	GET    /v1/logins                                                   200 {"logins":[Login]}
//	POST   /v1/users/{name}/bypass-codes  BypassCodeRequest             201 BypassCode (code shown once)
//	GET    /v1/users/{name}/bypass-codes                                200 {"bypass_codes":[BypassCode]}
//	DELETE /v1/users/{name}/bypass-codes/{id}                           204
//	POST   /v1/admin-tokens               {"name","role"}               201 AdminToken (token shown once)
//	GET    /v1/admin-tokens                                             200 {"admin_tokens":[AdminToken]}
//	DELETE /v1/admin-tokens/{name}                                      204
//
// User names, in a body or a /v1/users/{name} path, go through
// auth.NormalizeUserName: they are stored and looked up in its normal form
// (PRECIS UsernameCaseMapped, RFC 8265: lower case, so "Alice" is alice
// and creating it beside alice is a 409 user_exists), and a name it
// refuses is a 400 with code "invalid_name" whose message names the
// problem: control or invisible characters (bidi overrides, zero-width
// characters), letters of more than one of the Latin, Cyrillic and Greek
// scripts, "." and "..", '/', '?', '#', '%', more than 253 bytes, and so on.
// A user stored before these rules under a name they refuse can still be
// read (GET /v1/users/{name} and its tokens) and deleted under exactly that
// name, but is given no password, policy or token. Clients send a name as
// one escaped path segment (url.PathEscape).
//
// Audit records have "reported": true when the user denied the push as
// "this wasn't me" (SPEC S5.4); the field is absent otherwise. On a
// cluster, "node" names the node that ran the login (cluster.node); it is
// absent on a single node.
//
// Programming a token (ProgramRequest.Type):
//   - "oath": a new random seed; the response carries the otpauth:// URI for
//     an authenticator app (algorithm "totp", the default, or "hotp"; 6
//     digits; 30 s period).
//   - "softtoken": a push-capable phone token (SPEC S4.1); the response
//     carries a single-use activation code, the activation URL on the device
//     API and its expiry. Only the code's SHA-256 is stored.
//     POST /v1/tokens/{serial}/activation issues a fresh code (the old one
//     stops working), e.g. after the first expired or for a new phone.
//   - "gridsure": "pip" gives the pattern, e.g. "0,6,12,18" (SPEC S4.3).
//
// Serials are generated ("OATH-1A2B3C4D") unless given. Secrets (seed, URI,
// activation code) appear only in the programming response; token listings
// never show them, and nothing secret (passwords, seeds, PIPs, codes) is
// logged.
//
// Policy settings are the keys of auth.ParsePolicySetting (push, method,
// attempt_limit, lockout_failures, lockout_seconds, pushes_per_minute, number_matching);
// values may be JSON strings, numbers or booleans. reply_attributes is a
// list of "Name: value" strings, checked against the server's RADIUS
// dictionaries (protocol/radius/radattr) as a whole: an unknown name, a
// value of the wrong type or attributes too large for an Access-Accept
// answer 400 invalid_policy_setting. Setting a policy that does
// not exist yet starts from the built-in default. The "default" policy is
// listed (with "builtin": true) even when it has never been stored.
package adminapi
