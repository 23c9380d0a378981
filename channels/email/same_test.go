package email

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	mathrand "math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/wneessen/go-mail"

	"herald/digest"
)

// The message AppendMessage and envelope build is, byte for byte, the one
// go-mail writes when it composes the whole message itself (Compose, then
// WriteTo), for messages of every shape: odd names and addresses, long and
// non-ASCII headers, bodies with dots, bare line feeds and boundary-like
// text. These tests hold the fast paths to that.

// goMailMessage is the message as go-mail alone writes it, and the go-mail
// message: Compose's quoted-printable, or with eightBit the 8bit bodies
// when they can be, as appendMessage decides.
func goMailMessage(msg *digest.Message, from digest.Address, hostname string, eightBit bool) ([]byte, *mail.Msg, bool, error) {
	m, err := Compose(msg, from, hostname)
	if err != nil {
		return nil, nil, false, err
	}
	eight := false
	if eightBit {
		text, ok := eightBitText(msg.Email.Text)
		html, ok2 := eightBitHTML(msg.Email.HTML)
		if eight = ok && ok2; eight {
			if m, err = compose(msg, from, hostname, string(text), string(html), mail.NoEncoding); err != nil {
				return nil, nil, false, err
			}
		}
	}
	var b bytes.Buffer
	if _, err := m.WriteTo(&b); err != nil {
		return nil, nil, false, err
	}
	return b.Bytes(), m, eight, nil
}

func TestAppendMessageIsGoMails(t *testing.T) {
	r := mathrand.New(mathrand.NewPCG(7, 11))
	for i := range 3000 {
		msg, from, host := variedMessage(r, i)
		for _, eightBit := range []bool{false, true} {
			want, _, wantEight, wantErr := goMailMessage(msg, from, host, eightBit)
			for _, f := range []form{{}, {wire: true}, {wire: true, bdat: true}} {
				f.eightBit = eightBit
				got, _, gotEight, err := appendMessage([]byte("prefix"), msg, from, host, f)
				if !sameError(err, wantErr) {
					t.Fatalf("message %d (8bit %v): error %v, go-mail's %v", i, eightBit, err, wantErr)
				}
				if wantErr != nil {
					break
				}
				want := want
				switch {
				case f.bdat:
					want = bdatBytes(t, want)
				case f.wire:
					want = bytes.TrimSuffix(dotWriterBytes(t, want), []byte(".\r\n"))
				}
				if !bytes.Equal(got[6:], want) || gotEight != wantEight || string(got[:6]) != "prefix" {
					t.Fatalf("message %d (8bit %v/%v, want %v, form %+v) differs from go-mail's:\n%s", i, eightBit, gotEight, wantEight, f, diff(got[6:], want))
				}
			}
		}
	}
}

func TestEnvelopeIsGoMails(t *testing.T) {
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	d, err := NewDKIM(key, "news.example", "herald")
	if err != nil {
		t.Fatal(err)
	}
	r := mathrand.New(mathrand.NewPCG(13, 17))
	for i := range 1500 {
		msg, from, host := variedMessage(r, i)
		s := &Sender{cfg: Config{From: from, Hostname: host}}
		if i%3 == 0 {
			s.cfg.DKIM = d
		}
		for _, eightBit := range []bool{false, true} {
			for _, bdat := range []bool{false, true} {
				checkEnvelope(t, s, msg, eightBit, bdat, fmt.Sprintf("message %d (8bit %v, BDAT %v, DKIM %v)", i, eightBit, bdat, s.cfg.DKIM != nil))
			}
		}
	}
}

func checkEnvelope(t *testing.T, s *Sender, msg *digest.Message, eightBit, bdat bool, name string) {
	t.Helper()
	raw, m, wantEight, wantErr := goMailMessage(msg, s.cfg.From, s.cfg.Hostname, eightBit)
	env, err := s.envelope(msg, eightBit, bdat)
	if !sameError(err, wantErr) {
		t.Fatalf("%s: error %v, go-mail's %v", name, err, wantErr)
	}
	if wantErr != nil {
		return
	}
	defer env.free()
	wantFrom, _ := m.GetSender(false)
	wantTo, _ := m.GetRecipients()
	if env.from != wantFrom || strings.Join(env.to, "\n") != strings.Join(wantTo, "\n") || env.eightBit != wantEight {
		t.Fatalf("%s: envelope %q %q 8bit %v, go-mail's %q %q %v", name, env.from, env.to, env.eightBit, wantFrom, wantTo, wantEight)
	}
	data := env.data
	if s.cfg.DKIM != nil {
		if data = withoutSignature(data); len(data) == len(env.data) {
			t.Fatalf("%s: no DKIM-Signature first", name)
		}
	}
	want := dotWriterBytes(t, raw)
	if bdat {
		want = bdatBytes(t, raw)
	}
	if !bytes.Equal(data, want) || env.bdat != bdat {
		t.Fatalf("%s: DATA (BDAT %v) differs from go-mail's message dot-stuffed:\n%s", name, env.bdat, diff(data, want))
	}
}

