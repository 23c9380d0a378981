package web

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"herald/subscribers"
)

// apiRoutes lists every route of the admin API.
var apiRouteTable = []struct{ method, path string }{
	{"GET", "/v1/openapi.json"},
	{"POST", "/v1/stories"},
	{"GET", "/v1/stories/s1"},
	{"DELETE", "/v1/stories/s1"},
	{"GET", "/v1/topics"},
	{"GET", "/v1/subscribers"},
	{"POST", "/v1/subscribers"},
	{"POST", "/v1/subscribers/import"},
	{"GET", "/v1/subscribers/a"},
	{"PATCH", "/v1/subscribers/a"},
	{"DELETE", "/v1/subscribers/a"},
	{"POST", "/v1/subscribers/a/topics"},
	{"DELETE", "/v1/subscribers/a/topics"},
	{"DELETE", "/v1/subscribers/a/topics/japan"},
	{"POST", "/v1/subscribers/a/confirmation"},
	{"GET", "/v1/subscribers/a/preview"},
	{"POST", "/v1/dispatch"},
	{"GET", "/v1/suppressions/a@example.com"},
	{"DELETE", "/v1/suppressions/a@example.com"},
	{"POST", "/v1/bounces"},
	{"GET", "/v1/feeds"},
	{"POST", "/v1/feeds"},
	{"DELETE", "/v1/feeds/a"},
	{"POST", "/v1/feeds/poll"},
	{"GET", "/v1/no-such-route"},
}

func TestAPIRequiresToken(t *testing.T) {
	f := newFixture(t)
	f.addSub(reader("a", "a@example.com", "japan"))
	before := f.keyCount()
	auths := map[string][]string{
		"no header":     nil,
		"wrong token":   {"Authorization: Bearer nope"},
		"token prefix":  {"Authorization: Bearer " + testToken[:len(testToken)-1]},
		"token suffix":  {"Authorization: Bearer " + testToken + "x"},
		"basic scheme":  {"Authorization: Basic " + testToken},
		"bearer empty":  {"Authorization: Bearer "},
		"token no name": {"Authorization: " + testToken},
	}
	for _, rt := range apiRouteTable {
		for name, hdr := range auths {
			t.Run(rt.method+" "+rt.path+"/"+name, func(t *testing.T) {
				r := f.do(rt.method, rt.path, `{"topics":["x"]}`, hdr...)
				wantError(t, r, http.StatusUnauthorized, CodeUnauthorized, "")
				if !strings.HasPrefix(r.Header.Get("WWW-Authenticate"), "Bearer") {
					t.Errorf("WWW-Authenticate %q", r.Header.Get("WWW-Authenticate"))
				}
			})
		}
	}
	if after := f.keyCount(); after != before {
		t.Errorf("unauthorized requests changed Redis: %d keys, then %d", before, after)
	}
	for _, rt := range apiRouteTable {
		if r := f.api(rt.method, rt.path, "{}"); r.Status == http.StatusUnauthorized {
			t.Errorf("%s %s: the right token was refused: %s", rt.method, rt.path, r.Body)
		}
	}
}

func TestAPIDisabledWithoutToken(t *testing.T) {
	f := newFixture(t, func(d *Deps) { d.APIToken = "" })
	for _, rt := range apiRouteTable {
		r := f.do(rt.method, rt.path, "{}", "Authorization: Bearer ")
		wantError(t, r, http.StatusServiceUnavailable, CodeAPIDisabled, "")
		if !strings.Contains(r.Body, "HERALD_API_TOKEN is not set") {
			t.Errorf("%s %s: %s", rt.method, rt.path, r.Body)
		}
	}
}

