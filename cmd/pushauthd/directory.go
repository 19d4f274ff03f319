package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/rs/zerolog"

	"github.com/pushauth/pushauth/auth"
	"github.com/pushauth/pushauth/config"
	"github.com/pushauth/pushauth/directory"
	"github.com/pushauth/pushauth/internal/cli"
	"github.com/pushauth/pushauth/server"
)

// checkDirectory binds as the service account, finds user and prints on
// stdout what pushauth would use for them (SPEC S9): the entry's DN, its
// stable id, the configured groups the user is in and the policy they
// select. No password is asked for and none is sent; nothing is stored.
func checkDirectory(ctx context.Context, stdout io.Writer, log zerolog.Logger, cfg *config.Config, user string) int {
	l := cfg.Directory.LDAP
	if l == nil {
		log.Error().Msg("no directory is configured (directory.ldap)")
		return cli.ExitError
	}
	name, err := auth.NormalizeUserName(user)
	if err != nil {
		log.Error().Err(err).Msg("check directory")
		return cli.ExitError
	}
	dir, err := server.OpenDirectory(l, log, nil)
	if err != nil {
		log.Error().Err(err).Msg("check directory")
		return cli.ExitError
	}
	defer dir.Close()
	ctx, cancel := context.WithTimeout(ctx, 2*l.Timeout)
	defer cancel()
	e, err := dir.Lookup(ctx, name)
	switch {
	case errors.Is(err, directory.ErrNotFound):
		log.Error().Str("user", name).Str("user_filter", l.UserFilter).Str("base_dn", l.BaseDN).
			Msg("the directory has no single entry for this user")
		return cli.ExitError
	case err != nil:
		log.Error().Err(err).Msg("check directory")
		return cli.ExitError
	}
	printEntry(stdout, name, dir.Kind(), cfg.Passwords.Source, e)
	return cli.ExitOK
}

// printEntry writes one "key: value" line per fact.
func printEntry(w io.Writer, name, kind, source string, e *directory.Entry) {
	policy := e.Policy
	if policy == "" {
		policy = "(no configured group: the user's own, the client's or the default policy)"
	}
	account := "usable"
	if e.Refused != "" {
		account = "refused: " + string(e.Refused)
	}
	groups := "(none of the configured groups)"
	if len(e.Groups) > 0 {
		groups = strings.Join(e.Groups, "; ")
	}
	lines := [][2]string{
		{"user", name}, {"dn", e.DN}, {"stable id", e.ID}, {"directory", kind},
		{"groups", groups}, {"policy", policy}, {"account", account},
		{"password source", source},
	}
	if len(e.MemberOf) > 0 {
		lines = append(lines, [2]string{"member of", strings.Join(e.MemberOf, "; ")})
	}
	for _, l := range lines {
		fmt.Fprintf(w, "%-16s %s\n", l[0]+":", l[1])
	}
}
