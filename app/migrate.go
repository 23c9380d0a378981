package app

import (
	"context"
	"fmt"
	"io"

	"herald/subscribers"
)

// Migrate converts a store of the version 1 key layout (single-node keys)
// to this one, printing progress to out: subscribers, suppressions and
// follower counts, then the delivery log. It is idempotent and resumable:
// run it again after a stop and it goes on where it stopped; on a migrated
// store it changes nothing.
func (a *App) Migrate(ctx context.Context, out io.Writer) error {
	rep, err := a.Subs.Migrate(ctx, func(r subscribers.MigrateReport) {
		fmt.Fprintf(out, "\rsubscribers: %d", r.Subscribers)
	})
	if err != nil {
		return err
	}
	moved, err := a.Log.MigrateLog(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "\rmigrated %d subscribers, %d suppressions, %d topic counts, %d delivery log entries (%d shards)\n",
		rep.Subscribers, rep.Suppressions, rep.Topics, moved, a.Subs.Shards())
	return nil
}
