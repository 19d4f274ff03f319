package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/rs/zerolog"
	layeh "layeh.com/radius"

	"github.com/pushauth/pushauth/internal/radagent"
	"github.com/pushauth/pushauth/protocol/radius/agentprobe"
)

// probeTimeout bounds the start-up probe: a server that has not answered
// by then is warned about, and pushweb starts anyway (pushauthd may come
// up after it).
const probeTimeout = 3 * time.Second

// errSetup means pushauthd's answer to the probe shows that its client
// for this host cannot take pushweb's empty passwords.
var errSetup = errors.New("pushauthd's client for this host cannot take pushweb's sign-ins")

// probeServer asks pushauthd, before pushweb serves, whether the client
// this host is can work with pushweb's empty User-Password
// (protocol/radius/agentprobe: a reserved user name that pushauthd answers
// itself, never a login, never a lockout failure; docs/agents.md). It
// fails, and pushweb does not start, only when the answer shows that it
// cannot: the client's policy checks the empty password as a password, so
// every sign-in would fail and count toward the user's lockout. No answer,
// or an answer from a server that does not know the probe, is a warning.
func probeServer(ctx context.Context, rad *radiusClient, log zerolog.Logger) error {
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	rep, err := rad.exchange(ctx, radagent.Request{User: agentprobe.User})
	if err != nil {
		log.Warn().Err(err).Dur("waited", probeTimeout).
			Msg("no answer from pushauthd to the set-up probe: is pushauthd running, is this host one of its RADIUS clients " +
				"(kind isapi) and is the shared secret the same? pushweb starts anyway")
		return nil
	}
	res, ok := agentprobe.Parse(rep.message)
	if !ok || rep.code != layeh.CodeAccessReject {
		log.Warn().Str("reply", rep.code.String()).Str("message", rep.message).
			Msg("the RADIUS server did not answer the set-up probe as pushauthd does (an older pushauthd?): " +
				"its client for this host must be of kind isapi with a policy whose method is token; pushweb starts anyway")
		return nil
	}
	if problem := res.Problem(); problem != "" {
		return fmt.Errorf("%w: %s", errSetup, problem)
	}
	ev := log.Info()
	if res.Kind != agentprobe.KindISAPI {
		ev = log.Warn()
	}
	ev.Str("client", res.Client).Str("kind", res.Kind).Str("policy", res.Policy).Str("method", res.Method).
		Msg(probeVerdict(res))
	return nil
}

// probeVerdict is the log message of a probe whose client can work.
func probeVerdict(res agentprobe.Result) string {
	if res.Kind != agentprobe.KindISAPI {
		return "pushauthd's client for this host takes empty passwords, but is not of kind isapi: " +
			"its logins get no number matching unless the client or policy asks for it (docs/behaviour.md S10.3)"
	}
	return "pushauthd's client for this host takes pushweb's sign-ins"
}
