package email

import (
	"bufio"
	"bytes"
	"net/textproto"
	"testing"
)

// dotWriterBytes is what net/textproto's DotWriter sends for msg.
func dotWriterBytes(t testing.TB, msg []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	bw := bufio.NewWriter(&b)
	w := textproto.NewWriter(bw).DotWriter()
	if _, err := w.Write(msg); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// bdatBytes is msg as a BDAT chunk carries it: its DATA form without the
// terminating dot, and without the dot DATA adds to a line starting with
// one.
func bdatBytes(t testing.TB, msg []byte) []byte {
	lines := bytes.SplitAfter(bytes.TrimSuffix(dotWriterBytes(t, msg), []byte(".\r\n")), []byte("\r\n"))
	for i, l := range lines {
		lines[i] = bytes.TrimPrefix(l, []byte("."))
	}
	return bytes.Join(lines, nil)
}

func TestAppendWireMatchesDotWriter(t *testing.T) {
	tests := []struct{ name, in string }{
		{"plain", "Subject: x\r\n\r\nbody\r\n"},
		{"leading dots", ".first\r\n..second\r\nmid.dle\r\n.\r\n"},
		{"bare lf", "a\nb\n.c\n"},
		{"no final break", "a\r\nlast"},
		{"dot at end", "a\r\n."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := append(appendWire([]byte("x"), []byte(tt.in), true)[1:], ".\r\n"...)
			if want := dotWriterBytes(t, []byte(tt.in)); !bytes.Equal(got, want) {
				t.Errorf("appendWire(%q)\n got %q\nwant %q", tt.in, got, want)
			}
		})
	}
}

func FuzzAppendWire(f *testing.F) {
	for _, s := range []string{"a\r\n.b", ".", "x\n\n.\n", "..\r\n\r\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		if len(in) == 0 || bytes.IndexByte(in, '\r') >= 0 && !onlyCRLF(in) {
			t.Skip("empty or a bare CR: Compose writes neither")
		}
		got := append(appendWire(nil, in, true), ".\r\n"...)
		if want := dotWriterBytes(t, in); !bytes.Equal(got, want) {
			t.Fatalf("appendWire(%q)\n got %q\nwant %q", in, got, want)
		}
	})
}

// onlyCRLF reports that every CR in b starts a CRLF.
func onlyCRLF(b []byte) bool {
	for i, c := range b {
		if c == '\r' && (i+1 == len(b) || b[i+1] != '\n') {
			return false
		}
	}
	return true
}