func TestAPIBadInputStoresNothing(t *testing.T) {
	f := newFixture(t, func(d *Deps) { d.MaxImportBytes = 4096 })
	f.addSub(reader("existing", "existing@example.com", "japan"))
	f.putStory("s0", "Japan")
	big := `{"id":"big","summary":"` + strings.Repeat("x", DefaultMaxBodyBytes) + `"}`
	tests := []struct {
		name, method, path, body string
		status                   int
		code, field              string
	}{
		{"story broken JSON", "POST", "/v1/stories", `{"id":"s1",`, 400, CodeBadJSON, ""},
		{"story not JSON", "POST", "/v1/stories", `hello`, 400, CodeBadJSON, ""},
		{"story empty body", "POST", "/v1/stories", ``, 400, CodeBadJSON, ""},
		{"story array breaks off", "POST", "/v1/stories", "[" + storyJSON("s2", "Japan") + ",{", 400, CodeBadJSON, ""},
		{"story too large", "POST", "/v1/stories", big, 413, CodeTooLarge, ""},
		{"subscriber broken JSON", "POST", "/v1/subscribers", `{"email":`, 400, CodeBadJSON, ""},
		{"subscriber array", "POST", "/v1/subscribers", `[]`, 400, CodeBadJSON, ""},
		{"subscriber two objects", "POST", "/v1/subscribers", `{"email":"x@example.com"}{}`, 400, CodeBadJSON, ""},
		{"subscriber too large", "POST", "/v1/subscribers", `{"name":"` + strings.Repeat("n", DefaultMaxBodyBytes) + `"}`, 413, CodeTooLarge, ""},
		{"subscriber no kind", "POST", "/v1/subscribers", `{"name":"Nobody"}`, 422, CodeInvalid, "kind"},
		{"subscriber missing email", "POST", "/v1/subscribers", `{"kind":"email"}`, 422, CodeInvalid, "email"},
		{"subscriber invalid email", "POST", "/v1/subscribers", `{"email":"not-an-address"}`, 422, CodeInvalid, "email"},
		{"subscriber email with name", "POST", "/v1/subscribers", `{"email":"Ann <ann@example.com>"}`, 422, CodeInvalid, "email"},
		{"subscriber bad time zone", "POST", "/v1/subscribers", `{"email":"tz@example.com","time_zone":"Mars/Olympus"}`, 422, CodeInvalid, "time_zone"},
		{"subscriber bad cron", "POST", "/v1/subscribers", `{"email":"cron@example.com","schedule":"61 * * * *"}`, 422, CodeInvalid, "schedule"},
		{"subscriber bad clock", "POST", "/v1/subscribers", `{"email":"clock@example.com","schedule":"daily 25:00"}`, 422, CodeInvalid, "schedule"},
		{"subscriber wrong type", "POST", "/v1/subscribers", `{"email":"t@example.com","max_stories":"ten"}`, 422, CodeInvalid, "max_stories"},
		{"subscriber unknown field", "POST", "/v1/subscribers", `{"email":"u@example.com","colour":"red"}`, 422, CodeInvalid, "colour"},
		{"subscriber taken email", "POST", "/v1/subscribers", `{"email":"existing@example.com"}`, 409, CodeExists, ""},
		{"team bad channel", "POST", "/v1/subscribers", `{"kind":"slack","slack_channel":"#general"}`, 422, CodeInvalid, "slack_channel"},
		{"team http webhook", "POST", "/v1/subscribers", `{"webhook_url":"http://hooks.example.com/x"}`, 422, CodeInvalid, "webhook_url"},
		{"confirm for a team", "POST", "/v1/subscribers", `{"slack_channel":"C0123ABCD","confirm":true}`, 422, CodeInvalid, "confirm"},
		{"confirm with active", "POST", "/v1/subscribers", `{"email":"c@example.com","status":"active","confirm":true}`, 422, CodeInvalid, "status"},
		{"patch bad time zone", "PATCH", "/v1/subscribers/existing", `{"time_zone":"Local"}`, 422, CodeInvalid, "time_zone"},
		{"patch bad cron", "PATCH", "/v1/subscribers/existing", `{"schedule":"* * *"}`, 422, CodeInvalid, "schedule"},
		{"patch bad email", "PATCH", "/v1/subscribers/existing", `{"email":"nope"}`, 422, CodeInvalid, "email"},
		{"patch kind", "PATCH", "/v1/subscribers/existing", `{"kind":"slack","slack_channel":"C0123ABCD","email":""}`, 422, CodeInvalid, "kind"},
		{"patch id", "PATCH", "/v1/subscribers/existing", `{"id":"other"}`, 422, CodeInvalid, "id"},
		{"patch missing", "PATCH", "/v1/subscribers/nobody", `{"name":"x"}`, 404, CodeNotFound, ""},
		{"follow no topics", "POST", "/v1/subscribers/existing/topics", `{"topics":[]}`, 422, CodeInvalid, "topics"},
		{"follow bad topic", "POST", "/v1/subscribers/existing/topics", `{"topics":["!!!"]}`, 422, CodeInvalid, "topics"},
		{"follow missing", "POST", "/v1/subscribers/nobody/topics", `{"topics":["japan"]}`, 404, CodeNotFound, ""},
		{"follow broken JSON", "POST", "/v1/subscribers/existing/topics", `{"topics":`, 400, CodeBadJSON, ""},
		{"import bad header", "POST", "/v1/subscribers/import", "mail,name\nx@example.com,X\n", 400, CodeBadRequest, ""},
		{"import empty", "POST", "/v1/subscribers/import", "", 400, CodeBadRequest, ""},
		{"import too large", "POST", "/v1/subscribers/import", "email\n" + strings.Repeat("someone@example.com\n", 300), 413, CodeTooLarge, ""},
		{"list bad limit", "GET", "/v1/subscribers?limit=0", "", 400, CodeBadRequest, "limit"},
		{"list huge limit", "GET", "/v1/subscribers?limit=5000", "", 400, CodeBadRequest, "limit"},
		{"list bad cursor", "GET", "/v1/subscribers?cursor=!!!", "", 400, CodeBadRequest, "cursor"},
		{"list bad kind", "GET", "/v1/subscribers?kind=fax", "", 400, CodeBadRequest, "kind"},
		{"story missing", "GET", "/v1/stories/nope", "", 404, CodeNotFound, ""},
		{"delete missing story", "DELETE", "/v1/stories/nope", "", 404, CodeNotFound, ""},
		{"get missing subscriber", "GET", "/v1/subscribers/nobody", "", 404, CodeNotFound, ""},
		{"delete missing subscriber", "DELETE", "/v1/subscribers/nobody", "", 404, CodeNotFound, ""},
		{"wrong method", "PUT", "/v1/subscribers/existing", "{}", 405, CodeNotAllowed, ""},
	}
	stored := f.getSub("existing")
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := f.keyCount()
			r := f.api(tc.method, tc.path, tc.body)
			wantError(t, r, tc.status, tc.code, tc.field)
			if after := f.keyCount(); after != before {
				t.Errorf("keys under the prefix: %d before, %d after", before, after)
			}
			if got := f.getSub("existing"); !sameSubscriber(got, stored) {
				t.Errorf("existing subscriber changed: %+v, was %+v", got, stored)
			}
		})
	}
}

