package server

import (
	"context"
	"html"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/wallboard/wallboard/cache"
	"github.com/wallboard/wallboard/cache/storetest"
	"github.com/wallboard/wallboard/internal/testlog"
	"github.com/wallboard/wallboard/model"
)

// postForm posts a supervisor form as a browser on the page would (Origin
// of the page), without following the redirect; it returns the status and
// the redirect's notice.
func postForm(t *testing.T, base, path string, form url.Values, origin string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, base+path, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if origin != "" {
		req.Header.Set("Origin", origin)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, _ := url.Parse(resp.Header.Get("Location"))
	if loc == nil {
		return resp.StatusCode, ""
	}
	if e := loc.Query().Get("msg_error"); e != "" {
		return resp.StatusCode, "error: " + e
	}
	return resp.StatusCode, loc.Query().Get("msg")
}

func message(text, level, minutes string, boards ...string) url.Values {
	return url.Values{"text": {text}, "level": {level}, "minutes": {minutes}, "board": boards}
}

func TestFloorMessagesPostShowAndTakeDown(t *testing.T) {
	store := cache.NewMemory()
	ts := startServer(t, Options{Store: store, Messages: store})
	mustPut(t, store, fixture(time.Now(), 3, 2))
	base := ts.http.URL
	path := "/boards/all/supervisor/messages"

	// The supervisor page has the form.
	_, page, _ := get(t, base+"/boards/all/supervisor")
	if !strings.Contains(page, `id="sv-msg-form"`) || !strings.Contains(page, `action="/boards/all/supervisor/messages"`) {
		t.Fatalf("supervisor page without the message form")
	}
	// Another site cannot post (CSRF).
	if code, _ := postForm(t, base, path, message("Free pizza", "info", "30", "*"), "https://evil.example"); code != http.StatusForbidden {
		t.Errorf("cross-site post: %d, want 403", code)
	}
	if code, _ := postForm(t, base, path, message("Free pizza", "info", "30", "*"), ""); code != http.StatusForbidden {
		t.Errorf("post without Origin: %d, want 403", code)
	}
	// Bad input is refused with a reason, nothing stored.
	if _, n := postForm(t, base, path, message(strings.Repeat("x", 281), "info", "30", "*"), base); !strings.Contains(n, "at most 280") {
		t.Errorf("281 characters: %q", n)
	}
	if _, n := postForm(t, base, path, message("hi", "loud", "30", "*"), base); !strings.Contains(n, "unknown level") {
		t.Errorf("bad level: %q", n)
	}
	// A post shows on the wall, escaped, until taken down.
	c := dial(t, ts)
	readMessage(t, c, 5*time.Second)
	text := `Fire drill at <script>alert(1)</script> 15:00 & "assemble"`
	if code, n := postForm(t, base, path, message(text, "critical", "30", "all"), base); code != http.StatusSeeOther || n != "Posted." {
		t.Fatalf("post: %d %q", code, n)
	}
	frag := waitMessage(t, c, func(m string) bool { return strings.Contains(m, `class="wb-msg msg-critical"`) })
	if !strings.Contains(frag, html.EscapeString(text)) || strings.Contains(frag, "<script>") || !strings.Contains(frag, "CRITICAL") {
		t.Errorf("wall fragment does not show the text escaped with its level in words:\n%s", frag)
	}
	// Every embed of the board shows it too.
	_, embed, _ := get(t, base+"/embed/all/calls_waiting")
	if !strings.Contains(embed, html.EscapeString(text)) {
		t.Errorf("embed without the message")
	}
	// A message for another board does not show here.
	if _, n := postForm(t, base, path, message("Only elsewhere", "info", "30", "nope"), base); !strings.Contains(n, "no board nope") {
		t.Errorf("unknown board: %q", n)
	}
	// The supervisor view lists it with who posted it, and the audit log.
	_, page, _ = get(t, base+"/boards/all/supervisor")
	msgs, _, _ := store.Messages(context.Background(), time.Now())
	if len(msgs) != 1 || !strings.Contains(page, `id="sv-msg-`+msgs[0].ID+`"`) || !strings.Contains(page, "(open wallboard)</b> posted") {
		t.Fatalf("supervisor view: messages %+v", msgs)
	}
	if code, n := postForm(t, base, path+"/"+msgs[0].ID+"/remove", url.Values{}, base); code != http.StatusSeeOther || n != "Taken down." {
		t.Fatalf("take down: %d %q", code, n)
	}
	waitMessage(t, c, func(m string) bool { return strings.Contains(m, `id="wb-wall"`) && !strings.Contains(m, "wb-msg") })
	log, _ := store.MessageLog(context.Background())
	if len(log) != 2 || log[0].Action != "removed" {
		t.Errorf("audit %+v", log)
	}
	// Per user, a few posts in a row, then wait.
	var last string
	for range 5 {
		_, last = postForm(t, base, path, message("again", "info", "5", "all"), base)
	}
	if !strings.Contains(last, "Too many") {
		t.Errorf("fifth change in a row: %q, want throttled", last)
	}
}

// Two replicas on one Redis: a message posted on one shows on the other's
// wall, and leaves it at its expiry without any post.
func TestFloorMessagesReachEveryReplicaAndExpire(t *testing.T) {
	redisURL := storetest.RedisURL(t)
	prefix := storetest.Prefix(t, redisURL)
	var replicas []*testServer
	var stores []*cache.Redis
	for range 2 {
		log, _ := testlog.Logger()
		r, err := cache.NewRedis(context.Background(), cache.RedisOptions{URL: redisURL, Prefix: prefix, Logger: log})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { r.Close() })
		stores = append(stores, r)
		replicas = append(replicas, startServer(t, Options{Store: r, Messages: r}))
	}
	mustPut(t, stores[0], fixture(time.Now(), 2, 2))
	a, b := replicas[0], replicas[1]
	cb := dial(t, b)
	readMessage(t, cb, 5*time.Second)

	posted := time.Now()
	if code, n := postForm(t, a.http.URL, "/boards/all/supervisor/messages", message("Team huddle at 10", "warn", "15", "*"), a.http.URL); n != "Posted." {
		t.Fatalf("post on a: %d %q", code, n)
	}
	waitMessage(t, cb, func(m string) bool { return strings.Contains(m, "Team huddle at 10") })
	t.Logf("post on replica a to b's wall: %v", time.Since(posted).Round(time.Millisecond))

	// One posted to expire shortly leaves both walls by itself.
	ca := dial(t, a)
	readMessage(t, ca, 5*time.Second)
	now := time.Now()
	if _, err := stores[1].PostMessage(context.Background(), model.Message{Text: "Short one", Level: "info", Author: "t", Posted: now, Expires: now.Add(1500 * time.Millisecond)}); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for _, c := range []*websocket.Conn{ca, cb} {
		wg.Go(func() {
			waitMessage(t, c, func(m string) bool { return strings.Contains(m, "Short one") })
			waitMessage(t, c, func(m string) bool {
				// A full render or a patch of the banner: the short one gone, the other there.
				return strings.Contains(m, `id="wb-messages"`) && !strings.Contains(m, "Short one") && strings.Contains(m, "Team huddle")
			})
		})
	}
	wg.Wait()
}

// With sign-in, only a signed-in supervisor posts, and the log names them.
func TestFloorMessagesNeedASupervisor(t *testing.T) {
	store := cache.NewMemory()
	ts := startServer(t, Options{Store: store, Messages: store, Guard: newGuard(t, guardConfig(t))})
	base := ts.http.URL
	path := "/boards/all/supervisor/messages"
	if code, _ := postForm(t, base, path, message("hi", "info", "5", "*"), base); code != http.StatusUnauthorized {
		t.Errorf("signed out: %d, want 401", code)
	}
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	req, _ := http.NewRequest(http.MethodPost, base+"/login", strings.NewReader(url.Values{"username": {"ana"}, "password": {testPassword}, "next": {"/"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", base)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	req, _ = http.NewRequest(http.MethodPost, base+path, strings.NewReader(message("Signed", "info", "5", "*").Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", base)
	resp, err = client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || !strings.Contains(resp.Header.Get("Location"), "msg=Posted") {
		t.Fatalf("signed in: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	if log, _ := store.MessageLog(context.Background()); len(log) != 1 || log[0].By != "ana" {
		t.Errorf("audit %+v, want ana's post", log)
	}
}
