package stories

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Item is one element of a batch given to ParseItems: its zero-based
// position in the input, and either a valid, normalized Story or the error
// that rejected it.
type Item struct {
	Index int
	Story *Story
	Err   error
}

// ItemError is a per-item error from Parse: "item 3: stories: headline:
// required". Unwrap gives the underlying error (often a *ValidationError).
type ItemError struct {
	Index int
	Err   error
}

func (e *ItemError) Error() string { return "item " + strconv.Itoa(e.Index) + ": " + e.Err.Error() }
func (e *ItemError) Unwrap() error { return e.Err }

// ErrEmptyInput is returned by Parse and ParseItems for input that holds
// nothing but white space.
var ErrEmptyInput = errors.New("stories: parse: empty input")

// Parse reads stories from r: one JSON object, a JSON array of objects, or
// NDJSON (one object per line). Every item is normalized and validated.
// Parse returns the valid stories and, when any item was bad, an error
// joining one *ItemError per bad item (errors.As finds the
// *ValidationError of the first). Unknown fields are errors, as is an item
// larger than MaxStoryBytes or an id repeated within the input. Field names
// match case-insensitively, as in encoding/json. An ingested_at in the input
// is read but the store ignores it (Store.Put sets it).
//
// A JSON syntax error stops reading: items before it are still returned.
// Parse does not bound the total input: wrap r (http.MaxBytesReader) to cap
// a request.
func Parse(r io.Reader) ([]*Story, error) {
	items, err := ParseItems(r)
	var good []*Story
	var errs []error
	for _, it := range items {
		if it.Err != nil {
			errs = append(errs, &ItemError{Index: it.Index, Err: it.Err})
			continue
		}
		good = append(good, it.Story)
	}
	if err != nil {
		errs = append(errs, err)
	}
	return good, errors.Join(errs...)
}

// ParseItems is Parse for batch APIs: it returns one Item per element read,
// valid or not, so a caller can store the good ones and report the bad ones
// by index. The error is for the input as a whole (empty, not JSON, a syntax
// error, a read error); the items read before it are still returned.
func ParseItems(r io.Reader) ([]Item, error) {
	src := &itemReader{r: r}
	br := bufio.NewReader(src)
	first, err := firstByte(br)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(br)
	src.dec, src.base = dec, src.n-int64(br.Buffered())
	p := &parser{dec: dec, src: src, ids: map[string]int{}}
	if first == '[' {
		err = p.array()
	} else {
		err = p.stream()
	}
	return p.items, err
}

// firstByte skips a UTF-8 byte order mark and white space, and checks that
// the input starts like an object or an array.
func firstByte(br *bufio.Reader) (byte, error) {
	if bom, _ := br.Peek(3); bytes.Equal(bom, []byte("\xef\xbb\xbf")) {
		_, _ = br.Discard(3)
	}
	for {
		b, err := br.ReadByte()
		switch {
		case errors.Is(err, io.EOF):
			return 0, ErrEmptyInput
		case err != nil:
			return 0, fmt.Errorf("stories: parse: %w", err)
		case b == ' ' || b == '\t' || b == '\n' || b == '\r':
			continue
		case b != '{' && b != '[':
			return 0, fmt.Errorf("stories: parse: input must be a JSON object, an array of objects, or NDJSON; it starts with %q", b)
		}
		return b, br.UnreadByte()
	}
}

type parser struct {
	dec   *json.Decoder
	src   *itemReader
	ids   map[string]int // id -> index of its first item
	items []Item
}

// array reads "[ item, item, ... ]" and nothing after it.
func (p *parser) array() error {
	if _, err := p.dec.Token(); err != nil {
		return p.syntax(err)
	}
	for p.dec.More() {
		if err := p.next(); err != nil {
			return err
		}
	}
	if _, err := p.dec.Token(); err != nil {
		return p.syntax(err)
	}
	if _, err := p.dec.Token(); !errors.Is(err, io.EOF) {
		return fmt.Errorf("stories: parse: unexpected data after the array")
	}
	return nil
}

