package templates

import (
	"bytes"
	"errors"

	"herald/digest"
	"herald/stories"
)

// verifyDigests are the sample digests, the full one again with text that
// every escaping context escapes differently (a part called where it is
// escaped otherwise than alone shows), and digests in which parts share a
// key while everything else differs (a part that depends on more than its
// key shows): the same story at two ranks and in two zones with other
// topics, two stories with the same topics, two with the same time.
func verifyDigests() []*digest.Digest {
	ds := sampleDigests()
	full := ds[0]
	tricky := *full
	tricky.Items = nil
	for _, it := range full.Items {
		st := *it.Story
		st.Headline = `<b>"Q" & 'A'</b> ` + st.Headline
		st.Summary = `a < b && "c" > 'd' ` + st.Summary
		tricky.Items = append(tricky.Items, digest.Item{Story: &st, Matched: it.Matched})
	}
	a, b := full.Items[0].Story, full.Items[1].Story
	c := *b
	c.ID, c.Headline, c.URL = "other", "Another headline", "https://news.example.com/other"
	korea := stories.Topic{Slug: "south-korea", Name: "South Korea"}
	japan := full.Items[0].Matched
	sharing := *full
	sharing.Items = []digest.Item{{Story: a, Matched: japan}, {Story: b, Matched: japan}, {Story: &c, Matched: []stories.Topic{korea}},
		{Story: a, Matched: []stories.Topic{korea}}}
	seoul := sharing
	sub := *full.Subscriber
	sub.TimeZone = "Asia/Seoul"
	seoul.Subscriber = &sub
	seoul.Items = []digest.Item{{Story: b, Matched: japan}, {Story: a, Matched: japan}}
	return append(ds, &tricky, &sharing, &seoul)
}

// errFastDiffers says the fast way would not print what the templates do.
var errFastDiffers = errors.New("templates: story fragments render differently")

// verify renders the verification digests the plain and the fast way and
// reports errFastDiffers unless the emails are the same.
func (s *Set) verify() error {
	for _, d := range verifyDigests() {
		for _, l := range s.emailLayouts() {
			plain, err := s.renderLayout(d, l, nil)
			if err != nil {
				return err
			}
			fast, err := s.renderLayout(d, l, s.frags)
			if err != nil {
				return err
			}
			if !bytes.Equal(plain.HTML, fast.HTML) || !bytes.Equal(plain.Text, fast.Text) || plain.Subject != fast.Subject {
				return errFastDiffers
			}
		}
	}
	return nil
}
