package outbox

import (
	"bytes"
	"encoding/json"
	"html/template"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/mail"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Viewer serves an outbox folder as web pages: an index of the messages,
// each email's HTML (or text, or raw) part, and each Slack payload.
func Viewer(dir string) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) { viewIndex(w, dir) })
	mux.HandleFunc("GET /m/{name}", func(w http.ResponseWriter, r *http.Request) {
		viewMessage(w, r, dir, r.PathValue("name"), r.URL.Query().Get("part"))
	})
	return mux
}

// entry is one file in the index.
type entry struct {
	Name, Kind, To, Subject string
}

func viewIndex(w http.ResponseWriter, dir string) {
	files, err := os.ReadDir(dir)
	if err != nil {
		http.Error(w, "cannot read the outbox", http.StatusInternalServerError)
		return
	}
	var list []entry
	for _, f := range files {
		switch filepath.Ext(f.Name()) {
		case ".eml":
			list = append(list, emlEntry(filepath.Join(dir, f.Name())))
		case ".json":
			list = append(list, entry{Name: f.Name(), Kind: "slack", To: slackDestination(filepath.Join(dir, f.Name()))})
		}
	}
	sort.Slice(list, func(i, j int) bool { return list[i].Kind+list[i].To < list[j].Kind+list[j].To })
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = indexTmpl.Execute(w, list)
}

func emlEntry(path string) entry {
	e := entry{Name: filepath.Base(path), Kind: "email"}
	f, err := os.Open(path)
	if err != nil {
		return e
	}
	defer f.Close()
	m, err := mail.ReadMessage(f)
	if err != nil {
		return e
	}
	dec := new(mime.WordDecoder)
	e.To, _ = dec.DecodeHeader(m.Header.Get("To"))
	e.Subject, _ = dec.DecodeHeader(m.Header.Get("Subject"))
	return e
}

func slackDestination(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	var payloads []struct {
		Channel string `json:"channel"`
		Webhook string `json:"webhook"`
	}
	if json.Unmarshal(b, &payloads) != nil || len(payloads) == 0 {
		return ""
	}
	if payloads[0].Channel != "" {
		return payloads[0].Channel
	}
	return "webhook"
}

func viewMessage(w http.ResponseWriter, r *http.Request, dir, name, part string) {
	if name != filepath.Base(name) || strings.HasPrefix(name, ".") {
		http.NotFound(w, r)
		return
	}
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		http.NotFound(w, r)
		return
	}
	// Rendered mail is untrusted markup: no scripts, no same-origin access.
	w.Header().Set("Content-Security-Policy", "sandbox; default-src 'none'; img-src * data:; style-src 'unsafe-inline'")
	switch {
	case filepath.Ext(name) == ".json":
		var out bytes.Buffer
		_ = json.Indent(&out, b, "", "  ")
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		_, _ = w.Write(out.Bytes())
	case part == "raw":
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write(b)
	default:
		want := "text/html"
		if part == "text" {
			want = "text/plain"
		}
		body, err := findPart(b, want)
		if err != nil {
			http.Error(w, "no "+want+" part", http.StatusNotFound)
			return
		}
		w.Header().Set("Content-Type", want+"; charset=utf-8")
		_, _ = w.Write(body)
	}
}

// findPart returns the decoded body of the first part of type want.
func findPart(raw []byte, want string) ([]byte, error) {
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return nil, err
	}
	mt, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil {
		return nil, err
	}
	if !strings.HasPrefix(mt, "multipart/") {
		if mt == want {
			return io.ReadAll(m.Body)
		}
		return nil, os.ErrNotExist
	}
	mr := multipart.NewReader(m.Body, params["boundary"])
	for {
		p, err := mr.NextPart()
		if err != nil {
			return nil, os.ErrNotExist
		}
		if t, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type")); t == want {
			return io.ReadAll(p) // quoted-printable is decoded by the reader
		}
	}
}

var indexTmpl = template.Must(template.New("index").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Herald outbox</title>
<style>body{font:15px/1.5 system-ui,sans-serif;margin:2rem auto;max-width:60rem;padding:0 1rem;color:#1a1a1a;background:#fff}
table{border-collapse:collapse;width:100%}td,th{text-align:left;padding:.4rem .6rem;border-bottom:1px solid #ddd;vertical-align:top}
a{color:#0b57d0}</style></head><body>
<h1>Herald outbox</h1><p>{{len .}} messages, exactly as the channels would send them.</p>
<table><thead><tr><th>Channel</th><th>To</th><th>Subject</th><th>Open</th></tr></thead><tbody>
{{range .}}<tr><td>{{.Kind}}</td><td>{{.To}}</td><td>{{.Subject}}</td><td>
{{if eq .Kind "email"}}<a href="/m/{{.Name}}">HTML</a> · <a href="/m/{{.Name}}?part=text">text</a> · <a href="/m/{{.Name}}?part=raw">raw</a>
{{else}}<a href="/m/{{.Name}}">payload</a>{{end}}</td></tr>
{{end}}</tbody></table></body></html>`))

// HTMLPart returns the decoded HTML part of an .eml file's bytes.
func HTMLPart(raw []byte) ([]byte, error) { return findPart(raw, "text/html") }