// withoutSignature is data after its first header field when that is a
// DKIM-Signature.
func withoutSignature(data []byte) []byte {
	if !bytes.HasPrefix(data, []byte("DKIM-Signature:")) {
		return data
	}
	for i := bytes.Index(data, []byte("\r\n")); i >= 0; {
		if rest := data[i+2:]; len(rest) == 0 || (rest[0] != ' ' && rest[0] != '\t') {
			return rest
		}
		j := bytes.Index(data[i+2:], []byte("\r\n"))
		if j < 0 {
			break
		}
		i += 2 + j
	}
	return data
}

func sameError(a, b error) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return a.Error() == b.Error()
}

// diff shows where got and want part.
func diff(got, want []byte) string {
	i := 0
	for i < len(got) && i < len(want) && got[i] == want[i] {
		i++
	}
	from := max(0, i-160)
	return fmt.Sprintf("at byte %d\n got …%q\nwant …%q", i, got[from:min(len(got), i+80)], want[from:min(len(want), i+80)])
}

// Pieces of the varied messages: each is picked at random.
var (
	names = []string{"", "Ada Reader", "Ada", "  Ada  ", "Ada\tReader", `Ann "Annie" Lee`, `Back\slash`,
		"O'Brien, Ann", "Ann (work)", "김아나", "Zoë Ångström", "=?utf-8?q?Ada?=", "=?UTF-8?B?QWRh?=", "a.b",
		"Dr. Who", "x@y", "<tag>", "日本 · café", strings.Repeat("Longname ", 12), "bad \xff utf-8",
		"emoji 🎉", "semi;colon", "del\x7f", "ctrl\x01", "trailing ", "#hash", "~tilde", "Åsa, Dr.", "\"",
		strings.Repeat("名前", 30), "Ada  Reader"}
	emails = []string{"ada@example.org", "a.b+tag@sub.example.co", "ADA@EXAMPLE.ORG", "o'brien@example.ie",
		`"quoted"@example.org`, "a..b@example.org", ".a@example.org", "a.@example.org", "a@b@example.org",
		"a@[127.0.0.1]", "ü@example.de", "a@ex..ample", "x!#$%&'*+-/=?^_`{|}~@example.org", "a@-ex-.org",
		"a@ex(c).org", `a"b@example.org`, "a@", "a\\b@example.org", "a@例え.jp", "a@ex.org.", "a@.ex.org",
		"del\x7f@example.org", "bad\xff@example.org", "a@bad\xc3.org", "a@b"}
	subjects = []string{"Your digest", "Your digest: Japan · 日本 (3 stories)", "", " ", "  double  spaces  ",
		"=?UTF-8?q?looks_encoded?=", "tab\there", strings.Repeat("Long subject words ", 9),
		strings.Repeat("x", 90), "Ünïcödé " + strings.Repeat("ü", 40), "trailing ", "a=?b", "emoji 🎉 digest",
		strings.Repeat("日本", 50), "ctrl\x01char"}
	headerNames = []string{"X-Herald-Subscriber", "X-A", "x-lower", "A-First", "Zzz", "List-Id",
		"Precedence", "Message-IDx", "MIME-Version2", "Subjects", "X-Campaign", ".dot-start", "~tilde",
		"Date2", "List-Unsubscribe-Posts", "X-Long-" + strings.Repeat("Name", 20)}
	headerValues = []string{"", "sub-1", "  spaced  ", "a\tb", "日本語の値", strings.Repeat("word ", 40),
		strings.Repeat("w", 200), "=?utf-8?q?x?=", "trailing ", "\x01ctrl", "\xff bad", "a  b",
		"bulk", strings.Repeat("日本 ", 30), "x" + strings.Repeat(" ", 80) + "y"}
	unsubscribes = []string{"", "https://n.example/u/1", "http://127.0.0.1:8080/u/1",
		"https://n.example/u/" + strings.Repeat("t", 90)}
	mailtos = []string{"", "mailto:u@n.example", "u@n.example", "MAILTO:U@N.EXAMPLE", "mailto:u@n.example?subject=" + strings.Repeat("s", 70)}
	ids     = []string{"d-1", "a.b_c+d", "d-sub-1-20250314", strings.Repeat("long-id-", 10), "x"}
	hosts   = []string{"news.example", "n.example", strings.Repeat("sub.", 12) + "example"}
	zones   = []*time.Location{time.UTC, time.FixedZone("JST", 9*3600), time.FixedZone("", -(3*3600 + 30*60))}
	// bodyLines go 8bit; the last few keep a body quoted-printable.
	bodyLines = []string{"", "plain line", ".dot start", "..", ".", "trailing space ", "tab\t", "= equals =",
		"日本語のテキスト", "Seoul — Japan’s pledge", "herald-", "herald-0123456789abcdef0123456789abcde",
		"-----", "--herald-", "From here", "-- ", "=\t", "\t .", "<p>" + strings.Repeat("Folded paragraph words — 日本. ", 50) + "</p>",
		strings.Repeat("long line ", 120), strings.Repeat("y", 1200), "a\x00b", "a\rb",
		"<pre>" + strings.Repeat("pre ", 300) + "</pre>", `<p style="white-space:pre">` + strings.Repeat("w ", 600) + "</p>"}
	senders = []digest.Address{{Name: "Herald Digest", Email: "digest@news.example"}, {Email: "d@n.example"},
		{Name: "Herald · 日本", Email: "digest@news.example"}, {Name: `The "Herald"`, Email: "digest@news.example"}}
)

