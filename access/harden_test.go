package access

import (
	"bufio"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/wallboard/wallboard/internal/browsertest"
)

// rawStatus sends GET path to addr with the given Host over a raw socket,
// as a browser on a DNS-rebinding page does, and returns the status.
func rawStatus(t *testing.T, addr, host, path string) int {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(20 * time.Second))
	c.Write([]byte("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestOpenAnswersOnlyLoopbackHosts(t *testing.T) {
	e := newEnv(t, Config{Open: true})
	_, port, _ := net.SplitHostPort(e.addr)
	for _, p := range []string{"/", "/boards/A", "/boards/A/ws", "/api/v1/boards/A", "/embed/A/q", "/login"} {
		for _, h := range []string{"evil.example", "evil.example:" + port, "localhost.evil.example:" + port, "10.0.0.1", "[fe80::1]:" + port} {
			if st := rawStatus(t, e.addr, h, p); st != http.StatusForbidden {
				t.Errorf("open, Host %s, %s: %d", h, p, st)
			}
		}
	}
	for _, h := range []string{"localhost", "LOCALHOST:" + port, "localhost.:" + port, "127.0.0.1:" + port, "127.1.2.3", "[::1]:" + port, "[::1]"} {
		if st := rawStatus(t, e.addr, h, "/boards/A"); st != http.StatusOK {
			t.Errorf("open, Host %s: %d", h, st)
		}
	}
	// A configured guard does not care about Host (it checks credentials).
	e2 := newEnv(t, baseConfig(t))
	if st := rawStatus(t, e2.addr, "wall.example.com", "/healthz"); st != http.StatusOK {
		t.Errorf("configured, Host wall.example.com: %d", st)
	}
}

func TestHSTSWithSecureCookies(t *testing.T) {
	for _, secure := range []bool{false, true} {
		cfg := baseConfig(t)
		cfg.CookieSecure = secure
		e := newEnv(t, cfg)
		for _, p := range []string{"/", "/login", "/boards/A", "/healthz"} {
			r := get(t, e.noFollow(), e.url(p))
			got := r.header.Get("Strict-Transport-Security")
			if secure && got != "max-age=31536000" || !secure && got != "" {
				t.Errorf("secure cookies %v, %s: Strict-Transport-Security %q", secure, p, got)
			}
		}
	}
	// Behind a trusted proxy that terminated TLS, too.
	cfg := baseConfig(t)
	cfg.TrustedProxyHeader = "X-Forwarded-User"
	cfg.TrustedProxies = []netip.Prefix{mustPrefix("127.0.0.0/8")}
	g, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, "/healthz", nil)
	req.RemoteAddr = "127.0.0.1:5000"
	req.Header.Set("X-Forwarded-Proto", "https")
	echoRoutes(g).ServeHTTP(rec, req)
	if got := rec.Header().Get("Strict-Transport-Security"); got != "max-age=31536000" {
		t.Errorf("behind a TLS proxy: Strict-Transport-Security %q", got)
	}
}

// In the open demo a page on this computer may frame an embed (the README's
// embed route works in a local test page); other sites still may not.
func TestOpenEmbedFramableFromLoopback(t *testing.T) {
	e := newEnv(t, Config{Open: true})
	r := get(t, e.noFollow(), e.url("/embed/A/queues"))
	csp := r.header.Get("Content-Security-Policy")
	if !strings.HasSuffix(csp, "frame-ancestors http://localhost:* http://127.0.0.1:* https://localhost:* https://127.0.0.1:*") || r.header.Get("X-Frame-Options") != "" {
		t.Fatalf("open embed: CSP %q, X-Frame-Options %q", csp, r.header.Get("X-Frame-Options"))
	}
	if r := get(t, e.noFollow(), e.url("/boards/A")); !strings.HasSuffix(r.header.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
		t.Errorf("open wall page is framable: %q", r.header.Get("Content-Security-Policy"))
	}

	// Chromium frames it from a page on another loopback port.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	serveOn(t, ln, framingPage(e.url("/embed/A/queues")))
	ctx := browsertest.New(t, 1024, 600, 2*time.Minute)
	if err := chromedp.Do(ctx, chromedp.Navigate("http://"+ln.Addr().String()+"/")); err != nil {
		t.Fatal(err)
	}
	got, err := chromedp.Run(ctx, chromedp.Poll[string](`window.got`, chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(10*time.Second)))
	if err != nil {
		t.Fatalf("open embed framed on loopback did not render: %v", err)
	}
	if want := "http://" + e.addr + " tile queues"; got != want {
		t.Fatalf("open embed posted %q, want %q", got, want)
	}
}

// Websocket origins are per board and per view: an embed's websocket takes
// its own board's frame origins only, a wall's (and a supervisor's) only
// its own page's origin.
func TestWebsocketOriginsPerBoardAndView(t *testing.T) {
	cfg := baseConfig(t)
	cfg.AllowedFrameOrigins = []string{"https://intranet.example.com"}
	cfg.BoardFrameOrigins = map[string][]string{"A": {"https://alpha.example.com"}, "B": {"https://beta.example.com"}}
	e := newEnv(t, cfg)
	self := "http://" + e.addr
	get(t, e.client(), e.url("/embed/B/queues?token="+e.g.IssueDisplayToken(AllBoards, "embed-all")))
	get(t, e.client(), e.url("/embed/A/queues?token="+e.g.IssueDisplayToken(AllBoards, "embed-all")))
	get(t, e.client(), e.url("/boards/A?token="+e.g.IssueDisplayToken(AllBoards, "embed-all")))
	for _, c := range []struct {
		path, origin string
		ok           bool
	}{
		{"/embed/B/ws", "https://beta.example.com", true},
		{"/embed/B/ws", "https://intranet.example.com", true},
		{"/embed/B/ws", self, true},
		{"/embed/B/ws", "https://alpha.example.com", false}, // alpha's origin on beta's embed
		{"/embed/A/ws", "https://alpha.example.com", true},
		{"/embed/A/ws", "https://beta.example.com", false},
		{"/boards/A/ws", self, true},
		{"/boards/A/ws", "https://alpha.example.com", false}, // a wall is never framed
		{"/boards/A/ws", "https://intranet.example.com", false},
	} {
		_, st := e.dial(c.path, c.origin)
		if ok := st == http.StatusSwitchingProtocols; ok != c.ok {
			t.Errorf("%s from %s: %d, want allowed=%v", c.path, c.origin, st, c.ok)
		}
	}
	// The embed pages' frame-ancestors follow the same per-board lists.
	for board, want := range map[string]string{"A": "https://intranet.example.com https://alpha.example.com", "B": "https://intranet.example.com https://beta.example.com"} {
		r := get(t, e.noFollow(), e.url("/embed/"+board+"/queues"))
		if csp := r.header.Get("Content-Security-Policy"); !strings.HasSuffix(csp, "frame-ancestors "+want) {
			t.Errorf("embed of %s: %q", board, csp)
		}
	}
	if got := strings.Join(e.g.WebsocketOriginPatterns("B", true), " "); got != "https://intranet.example.com https://beta.example.com" {
		t.Errorf("patterns of B's embeds: %q", got)
	}
	if got := e.g.WebsocketOriginPatterns("B", false); len(got) != 0 {
		t.Errorf("patterns of B's wall: %q", got)
	}
}
