package templates

import (
	"bytes"
	"math/rand/v2"
	"testing"
)

// An email rendered into recycled buffers is the same as one rendered
// afresh, and the buffers are used again.
func TestRecycle(t *testing.T) {
	s, err := Load("", Options{})
	if err != nil {
		t.Fatal(err)
	}
	fresh, err := Load("", Options{})
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(11, 12))
	pool := randomStories(r, 20)
	reused, last := 0, (*byte)(nil)
	for i := range 50 {
		d := randomDigest(r, pool, i)
		got, err := s.RenderEmail(d)
		if err != nil {
			t.Fatal(err)
		}
		want, err := fresh.RenderEmail(d)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.HTML, want.HTML) || !bytes.Equal(got.Text, want.Text) {
			t.Fatalf("digest %d rendered into recycled buffers differs", i)
		}
		if i > 0 && cap(got.HTML) > 0 && &got.HTML[:1][0] == last {
			reused++
		}
		last = &got.HTML[:1][0]
		s.Recycle(got)
		if got.HTML != nil || got.Text != nil {
			t.Fatal("Recycle left the buffers in the email")
		}
	}
	if reused == 0 {
		t.Error("no buffer was used again")
	}
}