func sameSubscriber(a, b *subscribers.Subscriber) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return bytes.Equal(ja, jb) && a.WebhookURL == b.WebhookURL
}

// batch is the body of a POST /v1/stories answer.
type batch struct {
	Results []struct {
		Index  int
		ID     string
		Status string
		Error  *struct{ Code, Message, Field string }
	}
	Created, Updated, Rejected int
}

func TestPostStoriesBatch(t *testing.T) {
	f := newFixture(t)
	f.putStory("old", "Japan")
	noSummary := strings.Replace(storyJSON("bad", "Japan"), `"summary":"What happened in bad.",`, "", 1)
	badURL := strings.Replace(storyJSON("bad2", "Japan"), `https://news.example.com/bad2`, `javascript:alert(1)`, 1)
	tests := []struct {
		name, body string
		status     int
		statuses   []string
		fields     []string // error field per item, "" when stored
	}{
		{"one object", storyJSON("one", "Japan"), 200, []string{"created"}, []string{""}},
		{"array mixed", "[" + storyJSON("new", "Markets") + "," + noSummary + "," + storyJSON("old", "Japan") + "," + badURL + "]",
			207, []string{"created", "rejected", "updated", "rejected"}, []string{"", "summary", "", "url"}},
		{"ndjson", storyJSON("nd1", "Japan") + "\n" + storyJSON("nd2", "China") + "\n", 200, []string{"created", "created"}, []string{"", ""}},
		{"all rejected", "[" + noSummary + "]", 422, []string{"rejected"}, []string{"summary"}},
		{"duplicate id in batch", "[" + storyJSON("dup", "Japan") + "," + storyJSON("dup", "Japan") + "]", 207, []string{"created", "rejected"}, []string{"", "id"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := f.api("POST", "/v1/stories", tc.body, "Content-Type: application/json")
			if r.Status != tc.status {
				t.Fatalf("status %d, want %d: %s", r.Status, tc.status, r.Body)
			}
			b := decode[batch](t, r)
			if len(b.Results) != len(tc.statuses) {
				t.Fatalf("results %+v", b.Results)
			}
			for i, res := range b.Results {
				if res.Index != i || res.Status != tc.statuses[i] {
					t.Errorf("item %d: %+v, want status %s", i, res, tc.statuses[i])
				}
				field := ""
				if res.Error != nil {
					field = res.Error.Field
				}
				if field != tc.fields[i] || (res.Status == "rejected") != (res.Error != nil) {
					t.Errorf("item %d: error %+v, want field %q", i, res.Error, tc.fields[i])
				}
				if res.Status != "rejected" {
					if g := f.api("GET", "/v1/stories/"+res.ID, ""); g.Status != 200 {
						t.Errorf("stored story %s: %d", res.ID, g.Status)
					}
				}
			}
		})
	}
	if _, err := f.stories.Get(t.Context(), "bad"); err == nil {
		t.Error("a rejected story was stored")
	}
	m := f.do("GET", "/metrics", "").Body
	for _, want := range []string{`herald_stories_ingested_total{result="created"} 5`, `herald_stories_ingested_total{result="updated"} 1`, `herald_stories_ingested_total{result="rejected"} 4`} {
		if !strings.Contains(m, want) {
			t.Errorf("metrics lack %s:\n%s", want, m)
		}
	}
}

