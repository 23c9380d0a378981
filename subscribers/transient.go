package subscribers

import (
	"errors"

	"github.com/redis/go-redis/v9"
)

// Transient reports whether err is Redis being away for a moment rather
// than an answer about the data: a write the replicas did not acknowledge,
// a connection that failed, or a cluster between topologies (CLUSTERDOWN,
// TRYAGAIN, MOVED, LOADING, READONLY, MASTERDOWN). Work that failed so is
// worth handing back at once; a reply about the data (a wrong type, a
// script error) would fail the same way again.
func Transient(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, ErrNotDurable) {
		return true
	}
	var reply redis.Error
	if !errors.As(err, &reply) {
		return true // no reply from Redis at all: a dial, a reset, a timeout
	}
	_, moved := redis.IsMovedError(err)
	return moved || redis.IsClusterDownError(err) || redis.IsTryAgainError(err) ||
		redis.IsLoadingError(err) || redis.IsReadOnlyError(err) || redis.IsMasterDownError(err)
}
