package main

import (
	"fmt"
	"io"
	"os"
	"time"

	"herald/digest"
)

// progress draws a one-line progress bar when w is a terminal and stays
// silent otherwise (logs and pipes get only the final summary).
type progress struct {
	w     io.Writer
	label string
	tty   bool
	last  time.Time
	drawn bool
}

func newProgress(w io.Writer, label string) *progress {
	return &progress{w: w, label: label, tty: isTerminal(w)}
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

func (p *progress) update(done, total int) {
	if !p.tty || (done != total && time.Since(p.last) < 100*time.Millisecond) {
		return
	}
	p.last = time.Now()
	const width = 30
	filled := 0
	if total > 0 {
		filled = width * done / total
	}
	bar := make([]rune, width)
	for i := range bar {
		bar[i] = '░'
		if i < filled {
			bar[i] = '█'
		}
	}
	fmt.Fprintf(p.w, "\r%s %s %d/%d", p.label, string(bar), done, total)
	p.drawn = true
}

func (p *progress) done() {
	if p.drawn {
		fmt.Fprintln(p.w)
	}
}

// status draws a dispatch's running counts on one line.
func (p *progress) status(st digest.Stats) {
	if !p.tty || time.Since(p.last) < 100*time.Millisecond {
		return
	}
	p.last = time.Now()
	fmt.Fprintf(p.w, "\r%s: claimed %d, sent %d, no stories %d, retry later %d, failed %d",
		p.label, st.Claimed, st.Sent, st.Empty, st.Temporary, st.Permanent)
	p.drawn = true
}
