// Package rscript runs one Lua script many times in one pipelined round
// trip, each run on its own keys, as a Redis Cluster requires: go-redis
// splits the pipeline per node, and a node that does not have the script
// cached (NOSCRIPT, once per node after a restart or a failover) gets those
// runs again with the script's source.
package rscript

import (
	"context"
	"strings"

	"github.com/redis/go-redis/v9"
)

// Call is one run of a script.
type Call struct {
	Keys []string
	Args []any
}

// EvalMany runs script once per call in one pipeline (EVALSHA), sending
// the calls a node answered NOSCRIPT again as EVAL. cmds[i] is calls[i]'s
// reply.
func EvalMany(ctx context.Context, rdb redis.Cmdable, script *redis.Script, calls []Call) []*redis.Cmd {
	cmds := make([]*redis.Cmd, len(calls))
	_, _ = rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, c := range calls {
			cmds[i] = script.EvalSha(ctx, p, c.Keys, c.Args...)
		}
		return nil
	})
	var again []int
	for i, cmd := range cmds {
		if err := cmd.Err(); err != nil && strings.HasPrefix(err.Error(), "NOSCRIPT") {
			again = append(again, i)
		}
	}
	if len(again) == 0 {
		return cmds
	}
	_, _ = rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, i := range again {
			cmds[i] = script.Eval(ctx, p, calls[i].Keys, calls[i].Args...)
		}
		return nil
	})
	return cmds
}
