package email

import (
	"bytes"
	"math/rand/v2"
	"mime/quotedprintable"
	"strings"
	"testing"
)

// stdQP is what go-mail writes for a body: the standard writer, closed.
func stdQP(t testing.TB, src []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	w := quotedprintable.NewWriter(&b)
	if _, err := w.Write(src); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestAppendQPMatchesStandardWriter(t *testing.T) {
	tests := []struct {
		name string
		in   string
	}{
		{"empty", ""},
		{"short", "Hello, world"},
		{"equals", "a=b == c"},
		{"long line", strings.Repeat("abcdefghij", 30)},
		{"long line with spaces", strings.Repeat("word ", 60)},
		{"trailing blanks", "end of line \nnext\t\r\nlast "},
		{"line breaks", "a\nb\r\nc\rd\n\n\r\r\n"},
		{"cr then encoded then lf", "x\r=\ny"},
		{"utf-8", strings.Repeat("日本 · café ", 20)},
		{"control bytes", "\x00\x01\x7f\xff tab\tend"},
		{"break at 75", strings.Repeat("x", 74) + "=" + strings.Repeat("y", 80)},
		{"html", `<p style="margin:0 0 12px 0;font-size:16px;line-height:24px;color:#1f1f1f;">` + strings.Repeat("Text &amp; more ", 40) + "</p>\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := stdQP(t, []byte(tt.in))
			if got := appendQP([]byte("prefix:"), []byte(tt.in)); !bytes.Equal(got[7:], want) {
				t.Errorf("appendQP(%q)\n got %q\nwant %q", tt.in, got[7:], want)
			}
		})
	}
}

func FuzzAppendQP(f *testing.F) {
	for _, s := range []string{"", "a=b", "x \r\n", strings.Repeat("é ", 50), "\r\r\n\n=\x00"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		if got, want := appendQP(nil, in), stdQP(t, in); !bytes.Equal(got, want) {
			t.Fatalf("appendQP(%q)\n got %q\nwant %q", in, got, want)
		}
	})
}

// Random bodies over an alphabet rich in what matters: '=', blanks, line
// breaks, DEL, control and non-ASCII bytes, in runs long enough to cross
// line limits and the eight-byte scan.
func TestAppendQPRandom(t *testing.T) {
	alphabet := []byte("abcdefgh  \t=\r\n\x7f\x00\xc3\xa9~!.")
	r := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		in := make([]byte, r.IntN(400))
		for i := range in {
			if r.IntN(4) == 0 {
				in[i] = alphabet[r.IntN(len(alphabet))]
			} else {
				in[i] = 'a' + byte(r.IntN(26))
			}
		}
		if got, want := appendQP(nil, in), stdQP(t, in); !bytes.Equal(got, want) {
			t.Fatalf("appendQP(%q)\n got %q\nwant %q", in, got, want)
		}
	}
}
