package server

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/coder/websocket"

	"github.com/wallboard/wallboard/access"
)

const testPassword = "correct horse battery staple"

// guardConfig is a signed-in wallboard's access configuration: one user and
// a display secret, as main builds it from the config file.
func guardConfig(t *testing.T) access.Config {
	t.Helper()
	hash, err := access.HashPassword(testPassword)
	if err != nil {
		t.Fatal(err)
	}
	return access.Config{
		Users:         []access.User{{Name: "ana", PasswordHash: hash}},
		DisplaySecret: []byte("0123456789abcdef0123456789abcdef-test-secret"),
		Logger:        slog.New(slog.DiscardHandler),
	}
}

func newGuard(t *testing.T, cfg access.Config) *access.Guard {
	t.Helper()
	g, err := access.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// A TV opened once with its display link keeps working after a server
// restart (new Server, new Guard from the same config) without a login; a
// supervisor page without login goes to the sign-in form.
func TestBrowserDisplayLinkSurvivesRestart(t *testing.T) {
	ctx := browser(t)
	cfg := guardConfig(t)
	g := newGuard(t, cfg)
	store := newFlakyStore()
	mustPut(t, store, fixture(time.Now(), 12, 6))
	ls := startLive(t, "127.0.0.1:0", store, Options{Guard: g})

	openPage(t, ctx, ls, "/boards/all?token="+url.QueryEscape(g.IssueDisplayToken("all", "tv-lobby")))
	if loc := eval[string](t, ctx, `location.pathname + location.search`); loc != "/boards/all" {
		t.Errorf("display link stays in the address bar: %s", loc)
	}
	if eval[bool](t, ctx, `document.body.textContent.includes('Open demo')`) {
		t.Error("a protected wall shows the open-demo notice")
	}

	// Restart: the same address, a new Server and Guard from the same config.
	addr := ls.addr
	ls.close()
	ls = startLive(t, addr, store, Options{Guard: newGuard(t, cfg)})
	// The open wall reconnects by itself…
	waitJS(t, ctx, `window.__wbOpens >= 2 && document.getElementById('wb-conn').dataset.state === 'open'`, 15*time.Second)
	// …and a fresh load needs nothing but the cookie.
	openPage(t, ctx, ls, "/boards/all")
	if !eval[bool](t, ctx, `!!document.getElementById('wb-wall') && !document.querySelector('form')`) {
		t.Fatal("after a restart the wall is not shown")
	}

	// The display credential opens the wall, not the supervisor pages.
	for _, p := range []string{"/boards/all/supervisor", "/"} {
		if _, err := chromedp.Run(ctx, chromedp.Navigate(ls.url(p))); err != nil {
			t.Fatal(err)
		}
		waitJS(t, ctx, `location.pathname === '/login' && !!document.querySelector('input[type=password]')`, 5*time.Second)
	}
	shot(t, ctx, "login-1920x1080.png")
}

// The websocket needs the page's credentials and an allowed Origin; the API
// needs a signed-in supervisor; every page gets the security headers.
func TestAccessWebsocketAndAPI(t *testing.T) {
	g := newGuard(t, guardConfig(t))
	ts := startServer(t, Options{Guard: g})
	mustPut(t, ts.store, fixture(time.Now(), 5, 3))
	wsURL := "ws" + strings.TrimPrefix(ts.http.URL, "http") + "/boards/all/ws"
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

	dial := func(h http.Header) (*websocket.Conn, int) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		c, resp, err := websocket.Dial(ctx, wsURL, &websocket.DialOptions{HTTPHeader: h})
		if err != nil {
			if resp == nil {
				t.Fatalf("dial: %v", err)
			}
			return nil, resp.StatusCode
		}
		c.SetReadLimit(-1)
		t.Cleanup(func() { c.CloseNow() })
		return c, http.StatusSwitchingProtocols
	}

	if _, code := dial(nil); code != http.StatusForbidden {
		t.Errorf("websocket without credentials: %d, want 403", code)
	}

	// The display link sets the display cookie.
	resp, err := noRedirect.Get(ts.http.URL + "/boards/all?token=" + url.QueryEscape(g.IssueDisplayToken("all", "tv-1")))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var cookie *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == access.DisplayCookie {
			cookie = c
		}
	}
	if resp.StatusCode != http.StatusSeeOther || cookie == nil {
		t.Fatalf("display link: %d, cookie %v", resp.StatusCode, cookie)
	}
	withCookie := func(origin string) http.Header {
		h := http.Header{"Cookie": {cookie.Name + "=" + cookie.Value}}
		if origin != "" {
			h.Set("Origin", origin)
		}
		return h
	}
	if _, code := dial(withCookie("https://evil.example")); code != http.StatusForbidden {
		t.Errorf("websocket from a foreign Origin: %d, want 403", code)
	}
	c, code := dial(withCookie(ts.http.URL))
	if code != http.StatusSwitchingProtocols {
		t.Fatalf("websocket with the display cookie from the page's origin: %d", code)
	}
	if m := readMessage(t, c, 5*time.Second); !strings.Contains(m, `id="wb-wall"`) {
		t.Errorf("first message: %.80s", m)
	}
	// A display cookie of another board does not open this one.
	other, _ := http.NewRequest(http.MethodGet, ts.http.URL+"/boards/all?token="+url.QueryEscape(g.IssueDisplayToken("lobby", "tv-2")), nil)
	if resp, err := noRedirect.Do(other); err != nil || resp.StatusCode != http.StatusForbidden {
		t.Errorf("another board's display link: %v %v, want 403", resp.StatusCode, err)
	} else {
		resp.Body.Close()
	}

	// The API and the index need a signed-in supervisor.
	code, body, _ := get(t, ts.http.URL+"/api/v1/boards/all")
	if code != http.StatusUnauthorized || !strings.Contains(body, "login required") {
		t.Errorf("API without login: %d %s", code, body)
	}
	resp, err = noRedirect.Get(ts.http.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/login") {
		t.Errorf("index without login: %d → %q", resp.StatusCode, loc)
	}
	// Signed in, the API answers with full names.
	resp, err = noRedirect.PostForm(ts.http.URL+"/login", url.Values{"user": {"ana"}, "username": {"ana"}, "password": {testPassword}, "next": {"/"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var session *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == access.SessionCookie {
			session = c
		}
	}
	if session == nil {
		t.Fatalf("sign-in: %d, no session cookie", resp.StatusCode)
	}
	req, _ := http.NewRequest(http.MethodGet, ts.http.URL+"/api/v1/boards/all", nil)
	req.AddCookie(session)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(b), `"agents"`) {
		t.Errorf("API signed in: %d %.100s", resp.StatusCode, b)
	}

	// Security headers from the guard: no framing of walls, no inline code.
	_, _, hdr := get(t, ts.http.URL+"/healthz")
	if csp := hdr.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") || strings.Contains(csp, "unsafe-inline") || hdr.Get("X-Frame-Options") != "DENY" || hdr.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("headers: %v", hdr)
	}
}

// Without access configuration everything is open and pages say so; a
// failed config reload shows on the index.
func TestOpenNoticeWithoutGuard(t *testing.T) {
	reloadErr := errors.New("wallboard.yaml:12: boards[1].theme: purple: want dark, light or high_contrast")
	ts := startServer(t, Options{ConfigError: func() error { return reloadErr }})
	for _, p := range []string{"/", "/boards/all"} {
		if _, body, _ := get(t, ts.http.URL+p); !strings.Contains(body, access.OpenNotice) {
			t.Errorf("%s lacks the open-demo notice", p)
		}
	}
	_, body, _ := get(t, ts.http.URL+"/")
	if !strings.Contains(body, "Config reload failed") || !strings.Contains(body, "wallboard.yaml:12") {
		t.Errorf("index does not show the failed reload")
	}
	if _, body, _ := get(t, ts.http.URL+"/boards/all"); strings.Contains(body, "wallboard.yaml") {
		t.Errorf("the TV wall shows the config error; it belongs on the supervisors' pages")
	}
}
