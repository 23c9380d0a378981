// Package outbox is the channel that writes messages to a folder instead of
// sending them, for the demo and dry runs. An email message becomes
// <subscriber id>-<message id>.eml holding exactly the bytes the email
// channel would hand to the SMTP server (email.WriteMessage); a Slack
// message becomes <subscriber id>-<message id>.json, a JSON array of its
// chat.postMessage bodies with "channel" set from the destination. A
// webhook URL is a secret and is never written: such payloads carry
// "webhook": "configured" instead. Files are written atomically (a
// temporary file renamed into place); sending the same message again
// replaces its file. With WithDKIM an email file holds the signed bytes,
// its DKIM-Signature header field first, as the email channel would send
// them.
package outbox

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"herald/channels/email"
	"herald/digest"
	"herald/subscribers"
)

var _ digest.Channel = (*Writer)(nil)

// Writer writes messages to files in one folder. It is safe for concurrent
// use.
type Writer struct {
	dir      string
	from     digest.Address
	hostname string
	dkim     *email.DKIM

	mu    sync.Mutex
	files []string
}

// Option configures a Writer.
type Option func(*Writer)

// WithDKIM signs every email file with d (nil: unsigned).
func WithDKIM(d *email.DKIM) Option { return func(w *Writer) { w.dkim = d } }

// New returns a Writer for dir, creating the folder. hostname is the
// Message-ID domain; empty means the domain of from.Email.
func New(dir string, from digest.Address, hostname string, opts ...Option) (*Writer, error) {
	if dir == "" {
		return nil, errors.New("outbox: dir is empty")
	}
	if hostname == "" {
		_, hostname, _ = strings.Cut(from.Email, "@")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("outbox: create %s: %w", dir, err)
	}
	w := &Writer{dir: dir, from: from, hostname: hostname}
	for _, o := range opts {
		o(w)
	}
	return w, nil
}

// Dir is the folder the Writer writes to.
func (w *Writer) Dir() string { return w.dir }

// Files lists the paths written so far, in the order first written.
func (w *Writer) Files() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.files)
}

// Send writes msg to its file. A message that cannot be written as it
// stands is a permanent failure ("invalid_message"); a file system error
// is temporary.
func (w *Writer) Send(ctx context.Context, msg *digest.Message) error {
	if err := ctx.Err(); err != nil {
		return digest.Temporary(0, err)
	}
	if msg == nil {
		return digest.Permanent(0, "invalid_message", errors.New("outbox: message is nil"))
	}
	data, ext, err := w.encode(msg)
	if err != nil {
		return digest.Permanent(0, "invalid_message", err)
	}
	path := filepath.Join(w.dir, fileName(msg.SubscriberID, msg.ID)+ext)
	if err := writeAtomic(path, data); err != nil {
		return digest.Temporary(0, fmt.Errorf("outbox: write %s: %w", path, err))
	}
	w.record(path)
	return nil
}

func (w *Writer) encode(msg *digest.Message) ([]byte, string, error) {
	switch msg.Kind {
	case subscribers.KindEmail:
		data, err := w.emailFile(msg)
		return data, ".eml", err
	case subscribers.KindSlack:
		data, err := slackFile(msg)
		return data, ".json", err
	default:
		return nil, "", fmt.Errorf("outbox: message %q: Kind %q: want email or slack", msg.ID, msg.Kind)
	}
}

// emailFile is the message's bytes, signed when the Writer signs.
func (w *Writer) emailFile(msg *digest.Message) ([]byte, error) {
	raw, err := email.AppendMessage(nil, msg, w.from, w.hostname)
	if err == nil && w.dkim != nil {
		raw, err = w.dkim.AppendSigned(make([]byte, 0, len(raw)+1024), raw)
	}
	if err != nil {
		return nil, fmt.Errorf("outbox: %w", err)
	}
	return raw, nil
}

func (w *Writer) record(path string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !slices.Contains(w.files, path) {
		w.files = append(w.files, path)
	}
}

// slackFile is the payloads as an indented JSON array, each with its
// destination but never the webhook URL.
func slackFile(msg *digest.Message) ([]byte, error) {
	if len(msg.Payloads) == 0 {
		return nil, fmt.Errorf("outbox: message %q: Payloads is empty", msg.ID)
	}
	out := make([]map[string]json.RawMessage, 0, len(msg.Payloads))
	for i, raw := range msg.Payloads {
		p, err := destined(raw, msg.Slack)
		if err != nil {
			return nil, fmt.Errorf("outbox: message %q: Payloads[%d]: %w", msg.ID, i, err)
		}
		out = append(out, p)
	}
	data, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("outbox: message %q: %w", msg.ID, err)
	}
	if msg.Slack != nil && msg.Slack.WebhookURL != "" && bytes.Contains(data, []byte(msg.Slack.WebhookURL)) {
		return nil, fmt.Errorf("outbox: message %q: a payload holds the webhook URL; refusing to write it", msg.ID)
	}
	return append(data, '\n'), nil
}

func destined(raw json.RawMessage, dest *digest.SlackDestination) (map[string]json.RawMessage, error) {
	var p map[string]json.RawMessage
	if err := json.Unmarshal(raw, &p); err != nil {
		return nil, err
	}
	if p == nil {
		return nil, errors.New("not a JSON object")
	}
	delete(p, "webhook")
	if dest == nil {
		return p, nil
	}
	if dest.Channel != "" {
		p["channel"], _ = json.Marshal(dest.Channel)
	}
	if dest.WebhookURL != "" {
		p["webhook"] = json.RawMessage(`"configured"`)
	}
	return p, nil
}

// fileName keeps letters, digits, '.', '_' and '-' and replaces the rest,
// so an ID can never leave the folder.
func fileName(subscriberID, messageID string) string {
	safe := func(s string) string {
		s = strings.Map(func(r rune) rune {
			if r < 128 && (r == '.' || r == '_' || r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
				return r
			}
			return '_'
		}, s)
		if s == "" || s[0] == '.' {
			return "_" + s // no hidden or empty names
		}
		return s
	}
	return safe(subscriberID) + "-" + safe(messageID)
}

// writeAtomic writes data to a temporary file in the same folder and
// renames it over path, so a reader never sees half a file.
func writeAtomic(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".outbox-*.tmp")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp, 0o644)
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		_ = os.Remove(tmp)
	}
	return err
}
