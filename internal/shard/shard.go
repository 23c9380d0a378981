// Package shard splits a key that every digest would write (the due set,
// the subscriber list, the suppression list, the delivery log) into N
// hash-tagged keys that spread over the masters of a Redis Cluster.
//
// A shard's key holds a hash tag {t} chosen so that the N shards' slots lie
// evenly over the cluster's 16,384 slots: shard i's slot falls in the i-th
// N-th of the slot range. Masters own contiguous slot ranges after
// `redis-cli --cluster create` or a rebalance, so M masters hold about N/M
// shards each, and adding masters (and moving slots to them) moves whole
// shards to them. On a single node the tags cost nothing.
//
// Which shard an item belongs to is the CRC16 of its name (a subscriber ID,
// an address) modulo N: stable for a given N, so every process of one
// deployment must use the same N (the store records it; see Layout).
package shard

import (
	"strconv"
	"sync"
)

// Slots is the number of hash slots of a Redis Cluster.
const Slots = 16384

// DefaultCount is how many shards a key is split into unless configured.
const DefaultCount = 16

// MaxCount bounds the shard count (a claim touches every shard).
const MaxCount = 1024

var (
	mu    sync.Mutex
	cache = map[int][]string{}
)

// Tags returns the hash tags of n shards, without braces: Tags(n)[i] is
// shard i's tag. The result is shared: do not modify it.
func Tags(n int) []string {
	mu.Lock()
	defer mu.Unlock()
	if t, ok := cache[n]; ok {
		return t
	}
	tags := make([]string, n)
	for i := range tags {
		tags[i] = tagFor(i, n)
	}
	cache[n] = tags
	return tags
}

// tagFor finds the first tag "<i>.<k>" whose slot lies in shard i's range.
func tagFor(i, n int) string {
	lo, hi := i*Slots/n, (i+1)*Slots/n
	for k := 0; ; k++ {
		t := strconv.Itoa(i) + "." + strconv.Itoa(k)
		if s := int(Slot(t)); s >= lo && s < hi {
			return t
		}
	}
}

// Of returns the shard (0..n-1) of name.
func Of(name string, n int) int {
	if n <= 1 {
		return 0
	}
	return int(crc16(name)) % n
}

// Slot is the Redis Cluster hash slot of key, honouring a {tag}.
func Slot(key string) uint16 {
	if s := hashTag(key); s != "" {
		key = s
	}
	return crc16(key) % Slots
}

// hashTag returns what the first {…} of key holds, "" when none or empty.
func hashTag(key string) string {
	for i := 0; i < len(key); i++ {
		if key[i] != '{' {
			continue
		}
		for j := i + 1; j < len(key); j++ {
			if key[j] == '}' {
				return key[i+1 : j]
			}
		}
		return ""
	}
	return ""
}

// crc16 is CRC-16/XMODEM, the checksum Redis Cluster hashes keys with.
func crc16(s string) uint16 {
	var crc uint16
	for i := 0; i < len(s); i++ {
		crc ^= uint16(s[i]) << 8
		for range 8 {
			if crc&0x8000 != 0 {
				crc = crc<<1 ^ 0x1021
			} else {
				crc <<= 1
			}
		}
	}
	return crc
}
