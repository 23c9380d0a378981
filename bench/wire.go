package main

import (
	"bytes"
	"fmt"
	"net/smtp"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// wireLimit sends count pre-built messages of size bytes to addr with a
// bare net/smtp client on conns connections (MAIL, RCPT, DATA per message;
// no NOOP, no RSET) and returns messages a second. Connections are opened
// before the clock starts.
func wireLimit(addr string, conns, count, size int) (float64, error) {
	msg := prebuilt(size)
	clients := make([]*smtp.Client, conns)
	for i := range clients {
		c, err := smtp.Dial(addr)
		if err != nil {
			return 0, fmt.Errorf("bench: wire client: %w", err)
		}
		if err := c.Hello("bench.localhost"); err != nil {
			return 0, fmt.Errorf("bench: wire client: %w", err)
		}
		clients[i] = c
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make([]error, conns)
	start := time.Now()
	for i, c := range clients {
		wg.Go(func() {
			for next.Add(1) <= int64(count) {
				if errs[i] = sendOne(c, msg); errs[i] != nil {
					return
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	for i, c := range clients {
		_ = c.Quit()
		if errs[i] != nil {
			return 0, fmt.Errorf("bench: wire client: %w", errs[i])
		}
	}
	return float64(count) / elapsed.Seconds(), nil
}

func sendOne(c *smtp.Client, msg []byte) error {
	if err := c.Mail("digest@news.example.com"); err != nil {
		return err
	}
	if err := c.Rcpt("reader@example.com"); err != nil {
		return err
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(msg); err != nil {
		return err
	}
	return w.Close()
}

// prebuilt is a plain message of about size bytes: a few headers and
// 76-character lines, CRLF line ends.
func prebuilt(size int) []byte {
	var b bytes.Buffer
	b.WriteString("From: Herald News <digest@news.example.com>\r\nTo: <reader@example.com>\r\n" +
		"Subject: wire limit\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\n")
	line := strings.Repeat("wire-limit-", 7)[:76] + "\r\n"
	for b.Len()+len(line) <= size {
		b.WriteString(line)
	}
	for b.Len() < size-2 {
		b.WriteByte('x')
	}
	b.WriteString("\r\n")
	return b.Bytes()
}
