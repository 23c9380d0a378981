package slack

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// bearerClient presents the bot token in the Authorization header, as Slack
// prefers, and takes it out of the form body where slack-go puts it for
// chat.postMessage.
type bearerClient struct {
	client *http.Client
	token  string
}

func (b bearerClient) Do(req *http.Request) (*http.Response, error) {
	if err := dropFormToken(req); err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+b.token)
	return b.client.Do(req)
}

// dropFormToken removes the "token" field from a form-encoded request body.
func dropFormToken(req *http.Request) error {
	if req.Body == nil || !strings.HasPrefix(req.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		return nil
	}
	raw, err := io.ReadAll(req.Body)
	req.Body.Close()
	if err != nil {
		return err
	}
	form, err := url.ParseQuery(string(raw))
	if err != nil {
		return err
	}
	form.Del("token")
	body := []byte(form.Encode())
	req.Body = io.NopCloser(bytes.NewReader(body))
	req.ContentLength = int64(len(body))
	req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	return nil
}

// redact replaces the URL in a *url.Error (which net/http puts in every
// transport error) with its scheme and host: a webhook URL's path is its
// secret.
func redact(err error) error {
	var ue *url.Error
	if !errors.As(err, &ue) {
		return err
	}
	return &url.Error{Op: ue.Op, URL: hostOnly(ue.URL), Err: ue.Err}
}

func hostOnly(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "(redacted)"
	}
	return u.Scheme + "://" + u.Host + "/…"
}
