package web

import (
	"bytes"
	htmltemplate "html/template"
	"strings"
	texttemplate "text/template"

	"herald/digest"
	"herald/subscribers"
)

var emailFuncs = map[string]any{"join": strings.Join}

var (
	confirmText = texttemplate.Must(texttemplate.New("confirm_email.txt").Funcs(emailFuncs).ParseFS(pageFS, "templates/confirm_email.txt"))
	confirmHTML = htmltemplate.Must(htmltemplate.New("confirm_email.html").Funcs(emailFuncs).ParseFS(pageFS, "templates/confirm_email.html"))
)

// ConfirmationSubject is the subject line of the double opt-in email.
const ConfirmationSubject = "Confirm your Herald digest subscription"

// ConfirmationEmail renders the double opt-in email for sub: a text and an
// HTML body carrying confirmURL. The wiring wraps it in a digest.Message
// for the email channel.
func ConfirmationEmail(sub *subscribers.Subscriber, confirmURL string) (*digest.Rendered, error) {
	data := map[string]any{"Name": sub.Name, "Email": sub.Email, "Topics": sub.Topics, "URL": confirmURL}
	var text, html bytes.Buffer
	if err := confirmText.Execute(&text, data); err != nil {
		return nil, err
	}
	if err := confirmHTML.Execute(&html, data); err != nil {
		return nil, err
	}
	return &digest.Rendered{
		Subject:   ConfirmationSubject,
		Preheader: "One click to start your digests.",
		Text:      text.Bytes(),
		HTML:      html.Bytes(),
	}, nil
}
