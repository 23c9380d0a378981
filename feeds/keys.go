package feeds

// The store's key names, all made here (the layout is in the package
// comment). Feed IDs are hex digits, so a tag never holds '{' or '}'.

func (s *Store) indexKey() string          { return s.prefix + "feeds" }
func (s *Store) feedKey(id string) string  { return s.prefix + "feed:{" + id + "}" }
func (s *Store) leaseKey(id string) string { return s.prefix + "feed:{" + id + "}:lease" }

// Fields of the feed hash.
const (
	fieldConfig = "config"
	fieldStatus = "status"
)
