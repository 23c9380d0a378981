// Package email is Herald's SMTP channel: it composes a digest.Message into
// an RFC 5322 message with go-mail and delivers it through a bounded pool of
// persistent SMTP connections.
//
// Composition (Compose, WriteMessage): From, To, Subject, Date (the
// message's), Message-ID <ID@hostname> so a retried message is
// recognisable, List-Unsubscribe with the unsubscribe link and, when
// configured, a mailto; List-Unsubscribe-Post: List-Unsubscribe=One-Click
// (RFC 8058) only when the link is https, as the RFC requires; then the
// message's extra headers and a multipart/alternative body, text/plain
// first, text/html second, quoted-printable. The MIME boundary is derived
// from the message ID, so a message always has the same bytes (the outbox
// writes exactly what the server would receive). Any header value holding
// CR or LF is refused with an error naming the header. Compose is go-mail's
// message, and its bytes are the writer of record; AppendMessage writes
// the same bytes without a go-mail message per send: the header and MIME
// structure as go-mail writes them (frame.go), the bodies encoded straight
// into the message buffer (byte for byte go-mail's quoted-printable),
// which Sender reuses from message to message. With Config.EightBit, a
// server announcing 8BITMIME gets the bodies 8bit instead (see
// eightbit.go), the only difference from WriteMessage's bytes. With
// Config.DKIM each message is signed once, on those bytes, and its
// DKIM-Signature header field put in front before dot-stuffing (dkim.go).
//
// Delivery (Sender): at most PoolSize connections, each used by one Send at
// a time and kept for the next (the most recently used first, so a quiet
// sender keeps one warm connection). A message is MAIL, RCPT, DATA and its
// bytes, dot-stuffed beforehand and written at once; to a server that
// announces PIPELINING, MAIL, RCPT and DATA go in one write (two round
// trips a message); with Config.Chunking, to one that also announces
// CHUNKING, MAIL, RCPT and "BDAT n LAST" go with the message itself, not
// dot-stuffed, in one write (one round trip). What the server announced
// is read once, when the connection is made. There is no NOOP before a
// message and no RSET after one (only after a refusal): a pooled
// connection that died while idle is noticed when MAIL FROM gets no reply,
// or 421 (before the server could take anything of the message), and is
// redialled at once. Failures become *digest.SendError: an SMTP 5xx reply
// is permanent (Reason "smtp_<code>"); a 4xx reply, a lost connection, a
// timeout, or a failure to connect or authenticate (Reason "smtp_connect",
// not the reader's fault) is temporary. Send retries temporary failures
// MaxRetries times with Backoff pauses, then returns the error for the
// runner to reschedule. Delivery is at-least-once: a connection lost after
// the message was sent but before the server's reply counts as temporary.
// A rate limit (RatePerSecond) paces attempts over all connections. When
// Send's context ends mid-exchange the socket is closed.
//
// The SMTP password never appears in errors or logs; Config.Redacted shows
// it as xxxxx.
package email
