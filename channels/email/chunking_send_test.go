package email_test

import (
	"bytes"
	"context"
	"testing"

	"herald/internal/smtptest"
)

// With Chunking, a server announcing CHUNKING gets each message as one
// BDAT chunk, built so from the second message on (the first is rebuilt
// once the connection says so), and receives the bytes DATA delivers:
// lines starting with a dot included, 8bit or quoted-printable.
func TestSendChunked(t *testing.T) {
	for _, eightBit := range []bool{false, true} {
		got := map[bool][][]byte{}
		for _, chunking := range []bool{false, true} {
			srv := smtptest.Start(t)
			cfg := baseConfig(srv, &recorder{})
			cfg.EightBit, cfg.Chunking = eightBit, chunking
			s := newSender(t, cfg, nil)
			msg := testMessage("chunk-1")
			msg.Email.Text = append(msg.Email.Text, ".a line with a dot\n..and two\n."...)
			msg.Email.HTML = []byte("<style>\n.page { color: #000; }\n</style>\n.\n<p>x</p>")
			for _, id := range []string{"chunk-1", "chunk-2", "chunk-3"} {
				msg.ID = id
				if err := s.Send(context.Background(), msg); err != nil {
					t.Fatalf("8bit %v, chunking %v: Send %s: %v", eightBit, chunking, id, err)
				}
			}
			waitFor(t, srv, 3)
			for _, m := range srv.Messages() {
				if m.Chunked != chunking {
					t.Errorf("8bit %v, chunking %v: message came chunked %v", eightBit, chunking, m.Chunked)
				}
				got[chunking] = append(got[chunking], m.Data)
			}
		}
		for i := range got[false] {
			if !bytes.Equal(got[true][i], got[false][i]) {
				t.Errorf("8bit %v: message %d by BDAT differs from DATA's:\n%s\n---\n%s", eightBit, i, got[true][i], got[false][i])
			}
		}
	}
}
