package templates

import (
	htmltemplate "html/template"
	"reflect"
	"strconv"
	"strings"
)

// The escapers html/template puts in the pipelines of the trees it
// escapes, as it defines them (html/template's html.go and url.go), for
// plain strings, numbers, booleans, template.HTML and template.URL; any
// other escaper or content type declines.

// content is the kind of a value an escaper sees.
type content int

const (
	plainContent content = iota
	htmlContent
	urlContent
)

// escaper maps a value of its content to the escaped text; ok false
// declines a content.
type escaper func(s string, c content) (out string, ok bool)

var escapers = map[string]escaper{
	"_html_template_htmlescaper": func(s string, c content) (string, bool) {
		if c == htmlContent {
			return s, true
		}
		return replaceHTML(s, &htmlReplacement), true
	},
	"_html_template_attrescaper": func(s string, c content) (string, bool) {
		// template.HTML in an attribute has its tags stripped: not taken.
		return replaceHTML(s, &htmlReplacement), c != htmlContent
	},
	"_html_template_rcdataescaper": func(s string, c content) (string, bool) {
		if c == htmlContent {
			return replaceHTML(s, &htmlNormReplacement), true
		}
		return replaceHTML(s, &htmlReplacement), true
	},
	"_html_template_urlfilter": func(s string, c content) (string, bool) {
		if c == urlContent || isSafeURL(s) {
			return s, true
		}
		return "#ZgotmplZ", true
	},
	"_html_template_urlnormalizer": func(s string, _ content) (string, bool) { return processURL(s, true), true },
	"_html_template_urlescaper": func(s string, c content) (string, bool) {
		return processURL(s, c == urlContent), true
	},
}

var urlType = reflect.TypeFor[htmltemplate.URL]()

// escape compiles an escaper's call on its one argument.
func escape(esc escaper, args []expr) (expr, error) {
	if len(args) != 1 {
		return expr{}, decline("escaper of %d arguments", len(args))
	}
	a := args[0]
	c, err := contentOf(a.t)
	if err != nil {
		return expr{}, err
	}
	if _, ok := esc("", c); !ok {
		return expr{}, decline("escaper of %s", a.t)
	}
	isString := kindOf(a.t) == reflect.String
	return str(func(r *runner, d reflect.Value) string {
		v := a.eval(r, d)
		if !isString {
			v.s = string(appendVal(nil, a.t, v))
		}
		s, _ := esc(v.s, c)
		return s
	}), nil
}

// contentOf is how html/template's stringify sees a value of type t.
func contentOf(t reflect.Type) (content, error) {
	switch {
	case stringer(t):
		return 0, decline("escaper of %s", t)
	case t == htmlType:
		return htmlContent, nil
	case t == urlType:
		return urlContent, nil
	case t.PkgPath() == "html/template":
		return 0, decline("escaper of %s", t)
	}
	switch kindOf(t) {
	case reflect.String, reflect.Int, reflect.Bool:
		return plainContent, nil
	}
	return 0, decline("escaper of %s", t)
}

// The replacements of html/template's htmlReplacementTable and
// htmlNormReplacementTable (which leaves '&' as it is). Both replace
// ASCII only, so a byte loop does what their rune loop does.
var (
	htmlReplacement = [...]string{
		0: "\uFFFD", '"': "&#34;", '&': "&amp;", '\'': "&#39;", '+': "&#43;", '<': "&lt;", '>': "&gt;",
	}
	htmlNormReplacement = [...]string{
		0: "\uFFFD", '"': "&#34;", '\'': "&#39;", '+': "&#43;", '<': "&lt;", '>': "&gt;",
	}
)

func replaceHTML(s string, table *[63]string) string {
	i := 0
	for i < len(s) && (int(s[i]) >= len(table) || table[s[i]] == "") {
		i++
	}
	if i == len(s) {
		return s // most text has nothing to replace
	}
	b := make([]byte, 0, len(s)+16)
	written := 0
	for ; i < len(s); i++ {
		if c := s[i]; int(c) < len(table) && table[c] != "" {
			b = append(append(b, s[written:i]...), table[c]...)
			written = i + 1
		}
	}
	return string(append(b, s[written:]...))
}

// isSafeURL is html/template's: a URL with a scheme is safe when it is
// http, https or mailto.
func isSafeURL(s string) bool {
	if scheme, _, ok := strings.Cut(s, ":"); ok && !strings.Contains(scheme, "/") {
		return strings.EqualFold(scheme, "http") || strings.EqualFold(scheme, "https") || strings.EqualFold(scheme, "mailto")
	}
	return true
}

// processURL is html/template's processURLOnto: every byte but the
// unreserved ones (and, normalizing, the reserved ones and valid escapes)
// percent-encoded.
func processURL(s string, norm bool) string {
	keeps := &urlEscKeeps
	if norm {
		keeps = &urlNormKeeps
	}
	i := 0
	for i < len(s) && (keeps[s[i]] || urlKeeps(s, i, norm)) {
		i++
	}
	if i == len(s) {
		return s // most links need nothing encoded
	}
	b := make([]byte, 0, len(s)+16)
	written := 0
	for ; i < len(s); i++ {
		if urlKeeps(s, i, norm) {
			continue
		}
		b = append(b, s[written:i]...)
		b = append(b, '%')
		if s[i] < 0x10 {
			b = append(b, '0')
		}
		b = strconv.AppendUint(b, uint64(s[i]), 16)
		written = i + 1
	}
	return string(append(b, s[written:]...))
}

func urlKeeps(s string, i int, norm bool) bool {
	c := s[i]
	if c == '%' {
		return norm && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2])
	}
	if norm {
		return urlNormKeeps[c]
	}
	return urlEscKeeps[c]
}

// urlNormKeeps and urlEscKeeps are the bytes other than '%' that
// normalizing and escaping leave as they are.
var urlNormKeeps, urlEscKeeps = urlKeepTable(true), urlKeepTable(false)

func urlKeepTable(norm bool) (t [256]bool) {
	for c := range 256 {
		t[c] = urlByteKeeps(byte(c), norm)
	}
	return t
}

func urlByteKeeps(c byte, norm bool) bool {
	switch c {
	case '!', '#', '$', '&', '*', '+', ',', '/', ':', ';', '=', '?', '@', '[', ']':
		return norm
	case '-', '.', '_', '~':
		return true
	default:
		return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
	}
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}
