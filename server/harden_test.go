package server

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/wallboard/wallboard/access"
	"github.com/wallboard/wallboard/model"
)

// HEAD on a page answers like GET without the body (monitors and link
// checkers use it).
func TestHeadOnPages(t *testing.T) {
	ts := startServer(t, Options{})
	mustPut(t, ts.store, fixture(time.Now(), 4, 2))
	for _, p := range []string{"/", "/boards/all", "/boards/all/supervisor", "/embed/all/queue_table", "/api/v1/boards/all", "/api/v1/status", "/healthz"} {
		req, _ := http.NewRequest(http.MethodHead, ts.http.URL+p, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("HEAD %s: %s", p, resp.Status)
		}
	}
}

// In the open demo an embed may be framed by pages on this computer (the
// tile page's own narrowing keeps them), and the page says so.
func TestOpenDemoEmbedFramableFromLoopback(t *testing.T) {
	ts := startServer(t, Options{Guard: newGuard(t, access.Config{Open: true})})
	mustPut(t, ts.store, fixture(time.Now(), 4, 2))
	code, body, hdr := get(t, ts.http.URL+"/embed/all/queue_table")
	csp := hdr.Get("Content-Security-Policy")
	if code != http.StatusOK || !strings.HasSuffix(csp, "frame-ancestors http://localhost:* http://127.0.0.1:* https://localhost:* https://127.0.0.1:*") {
		t.Fatalf("open embed: %d, CSP %q", code, csp)
	}
	if !strings.Contains(body, "framed only by pages on this computer") {
		t.Errorf("open embed page does not say where it may be framed")
	}
	if _, _, hdr := get(t, ts.http.URL+"/boards/all"); !strings.HasSuffix(hdr.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
		t.Errorf("open wall is framable: %q", hdr.Get("Content-Security-Policy"))
	}
}

// Data older than StaleAfter is stale although its writer said it was fine
// (a writer that stopped, a store back with old data): the API says so, and
// an open wall turns stale at the moment it crosses, without new data.
func TestOldDataMarkedStaleByAge(t *testing.T) {
	ts := startServer(t, Options{StaleAfter: 1500 * time.Millisecond, RetryInterval: time.Hour})
	now := time.Now()
	st := fixture(now, 3, 2)
	st.OK, st.Error, st.UpdatedAt = true, "", now.Add(-500*time.Millisecond)
	mustPut(t, ts.store, st)

	c := dial(t, ts)
	first := readMessage(t, c, 5*time.Second)
	if regexp.MustCompile(`class="wall [^"]*is-stale`).MatchString(first) || strings.Contains(first, "STALE") {
		t.Fatalf("fresh data is marked stale")
	}
	if b := boardAPI(t, ts); !b.Sources[0].OK {
		t.Fatalf("fresh data not OK in the API: %+v", b.Sources)
	}
	m := waitMessage(t, c, func(m string) bool { return strings.Contains(m, "STALE") })
	if !strings.Contains(m, `data-source="ujet"><b>STALE</b>`) || !strings.Contains(m, "no new data for over 1.5s") {
		t.Errorf("the wall's stale marker does not say why")
	}
	if !strings.Contains(m, st.Agents[0].Name) {
		t.Errorf("stale data is no longer shown")
	}
	b := boardAPI(t, ts)
	if b.Sources[0].OK || b.Sources[0].Error != "no new data for over 1.5s" || !b.Sources[0].UpdatedAt.Equal(st.UpdatedAt) || len(b.Agents) != 3 {
		t.Errorf("API after the crossing: %+v, %d agents", b.Sources, len(b.Agents))
	}
	_, status, _ := get(t, ts.http.URL+"/api/v1/status")
	if !strings.Contains(status, `"ok":false`) || !strings.Contains(status, "no new data for over 1.5s") {
		t.Errorf("status after the crossing: %s", status)
	}
}

func boardAPI(t *testing.T, ts *testServer) model.Board {
	t.Helper()
	code, body, _ := get(t, ts.http.URL+"/api/v1/boards/all")
	if code != http.StatusOK {
		t.Fatalf("board API: %d", code)
	}
	var b model.Board
	if err := json.Unmarshal([]byte(body), &b); err != nil {
		t.Fatal(err)
	}
	return b
}