func pick[T any](r *mathrand.Rand, list []T) T { return list[r.IntN(len(list))] }

// variedMessage is the i-th message of a run: every piece picked at random,
// the first few with pieces known to be awkward.
func variedMessage(r *mathrand.Rand, i int) (*digest.Message, digest.Address, string) {
	id, host := pick(r, ids), pick(r, hosts)
	msg := &digest.Message{ID: id, Kind: "email",
		Date:  time.Date(2020+r.IntN(10), time.Month(1+r.IntN(12)), 1+r.IntN(28), r.IntN(24), r.IntN(60), r.IntN(60), 0, pick(r, zones)),
		To:    digest.Address{Name: pick(r, names), Email: pick(r, emails)},
		Email: &digest.Rendered{Subject: pick(r, subjects)},
		Links: digest.Links{Unsubscribe: pick(r, unsubscribes), Mailto: pick(r, mailtos)},
	}
	if r.IntN(6) > 0 {
		msg.To.Email = pick(r, emails[:5])
	}
	if r.IntN(40) == 0 {
		msg.ID, msg.Links.Unsubscribe = "bad id", "javascript:alert(1)"
	}
	msg.Headers = map[string]string{}
	for range r.IntN(4) {
		msg.Headers[pick(r, headerNames)] = pick(r, headerValues)
	}
	collide := r.IntN(4) == 0
	msg.Email.Text = variedBody(r, id, host, collide)
	msg.Email.HTML = variedBody(r, id, host, collide)
	return msg, pick(r, senders), host
}

// variedBody is some lines with LF or CRLF, now and then holding the
// message's first boundaries, so that the boundary moves on.
func variedBody(r *mathrand.Rand, id, host string, collide bool) []byte {
	var b []byte
	eol := pick(r, []string{"\n", "\r\n"})
	lines := bodyLines[:len(bodyLines)-6*r.IntN(2)]
	for range r.IntN(12) {
		b = append(b, pick(r, lines)...)
		if collide && r.IntN(3) == 0 {
			b = append(b, oldCandidate(id, host, r.IntN(3))...)
		}
		b = append(b, eol...)
	}
	if len(b) > 0 && r.IntN(4) == 0 {
		b = b[:len(b)-len(eol)]
	}
	return b
}

// oldCandidate is the n-th boundary a message may have, as the MIME
// boundary has always been derived.
func oldCandidate(id, host string, n int) string {
	sum := sha256.Sum256([]byte(id + "@" + host + "#" + strconv.Itoa(n)))
	return "herald-" + hex.EncodeToString(sum[:16])
}