// stream reads one object, or several separated by white space (NDJSON).
func (p *parser) stream() error {
	for {
		err := p.next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// next reads one item. It returns io.EOF at the end of a stream, or an error
// that stops parsing.
func (p *parser) next() error {
	p.src.mark = p.src.base + p.dec.InputOffset()
	var raw json.RawMessage
	if err := p.dec.Decode(&raw); err != nil {
		if errors.Is(err, io.EOF) {
			return io.EOF
		}
		return p.syntax(err)
	}
	index := len(p.items)
	s, err := decodeItem(raw)
	if err == nil {
		err = p.checkDuplicate(index, s.ID)
	}
	if err != nil {
		s = nil
	}
	p.items = append(p.items, Item{Index: index, Story: s, Err: err})
	return nil
}

func (p *parser) checkDuplicate(index int, id string) error {
	if first, dup := p.ids[id]; dup {
		return invalid("id", "%q repeats item %d", id, first)
	}
	p.ids[id] = index
	return nil
}

// syntax turns an error that stops the decoder into one naming the item.
func (p *parser) syntax(err error) error {
	at := "item " + strconv.Itoa(len(p.items))
	var se *json.SyntaxError
	switch {
	case errors.Is(err, errTooLarge):
		return fmt.Errorf("%s: %w", at, tooLarge(-1))
	case errors.As(err, &se):
		return fmt.Errorf("%s: stories: invalid JSON at byte %d: %w", at, se.Offset, err)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("%s: stories: invalid JSON: input ends mid-item: %w", at, err)
	}
	return fmt.Errorf("%s: stories: parse: %w", at, err)
}

// decodeItem turns one element into a normalized, valid story.
func decodeItem(raw json.RawMessage) (*Story, error) {
	if len(raw) > MaxStoryBytes {
		return nil, tooLargeItem(raw)
	}
	if raw[0] != '{' {
		return nil, invalid("", "item is not a JSON object")
	}
	if !utf8.Valid(raw) {
		return nil, invalid("", "invalid UTF-8 at byte %d of the item", invalidUTF8At(raw))
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	var s Story
	if err := dec.Decode(&s); err != nil {
		return nil, decodeError(raw, err)
	}
	s.Normalize()
	if err := s.Validate(); err != nil {
		return nil, err
	}
	return &s, nil
}

func tooLarge(n int) error {
	if n < 0 {
		return invalid("", "story is larger than %d bytes", MaxStoryBytes)
	}
	return invalid("", "story is %d bytes, larger than %d", n, MaxStoryBytes)
}

// tooLargeItem names the largest field of an oversized item, so the
// rejection says what to cut.
func tooLargeItem(raw json.RawMessage) error {
	var fields map[string]json.RawMessage
	if json.Unmarshal(raw, &fields) != nil {
		return tooLarge(len(raw))
	}
	name, size := "", 0
	for k, v := range fields {
		if len(v) > size || len(v) == size && k < name {
			name, size = k, len(v)
		}
	}
	return invalid(name, "story is %d bytes, larger than %d (this field holds %d)", len(raw), MaxStoryBytes, size)
}

func invalidUTF8At(b []byte) int {
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size == 1 {
			return i
		}
		i += size
	}
	return -1
}

// decodeError names the field a decoding error is about.
func decodeError(raw json.RawMessage, err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return invalid(te.Field, "must be a JSON %s, not %s", jsonKind(te.Type.Kind().String()), te.Value)
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		if unq, uerr := strconv.Unquote(name); uerr == nil {
			name = unq
		}
		return invalid(name, "unknown field")
	}
	if field := badTimeField(raw); field != "" {
		return invalid(field, "must be an RFC 3339 time such as \"2026-11-28T08:00:00Z\"")
	}
	return invalid("", "invalid item: %v", err)
}

func jsonKind(goKind string) string {
	switch goKind {
	case "slice", "array":
		return "array"
	case "struct", "map":
		return "object"
	case "int", "int64", "float64":
		return "number"
	}
	return goKind
}

// badTimeField finds which time field of an item does not parse.
func badTimeField(raw json.RawMessage) string {
	var times struct {
		PublishedAt json.RawMessage `json:"published_at"`
		IngestedAt  json.RawMessage `json:"ingested_at"`
	}
	if json.Unmarshal(raw, &times) != nil {
		return ""
	}
	for _, f := range []struct {
		name string
		raw  json.RawMessage
	}{{"published_at", times.PublishedAt}, {"ingested_at", times.IngestedAt}} {
		var t time.Time
		if f.raw != nil && t.UnmarshalJSON(f.raw) != nil {
			return f.name
		}
	}
	return ""
}

var errTooLarge = errors.New("item too large")

// itemReader bounds how much the decoder may read for one item, so a single
// enormous item fails early instead of being buffered whole. Up to
// maxItemRead an oversized item is read, rejected with its largest field
// named, and the items after it are still parsed; past it the input stops.
type itemReader struct {
	r    io.Reader
	dec  *json.Decoder // set once the decoder starts; no bound before
	n    int64         // bytes handed out so far
	base int64         // offset of the decoder's first byte in the input
	mark int64         // offset where the current item starts
}

// maxItemRead is the most the decoder may read for one item, read-ahead
// included.
const maxItemRead = 64 * MaxStoryBytes

func (ir *itemReader) Read(b []byte) (int, error) {
	if ir.dec != nil && ir.n-ir.mark > maxItemRead {
		return 0, errTooLarge
	}
	n, err := ir.r.Read(b)
	ir.n += int64(n)
	return n, err
}