// /readyz: ready when the store answers and a source is current; /healthz
// stays liveness.
func TestReadyz(t *testing.T) {
	ts := startServer(t, Options{StaleAfter: time.Minute})
	status := func(p string) (int, string) {
		code, body, _ := get(t, ts.http.URL+p)
		return code, body
	}
	if code, body := status("/readyz"); code != http.StatusServiceUnavailable || !strings.Contains(body, "no source") {
		t.Errorf("readyz before any data: %d %q", code, body)
	}
	now := time.Now()
	old := fixture(now, 2, 1)
	old.UpdatedAt = now.Add(-2 * time.Minute)
	mustPut(t, ts.store, old)
	if code, _ := status("/readyz"); code != http.StatusServiceUnavailable {
		t.Errorf("readyz with only old data: %d", code)
	}
	fresh := fixture(now, 2, 1)
	fresh.Source, fresh.Kind = "connect", "connect"
	mustPut(t, ts.store, fresh)
	if code, body := status("/readyz"); code != http.StatusOK || body != "ready\n" {
		t.Errorf("readyz with a current source: %d %q", code, body)
	}
	ts.store.down.Store(true)
	if code, body := status("/readyz"); code != http.StatusServiceUnavailable || !strings.Contains(body, "data store unavailable") {
		t.Errorf("readyz with the store down: %d %q", code, body)
	}
	if code, _ := status("/healthz"); code != http.StatusOK {
		t.Errorf("healthz with the store down: %d", code)
	}
}

// login signs in on ts and returns the session cookie.
func login(t *testing.T, ts *testServer) *http.Cookie {
	t.Helper()
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	req, _ := http.NewRequest(http.MethodPost, ts.http.URL+"/login", strings.NewReader(url.Values{"username": {"ana"}, "password": {testPassword}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	for _, ck := range resp.Cookies() {
		if ck.Name == access.SessionCookie {
			return ck
		}
	}
	t.Fatalf("login: %s, no session cookie", resp.Status)
	return nil
}

// Websocket origins per board and per view: beta's embed socket refuses
// alpha's embed origin, and the supervisor and wall sockets refuse every
// embed origin (only the page's own origin opens them).
func TestWebsocketOriginsPerBoardAndView(t *testing.T) {
	set := loadSet(t, "boards:\n  - id: alpha\n    embed_origins: [https://alpha.example]\n  - id: beta\n    embed_origins: [https://beta.example]\n", nil)
	cfg := guardConfig(t)
	cfg.BoardFrameOrigins = map[string][]string{"alpha": {"https://alpha.example"}, "beta": {"https://beta.example"}}
	g := newGuard(t, cfg)
	ts := startServer(t, Options{Guard: g, Boards: fixedSet(set)})
	mustPut(t, ts.store, fixture(time.Now(), 5, 3))
	session := login(t, ts)
	tok := g.IssueDisplayToken(access.AllBoards, "intranet")
	dial := func(path, origin string, cookie *http.Cookie) int {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		h := http.Header{"Origin": {origin}, "Cookie": {cookie.Name + "=" + cookie.Value}}
		c, resp, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(ts.http.URL, "http")+path, &websocket.DialOptions{HTTPHeader: h})
		if err != nil {
			if resp == nil {
				t.Fatalf("dial %s: %v", path, err)
			}
			return resp.StatusCode
		}
		c.CloseNow()
		return http.StatusSwitchingProtocols
	}
	display := &http.Cookie{Name: access.DisplayCookie, Value: tok}
	for _, c := range []struct {
		path, origin string
		cookie       *http.Cookie
		ok           bool
	}{
		{"/embed/beta/queue_table/ws", "https://beta.example", display, true},
		{"/embed/beta/queue_table/ws", "https://alpha.example", display, false},
		{"/embed/alpha/queue_table/ws", "https://alpha.example", display, true},
		{"/embed/alpha/queue_table/ws", ts.http.URL, display, true},
		{"/boards/alpha/ws", "https://alpha.example", display, false},
		{"/boards/alpha/ws", ts.http.URL, display, true},
		{"/boards/alpha/supervisor/ws", "https://alpha.example", session, false},
		{"/boards/beta/supervisor/ws", "https://beta.example", session, false},
		{"/boards/alpha/supervisor/ws", ts.http.URL, session, true},
	} {
		if st := dial(c.path, c.origin, c.cookie); (st == http.StatusSwitchingProtocols) != c.ok {
			t.Errorf("%s from %s: %d, want allowed=%v", c.path, c.origin, st, c.ok)
		}
	}
}