// oldBoundary is the boundary as it has always been chosen: the first
// candidate neither body contains.
func oldBoundary(msg *digest.Message, hostname string) string {
	for i := 0; ; i++ {
		if b := oldCandidate(msg.ID, hostname, i); !bytes.Contains(msg.Email.Text, []byte(b)) && !bytes.Contains(msg.Email.HTML, []byte(b)) {
			return b
		}
	}
}

// Bodies holding a boundary, its tail without the "herald", or pieces of
// both, overlapping: boundary finds what bytes.Contains finds.
func TestBoundaryIsContains(t *testing.T) {
	r := mathrand.New(mathrand.NewPCG(3, 5))
	msg := &digest.Message{ID: "b-1", Email: &digest.Rendered{}}
	for i := range 20000 {
		msg.ID = "b-" + strconv.Itoa(i%50)
		var parts []string
		for n := range 3 {
			b := oldCandidate(msg.ID, "n.example", n)
			parts = append(parts, b, b[6:], b[:7], b[:20], "herald"+b[6:38], "heraldherald"+b[6:], "-"+b, "h", "-")
		}
		for _, body := range []*[]byte{&msg.Email.Text, &msg.Email.HTML} {
			*body = nil
			for range r.IntN(8) {
				*body = append(*body, pick(r, parts)...)
			}
		}
		if got, want := string(boundary(new([boundaryLen]byte), msg, "n.example")), oldBoundary(msg, "n.example"); got != want {
			t.Fatalf("boundary of %q / %q = %s, want %s", msg.Email.Text, msg.Email.HTML, got, want)
		}
	}
}

// oldEncodeSubject is the Subject encoder as it was first written, word
// by word in a strings.Builder.
func oldEncodeSubject(s string) string {
	if !needsWords(s) {
		return s
	}
	var words []string
	var cur strings.Builder
	for _, r := range s {
		enc := oldQRune(r)
		if cur.Len() > 0 && len(wordPrefix)+cur.Len()+len(enc)+len(wordSuffix) > maxWordBytes {
			words = append(words, wordPrefix+cur.String()+wordSuffix)
			cur.Reset()
		}
		cur.WriteString(enc)
	}
	words = append(words, wordPrefix+cur.String()+wordSuffix)
	return strings.Join(words, " ")
}

func oldQRune(r rune) string {
	if r == ' ' {
		return "_"
	}
	if r < utf8.RuneSelf && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("!*+-/", r)) {
		return string(r)
	}
	var buf [utf8.UTFMax]byte
	n := utf8.EncodeRune(buf[:], r)
	var b strings.Builder
	for _, c := range buf[:n] {
		b.WriteByte('=')
		b.WriteByte("0123456789ABCDEF"[c>>4])
		b.WriteByte("0123456789ABCDEF"[c&15])
	}
	return b.String()
}

func FuzzAppendSubject(f *testing.F) {
	for _, s := range subjects {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := string(appendSubject([]byte("x"), s)[1:]), oldEncodeSubject(s); got != want {
			t.Fatalf("appendSubject(%q)\n got %q\nwant %q", s, got, want)
		}
	})
}

func FuzzAppendMessageIsGoMails(f *testing.F) {
	f.Add("Ada Reader", "ada@example.org", "Your digest", "X-A", "v", []byte("text\n.dot\n"), true)
	f.Add(`Ann "A" Lee`, `"q"@example.org`, "日本 · café", "x-b", strings.Repeat("w ", 50), []byte("<p>\r\n"), false)
	f.Fuzz(func(t *testing.T, name, addr, subject, header, value string, body []byte, eightBit bool) {
		msg, from, host := variedMessage(mathrand.New(mathrand.NewPCG(uint64(len(body)), 1)), 0)
		msg.To, msg.Email.Subject, msg.Email.Text = digest.Address{Name: name, Email: addr}, subject, body
		msg.Headers = map[string]string{header: value}
		want, _, wantEight, wantErr := goMailMessage(msg, from, host, eightBit)
		got, _, gotEight, err := appendMessage(nil, msg, from, host, form{eightBit: eightBit})
		if !sameError(err, wantErr) {
			t.Fatalf("error %v, go-mail's %v", err, wantErr)
		}
		if err == nil && (!bytes.Equal(got, want) || gotEight != wantEight) {
			t.Fatalf("differs from go-mail's:\n%s", diff(got, want))
		}
	})
}
