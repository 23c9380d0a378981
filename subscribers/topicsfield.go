package subscribers

import (
	"slices"
	"strconv"
	"strings"
)

// A subscriber's follows are kept in the hash fields "topics", "topics2",
// "topics3", …, each a comma-separated run of slugs at most topicsChunk
// bytes long (a single longer slug has a field of its own). Redis keeps a
// hash in its compact listpack encoding only while every value is at most
// hash-max-listpack-value bytes (64 by default); one long "topics" value
// turns the whole hash into a hashtable, about three times the memory.
const topicsChunk = 64

// topicsLua defines getTopics(key), the follows as a list, and
// setTopics(key, list), which writes them in chunks and deletes the chunk
// fields the list no longer needs. The scripts that touch follows open
// with it.
var topicsLua = `
local function topicsName(i) if i == 1 then return 'topics' end return 'topics' .. i end
local function getTopics(key)
  local out, i = {}, 1
  while true do
    local v = redis.call('HGET', key, topicsName(i))
    if not v then return out end
    for t in string.gmatch(v, '[^,]+') do out[#out + 1] = t end
    i = i + 1
  end
end
local function setTopics(key, list)
  local i, chunk = 1, ''
  for _, t in ipairs(list) do
    if chunk ~= '' and #chunk + 1 + #t > ` + strconv.Itoa(topicsChunk) + ` then
      redis.call('HSET', key, topicsName(i), chunk); i = i + 1; chunk = ''
    end
    if chunk == '' then chunk = t else chunk = chunk .. ',' .. t end
  end
  if chunk ~= '' then redis.call('HSET', key, topicsName(i), chunk); i = i + 1 end
  while redis.call('HDEL', key, topicsName(i)) == 1 do i = i + 1 end
end
local function splitTopics(s)
  local out = {}
  for t in string.gmatch(s, '[^,]+') do out[#out + 1] = t end
  return out
end
`

// topicsName is the name of chunk i (1-based) of the follows.
func topicsName(i int) string {
	if i == 1 {
		return "topics"
	}
	return "topics" + strconv.Itoa(i)
}

// topicsOf reads the follows from a subscriber's hash, sorted.
func topicsOf(h map[string]string) []string {
	topics := []string{}
	for i := 1; ; i++ {
		v, ok := h[topicsName(i)]
		if !ok {
			break
		}
		if v != "" {
			topics = append(topics, strings.Split(v, ",")...)
		}
	}
	slices.Sort(topics)
	return topics
}
