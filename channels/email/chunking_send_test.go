package email_test

import (
	"bytes"
	"context"
	"testing"

	"herald/digest"
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
			for _, id := range []string{"chunk-1", "chunk-2", "chunk-3"} {
				if err := s.Send(context.Background(), dottedMessage(id)); err != nil {
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

// A message built as a chunk for a server that announced CHUNKING, then
// sent on a new connection to one that no longer does (the relay changed
// while the connection idled), is rebuilt for DATA, and the other way
// round: each arrives as DATA delivers it.
func TestSendRebuiltWhenChunkingChanges(t *testing.T) {
	ids := []string{"swap-1", "swap-2", "swap-3", "swap-4"}
	hide := map[string]bool{"swap-3": true} // swap-2's chunk goes to swap-3's server
	srv := smtptest.Start(t)
	cfg := baseConfig(srv, &recorder{})
	cfg.EightBit, cfg.Chunking = true, true
	s := newSender(t, cfg, nil)
	want := deliveredByDATA(t, dottedMessages(ids))
	hidden := false
	for i, id := range ids {
		if hide[id] != hidden { // the relay changes: new connections see it
			hidden = hide[id]
			srv.HideChunking(hidden)
			srv.DropConnections()
		}
		if err := s.Send(context.Background(), dottedMessage(id)); err != nil {
			t.Fatalf("Send %s: %v", id, err)
		}
		waitFor(t, srv, i+1)
		got := srv.Messages()[i]
		if chunked := !hide[id]; got.Chunked != chunked {
			t.Errorf("%s came chunked %v, want %v", id, got.Chunked, chunked)
		}
		if !bytes.Equal(got.Data, want[i]) {
			t.Errorf("%s differs from DATA's:\n%s\n---\n%s", id, got.Data, want[i])
		}
	}
}

// dottedMessage is a test message with lines DATA must dot-stuff.
func dottedMessage(id string) *digest.Message {
	msg := testMessage(id)
	msg.Email.Text = append(msg.Email.Text, ".a line with a dot\n..and two\n."...)
	msg.Email.HTML = []byte("<style>\n.page { color: #000; }\n</style>\n.\n<p>x</p>")
	return msg
}

func dottedMessages(ids []string) []*digest.Message {
	msgs := make([]*digest.Message, len(ids))
	for i, id := range ids {
		msgs[i] = dottedMessage(id)
	}
	return msgs
}

// deliveredByDATA is what a server receives of each message sent by
// DATA, in turn on one connection (8bit from the second on).
func deliveredByDATA(t *testing.T, msgs []*digest.Message) [][]byte {
	t.Helper()
	srv := smtptest.Start(t)
	cfg := baseConfig(srv, &recorder{})
	cfg.EightBit = true
	s := newSender(t, cfg, nil)
	for _, msg := range msgs {
		if err := s.Send(context.Background(), msg); err != nil {
			t.Fatalf("DATA: Send %s: %v", msg.ID, err)
		}
	}
	waitFor(t, srv, len(msgs))
	var out [][]byte
	for _, m := range srv.Messages() {
		out = append(out, m.Data)
	}
	return out
}
