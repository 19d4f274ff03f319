package main

import clihelp "github.com/pushauth/pushauth/internal/cli"

// help is pushctl's help text.
func help() string {
	return clihelp.Command{
		Name:    "pushctl",
		Summary: "manage a pushauth server through its admin API",
		Usage: []string{
			"[--admin-url URL] [--token-file FILE | --token TOKEN] [--json] COMMAND [ARGS]",
			"help | --version",
		},
		About: `The global flags may also come after the command. Output is a table or
a message; --json prints the API's JSON instead.`,
		Sections: []clihelp.Section{
			{Title: "Users", Items: []clihelp.Item{
				{Term: "user add NAME --password-stdin", Text: "create a user; the password is one line on stdin"},
				{Term: "user add NAME --no-password", Text: "create a user without a password: only a policy with\nmethod=token (web logins) lets them in"},
				{Term: "user list [--source local|directory]", Text: "list users; SOURCE: local, or linked to a directory entry"},
				{Term: "user search PREFIX [--limit N]", Text: "the users whose names start with PREFIX, in name order\n(at most 50 unless --limit), paged through the API"},
				{Term: "user delete NAME", Text: "delete a user and their tokens"},
				{Term: "user set-password NAME", Text: "replace the password (one line on stdin)"},
				{Term: "user set-policy NAME POLICY", Text: `assign a policy ("" clears it)`},
				{Term: "user unlock NAME", Text: "clear the user's failed attempts, lift a lockout and a\n\"this wasn't me\" push suspension"},
			}, Text: `NAME is checked before the call: no control or invisible characters, no
letters of two of the Latin, Cyrillic and Greek scripts, no '/', '?', '#',
'%', not "." or "..", at most 253 bytes. "user delete" and "token list"
also take a name stored before these rules.`},
			{Title: "Tokens", Items: []clihelp.Item{
				{Term: "token program NAME --type oath|softtoken|gridsure", Text: "program a token; its secret is shown only now\n[--algorithm totp|hotp] [--pip 0,6,12,18] [--serial S] [--qr-png FILE]"},
				{Term: "token activate SERIAL [--qr-png FILE]", Text: "new activation code for a soft token"},
				{Term: "token link-onelogin NAME --onelogin-user ID", Text: "link a user to OneLogin Protect (pushed first)\n[--device ID]"},
				{Term: "token list NAME", Text: "list a user's tokens"},
				{Term: "token delete SERIAL", Text: "delete a token"},
			}},
			{Title: "Helpdesk", Items: []clihelp.Item{
				{Term: "bypass issue NAME [--uses N] [--valid DURATION]", Text: "a code (9 digits) that logs the user in as a passcode\nwould, N times (1-10, default 1) within DURATION (1m-168h, default 24h);\nshown only now"},
				{Term: "bypass list NAME", Text: "the user's usable bypass codes (never the codes)"},
				{Term: "bypass revoke NAME ID", Text: "revoke a bypass code"},
				{Term: "admin-token create --name NAME --role ROLE", Text: "a token for the admin API with ROLE: admin,\nhelpdesk or readonly; shown only now"},
				{Term: "admin-token list", Text: "admin tokens by name and role (never the tokens)"},
				{Term: "admin-token revoke NAME", Text: "revoke an admin token, at once on every node"},
			}, Text: `docs/operations.md, "Helpdesk", says what each role may do.`},
			{Title: "Directory", Items: []clihelp.Item{
				{Term: "directory test NAME", Text: "what the server would use for a directory user: DN, stable id,\ngroups, policy, local user (no password)"},
			}, Text: `With a directory (directory.ldap), "token program NAME" also works for a
user who exists only in the directory: the local user is created then,
linked to the entry's stable id (objectGUID or entryUUID).`},
			{Title: "Policies", Items: []clihelp.Item{
				{Term: "policy set NAME key=value...", Text: "create or change a policy (keys: push, method,\nattempt_limit, lockout_failures, lockout_seconds, pushes_per_minute,\nnumber_matching, new_user, self_enrollment, self_enrollment_otp,\nself_enrollment_window, reply_attributes: \"Name: value\", repeat the key\nfor more, empty to clear)"},
				{Term: "policy show NAME", Text: "show one policy"},
				{Term: "policy list", Text: "list policies"},
			}},
			{Title: "Operation", Items: []clihelp.Item{
				{Term: "audit [FILTERS] [--limit N]", Text: "finished logins, newest first; --kind admin: operators'\nchanges (who unlocked, issued codes…), --kind all: both"},
				{Term: "audit --follow [FILTERS]", Text: "print each new record as it is written, on every node,\nuntil interrupted (--json: one object a line)"},
				{Term: "audit --users [--reason R] [--since ...]", Text: "the matching records counted by user, e.g. who was let in\non the password alone (--reason no-token-pass --since 7d)"},
				{Term: "enrollment open --group all|DN --until 7d|RFC3339", Text: "open an enrolment window: a policy with\nself_enrollment_window lets its users enrol a first device at /enroll"},
				{Term: "enrollment close --group all|DN", Text: "close an enrolment window"},
				{Term: "enrollment list", Text: "the open enrolment windows"},
				{Term: "login list [--limit N]", Text: "logins in flight (on a cluster, every member's, with their node), oldest first (at most 1000 unless --limit), with counts by state"},
				{Term: "cluster status", Text: "the cluster's members as this node sees them (cluster nodes only)"},
				{Term: "provider list", Text: "each push provider's circuit (closed, or open while pushes skip it) and\nthe pushes the answering node handed it since it started"},
				{Term: "client list", Text: "the RADIUS clients the server applies now (role admin; never a secret)"},
				{Term: "health", Text: "the server's /readyz: exit 0 when ready (the token is\noptional with admin_api.public_health)"},
			}, Text: `FILTERS of the audit: --user NAME, --client C, --outcome accept|reject|admin,
--reason R, --node N, --login ID (one login's records), --since and --until
(7d, 36h or RFC 3339; --until is exclusive), --kind login|admin|all.`},
			{Title: "Flags", Items: []clihelp.Item{
				{Term: "--admin-url URL", Text: "admin API (default $" + envAdminURL + " or " + defaultAdminURL + ")"},
				{Term: "--token-file FILE", Text: "read the bearer token from FILE, e.g. the server's data_dir/admin.token"},
				{Term: "--token TOKEN", Text: "bearer token (visible to other local users; prefer a file or the variable)"},
				{Term: "--json", Text: "print the API's JSON instead of tables"},
				{Term: "--version", Text: "print the version and exit"},
				{Term: "--help", Text: "print this help and exit"},
			}},
			{Title: "Environment", Items: []clihelp.Item{
				{Term: envAdminURL, Text: "admin API base URL"},
				{Term: envAdminToken, Text: "bearer token"},
				{Term: envAdminTokenFile, Text: "file holding the bearer token"},
			}},
			{Title: "Exit status", Items: []clihelp.Item{
				{Term: "0", Text: "done"},
				{Term: "1", Text: "the command failed (one line on stderr)"},
				{Term: "2", Text: "wrong command line"},
			}},
		},
	}.Help()
}