func TestStoryGetDeleteAndTopics(t *testing.T) {
	f := newFixture(t)
	f.putStory("s1", "Japan", "South Korea")
	f.addSub(reader("a", "a@example.com", "japan"))
	f.addSub(reader("b", "b@example.com", "japan", "south-korea"))
	r := f.api("GET", "/v1/stories/s1", "")
	if r.Status != 200 || !strings.Contains(r.Body, `"headline":"Headline of s1"`) {
		t.Fatalf("get: %d %s", r.Status, r.Body)
	}
	topics := decode[struct {
		Topics []struct {
			Slug, Name string
			Followers  int
		}
	}](t, f.api("GET", "/v1/topics", ""))
	got := map[string]int{}
	for _, tp := range topics.Topics {
		got[tp.Slug] = tp.Followers
	}
	if got["japan"] != 2 || got["south-korea"] != 1 || len(got) != 2 {
		t.Errorf("topics %+v", topics)
	}
	if r := f.api("DELETE", "/v1/stories/s1", ""); r.Status != 204 {
		t.Fatalf("delete: %d %s", r.Status, r.Body)
	}
	wantError(t, f.api("GET", "/v1/stories/s1", ""), 404, CodeNotFound, "")
}

func TestSubscriberCRUD(t *testing.T) {
	f := newFixture(t)
	r := f.api("POST", "/v1/subscribers", `{"id":"ann","email":"ann@Example.COM","name":"Ann","time_zone":"Asia/Tokyo","schedule":"weekly on monday at 8:30","topics":["Japan","South Korea"]}`)
	if r.Status != 201 || r.Header.Get("Location") != "/v1/subscribers/ann" {
		t.Fatalf("create: %d %v %s", r.Status, r.Header, r.Body)
	}
	sub := decode[subscribers.Subscriber](t, r)
	if sub.Email != "ann@example.com" || sub.Schedule != "weekly mon 08:30" || !slices.Equal(sub.Topics, []string{"japan", "south-korea"}) || sub.Status != "active" {
		t.Errorf("created %+v", sub)
	}
	if !f.isDue("ann") {
		t.Error("active subscriber not in the due set")
	}
	r = f.api("PATCH", "/v1/subscribers/ann", `{"schedule":"daily 06:00","name":"Ann B."}`)
	sub = decode[subscribers.Subscriber](t, r)
	if r.Status != 200 || sub.Schedule != "daily 06:00" || sub.Name != "Ann B." || sub.TimeZone != "Asia/Tokyo" {
		t.Fatalf("patch: %d %s", r.Status, r.Body)
	}
	if got := f.getSub("ann"); got.Schedule != "daily 06:00" {
		t.Errorf("stored schedule %q", got.Schedule)
	}
	r = f.api("POST", "/v1/subscribers/ann/topics", `{"topics":["Markets"]}`)
	if sub = decode[subscribers.Subscriber](t, r); !slices.Equal(sub.Topics, []string{"japan", "markets", "south-korea"}) {
		t.Errorf("follow: %s", r.Body)
	}
	r = f.api("DELETE", "/v1/subscribers/ann/topics", `{"topics":["japan"]}`)
	if sub = decode[subscribers.Subscriber](t, r); !slices.Equal(sub.Topics, []string{"markets", "south-korea"}) {
		t.Errorf("unfollow: %s", r.Body)
	}
	r = f.api("DELETE", "/v1/subscribers/ann/topics/south-korea", "")
	if sub = decode[subscribers.Subscriber](t, r); !slices.Equal(sub.Topics, []string{"markets"}) {
		t.Errorf("unfollow one: %s", r.Body)
	}
	if r := f.api("DELETE", "/v1/subscribers/ann", ""); r.Status != 204 {
		t.Fatalf("delete: %d", r.Status)
	}
	wantError(t, f.api("GET", "/v1/subscribers/ann", ""), 404, CodeNotFound, "")
	if f.isDue("ann") {
		t.Error("deleted subscriber still due")
	}
}

