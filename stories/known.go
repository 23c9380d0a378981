package stories

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/cespare/xxhash/v2"
	"github.com/redis/go-redis/v9"
)

// Known is a story as a reader holds it, with Sum, the revision of the
// stored bytes it was decoded from (see Rev; 0 when not known).
type Known struct {
	Story *Story
	Sum   uint64
}

// Rev is the revision of a story stored as data, which Put keeps beside it
// (storyrev:<id>): a reader holding a copy learns whether it is current
// from those few bytes rather than from the whole story.
func Rev(data []byte) string { return revString(xxhash.Sum64(data)) }

func revString(sum uint64) string { return strconv.FormatUint(sum, 16) }

// GetMany returns the stored stories among ids, keyed by id, with pipelined
// GETs. Ids that are not stored (expired, deleted) are left out.
func (st *Store) GetMany(ctx context.Context, ids []string) (map[string]*Story, error) {
	known, err := st.GetManyKnown(ctx, ids, nil)
	if err != nil {
		return nil, err
	}
	out := make(map[string]*Story, len(known))
	for id, k := range known {
		out[id] = k.Story
	}
	return out, nil
}

// GetManyKnown is GetMany for a reader that holds earlier reads (held, nil
// for none, gives the copy it holds of an id): a held copy whose revision
// is the stored one is given back as it is, and only the other stories
// are read and decoded, so reading unchanged stories again costs their
// revisions, not their bodies. A story stored before revisions were kept
// is read whole.
func (st *Store) GetManyKnown(ctx context.Context, ids []string, held func(id string) (Known, bool)) (map[string]Known, error) {
	out := make(map[string]Known, len(ids))
	stale, err := st.current(ctx, ids, held, out)
	if err != nil {
		return nil, err
	}
	if err := st.readKnown(ctx, stale, out); err != nil {
		return nil, err
	}
	return out, nil
}

// current puts in out the held copies of ids that are current, and returns
// the other ids, once each.
func (st *Store) current(ctx context.Context, ids []string, held func(id string) (Known, bool), out map[string]Known) ([]string, error) {
	type check struct {
		k   Known
		rev *redis.StringCmd
	}
	var stale []string
	checks := make(map[string]check)
	seen := make(map[string]bool, len(ids))
	_, err := st.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, id := range ids {
			if seen[id] {
				continue
			}
			seen[id] = true
			if k, ok := heldCopy(held, id); ok && k.Sum != 0 {
				checks[id] = check{k, p.Get(ctx, st.revKey(id))}
			} else {
				stale = append(stale, id)
			}
		}
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("stories: get many: %w", err)
	}
	for id, c := range checks {
		if c.rev.Val() == revString(c.k.Sum) {
			out[id] = c.k
		} else {
			stale = append(stale, id)
		}
	}
	return stale, nil
}

func heldCopy(held func(id string) (Known, bool), id string) (Known, bool) {
	if held == nil {
		return Known{}, false
	}
	k, ok := held(id)
	return k, ok && k.Story != nil
}

// readKnown reads and decodes the stories of ids (distinct) into out.
func (st *Store) readKnown(ctx context.Context, ids []string, out map[string]Known) error {
	if len(ids) == 0 {
		return nil
	}
	cmds := make([]*redis.StringCmd, len(ids))
	_, err := st.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, id := range ids {
			cmds[i] = p.Get(ctx, st.storyKey(id))
		}
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return fmt.Errorf("stories: get many: %w", err)
	}
	for i, cmd := range cmds {
		data, err := cmd.Bytes()
		if errors.Is(err, redis.Nil) {
			continue
		}
		if err != nil {
			return fmt.Errorf("stories: get many %q: %w", ids[i], err)
		}
		s, err := decodeStory(data)
		if err != nil {
			return fmt.Errorf("stories: get many %q: %w", ids[i], err)
		}
		out[ids[i]] = Known{Story: s, Sum: xxhash.Sum64(data)}
	}
	return nil
}
