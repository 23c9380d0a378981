package webhooks

import "herald/internal/shard"

func (st *Store) outboxKey(i int) string {
	return st.prefix + "events:{" + shard.Tags(st.shards)[i] + "}"
}
func (st *Store) endpointsKey() string       { return st.prefix + "webhooks" }
func (st *Store) statusKey(id string) string { return st.prefix + "webhook:" + id + ":status" }
func (st *Store) leaseKey(id string) string  { return st.prefix + "webhook:" + id + ":lease" }
func (st *Store) cursorKey(id string, i int) string {
	return st.prefix + "webhook:" + id + ":cursor:{" + shard.Tags(st.shards)[i] + "}"
}