func TestTeamWebhookNeverReturned(t *testing.T) {
	f := newFixture(t)
	const hook = "https://hooks.slack.example/services/T000/B000/SECRETSECRET"
	r := f.api("POST", "/v1/subscribers", `{"id":"desk","webhook_url":"`+hook+`","topics":["markets"],"schedule":"instant"}`)
	if r.Status != 201 {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	for _, body := range []string{r.Body, f.api("GET", "/v1/subscribers/desk", "").Body, f.api("GET", "/v1/subscribers?kind=slack", "").Body,
		f.api("PATCH", "/v1/subscribers/desk", `{"name":"Desk"}`).Body} {
		if strings.Contains(body, "SECRET") || strings.Contains(body, "hooks.slack") {
			t.Fatalf("webhook URL leaked: %s", body)
		}
		if !strings.Contains(body, `"has_webhook":true`) || !strings.Contains(body, `"kind":"slack"`) {
			t.Errorf("body %s", body)
		}
	}
	if got := f.getSub("desk"); got.WebhookURL != hook {
		t.Errorf("stored webhook %q", got.WebhookURL)
	}
}

func TestListPagination(t *testing.T) {
	f := newFixture(t)
	want := map[string]subscribers.Kind{}
	for i := range 23 {
		id := "s" + strconv.Itoa(100+i)
		sub := reader(id, id+"@example.com", "japan")
		if i%4 == 0 {
			sub = &subscribers.Subscriber{ID: id, SlackChannel: "C0" + strconv.Itoa(100000+i), Topics: []string{"japan"}}
		}
		f.addSub(sub)
		want[id] = sub.Kind
	}
	for _, tc := range []struct {
		kind  string
		limit int
	}{{"", 1}, {"", 5}, {"", 23}, {"", 1000}, {"email", 4}, {"slack", 2}, {"slack", 6}} {
		t.Run(tc.kind+"/"+strconv.Itoa(tc.limit), func(t *testing.T) {
			seen := map[string]bool{}
			cursor, pages := "", 0
			for {
				r := f.api("GET", "/v1/subscribers?limit="+strconv.Itoa(tc.limit)+"&kind="+tc.kind+"&cursor="+cursor, "")
				page := decode[struct {
					Subscribers []subscribers.Subscriber
					NextCursor  string `json:"next_cursor"`
				}](t, r)
				if len(page.Subscribers) > tc.limit {
					t.Fatalf("page of %d, limit %d", len(page.Subscribers), tc.limit)
				}
				for _, s := range page.Subscribers {
					if seen[s.ID] {
						t.Fatalf("%s twice", s.ID)
					}
					seen[s.ID] = true
				}
				if pages++; page.NextCursor == "" || pages > 50 {
					break
				}
				cursor = page.NextCursor
			}
			for id, kind := range want {
				if (tc.kind == "" || string(kind) == tc.kind) != seen[id] {
					t.Errorf("%s (%s): seen %v", id, kind, seen[id])
				}
			}
			if n := len(seen); tc.kind == "" && n != 23 {
				t.Errorf("saw %d", n)
			}
		})
	}
}

func TestImportCSV(t *testing.T) {
	f := newFixture(t)
	f.addSub(reader("known", "known@example.com", "japan"))
	csv := "email,name,time_zone,schedule,topics\n" +
		"new@example.com,New,Asia/Seoul,daily 06:30,south-korea;japan\n" +
		"known@example.com,Known,,,markets\n" +
		"bad@example.com,Bad,Mars/Base,,japan\n" +
		"not-an-email,X,,,\n"
	r := f.api("POST", "/v1/subscribers/import", csv, "Content-Type: text/csv")
	res := decode[importResult](t, r)
	if r.Status != 200 || res.Added != 1 || res.Updated != 1 || res.Skipped != 2 || len(res.Errors) != 2 {
		t.Fatalf("%d %+v", r.Status, res)
	}
	if e := res.Errors[0]; e.Line != 4 || e.Field != "time_zone" {
		t.Errorf("error 0: %+v", e)
	}
	if e := res.Errors[1]; e.Line != 5 || e.Field != "email" {
		t.Errorf("error 1: %+v", e)
	}
	if got := f.getSub("known"); !slices.Equal(got.Topics, []string{"markets"}) || got.Name != "Known" {
		t.Errorf("known: %+v", got)
	}
}

func TestPreview(t *testing.T) {
	f := newFixture(t)
	f.addSub(reader("ann", "ann@example.com", "japan"))
	f.addSub(&subscribers.Subscriber{ID: "desk", SlackChannel: "C0123ABCD", Topics: []string{"japan"}})
	f.clock.Add(time.Minute)
	f.api("POST", "/v1/stories", strings.Replace(storyJSON("p1", "Japan"), "Headline of p1", "Tokyo <b>rally</b>", 1))
	f.clock.Add(time.Minute)
	tests := []struct {
		name, path  string
		status      int
		ctype, want string
	}{
		{"html default", "/v1/subscribers/ann/preview", 200, "text/html", "Tokyo &lt;b&gt;rally&lt;/b&gt;"},
		{"text", "/v1/subscribers/ann/preview?format=text", 200, "text/plain", "Tokyo <b>rally</b>"},
		{"slack default", "/v1/subscribers/desk/preview", 200, "application/json", `"blocks"`},
		{"slack for email", "/v1/subscribers/ann/preview?format=slack", 422, "application/json", `"field":"format"`},
		{"html for slack", "/v1/subscribers/desk/preview?format=html", 422, "application/json", `"field":"format"`},
		{"unknown format", "/v1/subscribers/ann/preview?format=pdf", 400, "application/json", `"field":"format"`},
		{"unknown subscriber", "/v1/subscribers/nobody/preview", 404, "application/json", CodeNotFound},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := f.api("GET", tc.path, "")
			if r.Status != tc.status || !strings.HasPrefix(r.Header.Get("Content-Type"), tc.ctype) || !strings.Contains(r.Body, tc.want) {
				t.Fatalf("%d %s: %.400s", r.Status, r.Header.Get("Content-Type"), r.Body)
			}
		})
	}
	if sub := f.getSub("ann"); !sub.Cursor.Equal(mustTime(t, testStart)) {
		t.Errorf("preview moved the cursor to %v", sub.Cursor)
	}
}

func TestDispatch(t *testing.T) {
	f := newFixture(t)
	f.addSub(reader("ann", "ann@example.com", "japan"))
	f.clock.Add(time.Minute)
	f.putStory("d1", "Japan")
	f.clock.Add(24 * time.Hour)
	r := f.api("POST", "/v1/dispatch", "")
	res := decode[dispatchResult](t, r)
	if r.Status != 200 || res.Claimed != 1 || res.Sent != 1 {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	if msgs := f.channel.sent(); len(msgs) != 1 || msgs[0].SubscriberID != "ann" {
		t.Fatalf("sent %+v", msgs)
	}
	m := f.do("GET", "/metrics", "").Body
	for _, want := range []string{
		`herald_digests_sent_total{channel="email",result="sent"} 1`,
		`herald_digests_sent_total{channel="slack",result="permanent"} 0`,
		`herald_send_seconds_count{channel="email"} 1`,
		`herald_send_seconds_bucket{channel="email",le="+Inf"} 1`,
		"herald_due_backlog 0",
	} {
		if !strings.Contains(m, want) {
			t.Errorf("metrics lack %q:\n%s", want, m)
		}
	}
}

func TestSuppressionList(t *testing.T) {
	f := newFixture(t)
	f.addSub(reader("ann", "ann@example.com", "japan"))
	f.do("POST", "/u/"+f.token("ann", subscribers.ActionUnsubscribe), "List-Unsubscribe=One-Click", "Content-Type: application/x-www-form-urlencoded")
	wantError(t, f.api("PATCH", "/v1/subscribers/ann", `{"status":"active"}`), 409, CodeSuppressed, "email")
	f.api("DELETE", "/v1/subscribers/ann", "")
	before := f.keyCount()
	r := f.api("POST", "/v1/subscribers", `{"email":"ann@example.com"}`)
	wantError(t, r, 409, CodeSuppressed, "email")
	if !strings.Contains(r.Body, "ann@example.com (unsubscribed since 2026-11-28)") {
		t.Errorf("message %s", r.Body)
	}
	if f.keyCount() != before {
		t.Error("a refused create stored something")
	}
	if r := f.api("GET", "/v1/suppressions/ann@example.com", ""); r.Status != 200 || !strings.Contains(r.Body, `"reason":"unsubscribed"`) {
		t.Fatalf("get: %d %s", r.Status, r.Body)
	}
	if r := f.api("DELETE", "/v1/suppressions/ann@example.com", ""); r.Status != 204 {
		t.Fatalf("lift: %d %s", r.Status, r.Body)
	}
	wantError(t, f.api("GET", "/v1/suppressions/ann@example.com", ""), 404, CodeNotFound, "")
	wantError(t, f.api("DELETE", "/v1/suppressions/ann@example.com", ""), 404, CodeNotFound, "")
	if r := f.api("POST", "/v1/subscribers", `{"email":"ann@example.com"}`); r.Status != 201 {
		t.Fatalf("create after lifting: %d %s", r.Status, r.Body)
	}
}

func TestUnavailableFeatures(t *testing.T) {
	f := newFixture(t, func(d *Deps) { d.Preview, d.Dispatch, d.SendConfirmation = nil, nil, nil })
	f.addSub(reader("ann", "ann@example.com", "japan"))
	wantError(t, f.api("POST", "/v1/dispatch", ""), 503, CodeUnavailable, "")
	wantError(t, f.api("GET", "/v1/subscribers/ann/preview", ""), 503, CodeUnavailable, "")
	wantError(t, f.api("POST", "/v1/subscribers", `{"email":"c@example.com","confirm":true}`), 503, CodeUnavailable, "confirm")
	if r := f.do("GET", "/signup", ""); r.Status != 404 {
		t.Errorf("signup without confirmation emails: %d", r.Status)
	}
}

func TestOpenAPIDocument(t *testing.T) {
	f := newFixture(t)
	r := f.api("GET", "/v1/openapi.json", "")
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal([]byte(r.Body), &doc); err != nil || r.Status != 200 {
		t.Fatalf("%d %v", r.Status, err)
	}
	if doc.OpenAPI != "3.1.0" {
		t.Errorf("openapi %q", doc.OpenAPI)
	}
	generic := strings.NewReplacer("/s1", "/{id}", "/a/", "/{id}/", "/japan", "/{slug}", "/a@example.com", "/{email}")
	for _, rt := range apiRouteTable {
		if rt.path == "/v1/no-such-route" {
			continue
		}
		p := generic.Replace(strings.TrimPrefix(rt.path, "/v1"))
		if strings.HasSuffix(p, "/a") {
			p = strings.TrimSuffix(p, "/a") + "/{id}"
		}
		if _, ok := doc.Paths[p][strings.ToLower(rt.method)]; !ok {
			t.Errorf("%s %s (%s) is not documented", rt.method, rt.path, p)
		}
	}
	docs, err := os.ReadFile("../docs/openapi.json")
	if err != nil || !bytes.Equal(docs, OpenAPI) {
		t.Errorf("docs/openapi.json differs from web/openapi.json (copy it over): %v", err)
	}
}
