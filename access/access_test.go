package access

import (
	"bytes"
	"context"
	"encoding/base64"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"golang.org/x/crypto/bcrypt"
)

func TestNewValidates(t *testing.T) {
	hash := testHash(t, testPassword)
	good := func() Config {
		return Config{Users: []User{{Name: "ada", PasswordHash: hash}}, DisplaySecret: []byte(testSecret)}
	}
	cases := []struct {
		name string
		mod  func(*Config)
		want string
	}{
		{"plain password instead of hash", func(c *Config) { c.Users[0].PasswordHash = testPassword }, "not a bcrypt hash"},
		{"short secret", func(c *Config) { c.DisplaySecret = []byte("short-secret-1234") }, "at least 32"},
		{"no secret", func(c *Config) { c.DisplaySecret = nil }, "display_secret is required"},
		{"origin with path", func(c *Config) { c.AllowedFrameOrigins = []string{"https://a.example/x"} }, "not an origin"},
		{"origin without scheme", func(c *Config) { c.AllowedFrameOrigins = []string{"a.example"} }, "not an origin"},
		{"origin wildcard", func(c *Config) { c.AllowedFrameOrigins = []string{"https://*.example.com"} }, "not an origin"},
		{"nobody can sign in", func(c *Config) { c.Users = nil }, "nobody could sign in"},
		{"proxy header without proxies", func(c *Config) { c.TrustedProxyHeader = "X-Forwarded-User" }, "trusted_proxies is empty"},
		{"open with users", func(c *Config) { c.Open = true }, "open cannot be combined"},
		{"duplicate user", func(c *Config) { c.Users = append(c.Users, c.Users[0]) }, "listed twice"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := good()
			tc.mod(&cfg)
			_, err := New(cfg)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("New: %v, want an error containing %q", err, tc.want)
			}
			for _, secret := range []string{testPassword, hash, testSecret, "short-secret-1234"} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("error %q reveals a secret", err)
				}
			}
		})
	}
	if _, err := New(good()); err != nil {
		t.Fatalf("valid config: %v", err)
	}
	cfg := good()
	cfg.AllowedFrameOrigins = []string{"https://Intranet.Example.com:8443", "http://127.0.0.1:3000/"}
	g, err := New(cfg)
	if err != nil {
		t.Fatalf("valid origins: %v", err)
	}
	if got := strings.Join(g.WebsocketOriginPatterns("A", true), " "); got != "https://intranet.example.com:8443 http://127.0.0.1:3000" {
		t.Errorf("origins normalized to %q", got)
	}
	// Unknown user names are checked against a hash as dear as the users'.
	for _, cost := range []int{bcrypt.MinCost, bcrypt.DefaultCost} {
		h, _ := bcrypt.GenerateFromPassword([]byte("pw"), cost)
		g, err := New(Config{Users: []User{{Name: "u", PasswordHash: string(h)}}, DisplaySecret: []byte(testSecret)})
		if err != nil {
			t.Fatal(err)
		}
		if c, err := bcrypt.Cost([]byte(g.state().dummyHash)); err != nil || c != cost {
			t.Errorf("users at cost %d: unknown names compared at cost %d (%v)", cost, c, err)
		}
	}
	if _, err := New(Config{Open: true}); err != nil {
		t.Errorf("open demo config: %v", err)
	}
}

func TestLogin(t *testing.T) {
	e := newEnv(t, baseConfig(t))
	c := e.client()

	r := get(t, c, e.url("/login?next=/boards/A/supervisor"))
	if r.status != http.StatusOK || !strings.Contains(r.body, `<form method="post" action="/login">`) ||
		!strings.Contains(r.body, `<label for="password">`) || !strings.Contains(r.body, `value="/boards/A/supervisor"`) {
		t.Fatalf("login form: %d %s", r.status, r.body)
	}

	r = e.postLogin(c, "ada", "wrong password", "/boards/A/supervisor", nil)
	if r.status != http.StatusUnauthorized || !strings.Contains(r.body, "Wrong user name or password") {
		t.Fatalf("wrong password: %d %s", r.status, r.body)
	}
	if r := get(t, c, e.url("/boards/A/supervisor")); r.url.Path != "/login" {
		t.Fatalf("after a failed login the supervisor page is reachable: %d %s", r.status, r.url)
	}
	r = e.postLogin(c, "nobody", testPassword, "/", nil)
	if r.status != http.StatusUnauthorized {
		t.Fatalf("unknown user: %d", r.status)
	}

	nf := e.noFollow()
	r = e.postLogin(nf, "ada", testPassword, "/boards/A/supervisor?team=3", nil)
	if r.status != http.StatusSeeOther || r.header.Get("Location") != "/boards/A/supervisor?team=3" {
		t.Fatalf("login: %d Location %q", r.status, r.header.Get("Location"))
	}
	sc := r.header.Get("Set-Cookie")
	for _, want := range []string{"wb_session=", "HttpOnly", "SameSite=Lax", "Path=/", "Max-Age=43200"} {
		if !strings.Contains(sc, want) {
			t.Errorf("session cookie %q lacks %s", sc, want)
		}
	}
	if strings.Contains(sc, "Secure") {
		t.Errorf("session cookie over http marked Secure: %q", sc)
	}
	if r := get(t, c, e.url("/boards/A/supervisor?team=3")); r.status != http.StatusOK || r.body != "supervisor of A for ada" {
		t.Fatalf("supervisor after login: %d %q", r.status, r.body)
	}

	// Sessions survive a restart (same config) …
	e.restart()
	if r := get(t, c, e.url("/boards/A/supervisor")); r.body != "supervisor of A for ada" {
		t.Fatalf("session after restart: %d %q", r.status, r.body)
	}
	// … but not a password change.
	e.cfg.Users = []User{{Name: "ada", PasswordHash: testHash(t, "a new password")}}
	e.restart()
	if r := get(t, c, e.url("/boards/A/supervisor")); r.url.Path != "/login" {
		t.Fatalf("session after password change: %d %s %q", r.status, r.url, r.body)
	}
}

func TestLogout(t *testing.T) {
	e := newEnv(t, baseConfig(t))
	e.login()
	c := e.client()
	if r := get(t, c, e.url("/logout")); r.status != http.StatusOK || !strings.Contains(r.body, `action="/logout"`) {
		t.Fatalf("logout page: %d %s", r.status, r.body)
	}
	req, _ := http.NewRequest(http.MethodPost, e.url("/logout"), nil)
	req.Header.Set("Origin", "http://"+e.addr)
	if r := do(t, c, req); r.url.Path != "/login" {
		t.Fatalf("logout ends at %s", r.url)
	}
	if r := get(t, c, e.url("/")); r.url.Path != "/login" {
		t.Fatalf("after logout / is %d %s", r.status, r.url)
	}
}

func TestLoginRefusesCrossSitePostsAndOpenRedirects(t *testing.T) {
	e := newEnv(t, baseConfig(t))
	r := e.postLogin(e.noFollow(), "ada", testPassword, "/", map[string]string{"Origin": "https://evil.example"})
	if r.status != http.StatusForbidden || r.header.Get("Set-Cookie") != "" {
		t.Fatalf("cross-origin login: %d, cookie %q", r.status, r.header.Get("Set-Cookie"))
	}
	for _, next := range []string{"//evil.example/x", "https://evil.example/", "/\\evil.example", "javascript:alert(1)"} {
		r := e.postLogin(e.noFollow(), "ada", testPassword, next, nil)
		if r.status != http.StatusSeeOther || r.header.Get("Location") != "/" {
			t.Errorf("next=%q: %d Location %q, want /", next, r.status, r.header.Get("Location"))
		}
	}
}

func TestLoginThrottle(t *testing.T) {
	cfg := baseConfig(t)
	cfg.LoginBurst = 3
	cfg.LoginInterval = 10 * time.Second
	// The test client is "behind" a trusted proxy on loopback so that
	// X-Forwarded-For can play several client addresses.
	cfg.TrustedProxies = []netip.Prefix{mustPrefix("127.0.0.1/32")}
	e := newEnv(t, cfg)
	from := func(ip string) map[string]string { return map[string]string{"X-Forwarded-For": ip} }
	c := e.noFollow()

	for i := range 3 {
		if r := e.postLogin(c, "ada", "guess", "/", from("203.0.113.7")); r.status != http.StatusUnauthorized {
			t.Fatalf("failed attempt %d: %d", i+1, r.status)
		}
	}
	// The correct password is not even checked while throttled.
	r := e.postLogin(c, "ada", testPassword, "/", from("203.0.113.7"))
	if r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") == "" || r.header.Get("Set-Cookie") != "" ||
		!strings.Contains(r.body, "Too many failed sign-ins") {
		t.Fatalf("4th attempt: %d Retry-After %q cookie %q", r.status, r.header.Get("Retry-After"), r.header.Get("Set-Cookie"))
	}
	// Another address is not affected.
	if r := e.postLogin(c, "ada", testPassword, "/", from("203.0.113.8")); r.status != http.StatusSeeOther {
		t.Fatalf("other address: %d", r.status)
	}
	// After the interval one more attempt is allowed.
	e.clock.Add(11 * time.Second)
	if r := e.postLogin(c, "ada", testPassword, "/", from("203.0.113.7")); r.status != http.StatusSeeOther {
		t.Fatalf("after waiting: %d %s", r.status, r.body)
	}
	// Successful sign-ins do not use up the allowance.
	for range 5 {
		if r := e.postLogin(c, "ada", testPassword, "/", from("203.0.113.9")); r.status != http.StatusSeeOther {
			t.Fatalf("repeated good sign-ins throttled: %d", r.status)
		}
	}
	// Parallel guesses cannot outrun the limit.
	statuses := make(chan int, 20)
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			req, _ := http.NewRequest(http.MethodPost, e.url("/login"), strings.NewReader("username=ada&password=guess"))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("X-Forwarded-For", "198.51.100.1")
			resp, err := c.Do(req)
			if err != nil {
				t.Error(err)
				statuses <- 0
				return
			}
			resp.Body.Close()
			statuses <- resp.StatusCode
		})
	}
	wg.Wait()
	close(statuses)
	checked := 0
	for st := range statuses {
		if st == http.StatusUnauthorized {
			checked++
		} else if st != http.StatusTooManyRequests {
			t.Errorf("parallel guess: %d", st)
		}
	}
	if checked != 3 {
		t.Errorf("%d of 20 parallel guesses were checked, want 3 (the burst)", checked)
	}
	if !strings.Contains(e.logs.String(), "login throttled") {
		t.Errorf("throttling not logged:\n%s", e.logs)
	}
}

func TestSessionExpires(t *testing.T) {
	cfg := baseConfig(t)
	e := newEnv(t, cfg)
	e.login()
	c := e.client()
	e.clock.Add(12*time.Hour - time.Minute)
	if r := get(t, c, e.url("/")); r.body != "index for ada" {
		t.Fatalf("before expiry: %d %q", r.status, r.body)
	}
	e.clock.Add(2 * time.Minute)
	// The jar still sends the cookie (its Max-Age runs on real time): the
	// server must refuse it by its signed expiry.
	if r := get(t, c, e.url("/")); r.url.Path != "/login" {
		t.Fatalf("after expiry: %d %s", r.status, r.url)
	}
}

func TestSupervisorWithoutLoginRefused(t *testing.T) {
	e := newEnv(t, baseConfig(t))
	nf := e.noFollow()
	r := get(t, nf, e.url("/boards/A/supervisor?queue=sales"))
	if r.status != http.StatusSeeOther || r.header.Get("Location") != "/login?next="+url.QueryEscape("/boards/A/supervisor?queue=sales") {
		t.Fatalf("page: %d Location %q", r.status, r.header.Get("Location"))
	}
	r = get(t, nf, e.url("/api/v1/boards/A"))
	if r.status != http.StatusUnauthorized || r.header.Get("Content-Type") != "application/json" || !strings.Contains(r.body, `"login required"`) {
		t.Fatalf("api: %d %q %s", r.status, r.header.Get("Content-Type"), r.body)
	}
	// A display token opens walls, not supervisor pages.
	tok := e.g.IssueDisplayToken(AllBoards, "tv1")
	if r := get(t, e.client(), e.url("/boards/A?token="+tok)); r.status != http.StatusOK {
		t.Fatalf("wall: %d", r.status)
	}
	if r := get(t, e.noFollow(), e.url("/boards/A/supervisor")); r.status != http.StatusSeeOther {
		t.Fatalf("supervisor with a display cookie: %d %s", r.status, r.body)
	}
}

func TestTrustedProxyHeader(t *testing.T) {
	cfg := baseConfig(t)
	cfg.Users = nil
	cfg.TrustedProxyHeader = "X-Forwarded-User"
	cfg.TrustedProxies = []netip.Prefix{mustPrefix("127.0.0.0/8")}
	e := newEnv(t, cfg)
	req, _ := http.NewRequest(http.MethodGet, e.url("/boards/A/supervisor"), nil)
	req.Header.Set("X-Forwarded-User", "grace")
	if r := do(t, e.noFollow(), req); r.status != http.StatusOK || r.body != "supervisor of A for grace" {
		t.Fatalf("via proxy: %d %q", r.status, r.body)
	}
	// Without users there is no login form: 401, and /login says why.
	if r := get(t, e.noFollow(), e.url("/boards/A/supervisor")); r.status != http.StatusUnauthorized {
		t.Fatalf("without header: %d", r.status)
	}

	// The same header from an untrusted address is ignored.
	cfg.TrustedProxies = []netip.Prefix{mustPrefix("192.0.2.0/24")}
	e2 := newEnv(t, cfg)
	req, _ = http.NewRequest(http.MethodGet, e2.url("/boards/A/supervisor"), nil)
	req.Header.Set("X-Forwarded-User", "grace")
	if r := do(t, e2.noFollow(), req); r.status != http.StatusUnauthorized {
		t.Fatalf("header from an untrusted address: %d %q", r.status, r.body)
	}
}

func TestDisplayTokenFlow(t *testing.T) {
	e := newEnv(t, baseConfig(t))
	tok := e.g.IssueDisplayToken("A", "floor2-tv1")
	nf := e.noFollow()

	r := get(t, nf, e.url("/boards/A?page=2&token="+tok))
	if r.status != http.StatusSeeOther || r.header.Get("Location") != "/boards/A?page=2" {
		t.Fatalf("token URL: %d Location %q", r.status, r.header.Get("Location"))
	}
	sc := r.header.Get("Set-Cookie")
	for _, want := range []string{"wb_display=", "HttpOnly", "Path=/boards/A", "SameSite=Lax", "Max-Age=34560000"} {
		if !strings.Contains(sc, want) {
			t.Errorf("display cookie %q lacks %s", sc, want)
		}
	}
	if r.header.Get("Referrer-Policy") != "no-referrer" {
		t.Errorf("token redirect Referrer-Policy %q", r.header.Get("Referrer-Policy"))
	}
	// The cookie alone now opens the wall, and the ws.
	if r := get(t, nf, e.url("/boards/A?page=2")); r.status != http.StatusOK || r.body != "wall A page=2" {
		t.Fatalf("wall with cookie: %d %q", r.status, r.body)
	}
	if msg, st := e.dial("/boards/A/ws", "http://"+e.addr); msg != "hello A token floor2-tv1" {
		t.Fatalf("ws with cookie: %d %q", st, msg)
	}
	// A server restart (new Guard, same config) keeps the screen working.
	e.restart()
	if r := get(t, nf, e.url("/boards/A")); r.status != http.StatusOK || r.body != "wall A page=" {
		t.Fatalf("wall after restart: %d %q", r.status, r.body)
	}
	if msg, st := e.dial("/boards/A/ws", "http://"+e.addr); msg != "hello A token floor2-tv1" {
		t.Fatalf("ws after restart: %d %q", st, msg)
	}
}

func TestDisplayRefusals(t *testing.T) {
	cfg := baseConfig(t)
	e := newEnv(t, cfg)
	tokA := e.g.IssueDisplayToken("A", "tv-a")
	revoked := e.g.IssueDisplayToken("A", "stolen")
	all := e.g.IssueDisplayToken(AllBoards, "lobby")
	forged := strings.Replace(tokA, b64("A"), b64("B"), 1)

	screenNeedsLink := func(name string, r result) {
		t.Helper()
		if r.status != http.StatusForbidden || !strings.Contains(r.body, "This screen needs a display link") ||
			strings.Contains(r.body, "<form") || r.url.Path == "/login" {
			t.Errorf("%s: %d at %s: %s", name, r.status, r.url, r.body)
		}
	}
	fresh := func() *env {
		e2 := *e
		e2.jar, _ = jarNew()
		return &e2
	}
	e.cfg.RevokedTokens = []string{"stolen"}
	if err := e.g.Reload(e.cfg); err != nil {
		t.Fatal(err)
	}
	screenNeedsLink("no credential", get(t, fresh().client(), e.url("/boards/A")))
	screenNeedsLink("board A token on board B", get(t, fresh().client(), e.url("/boards/B?token="+tokA)))
	screenNeedsLink("revoked token", get(t, fresh().client(), e.url("/boards/A?token="+revoked)))
	screenNeedsLink("forged board", get(t, fresh().client(), e.url("/boards/B?token="+forged)))
	screenNeedsLink("garbage", get(t, fresh().client(), e.url("/boards/A?token=wbd1.x.y.z")))

	// A cookie for A is not sent to B's path, and not accepted there.
	s := fresh()
	get(t, s.client(), e.url("/boards/A?token="+tokA))
	screenNeedsLink("A's screen on B", get(t, s.client(), e.url("/boards/B")))
	if _, st := s.dial("/boards/B/ws", "http://"+e.addr); st != http.StatusForbidden {
		t.Errorf("A's screen on B's ws: %d", st)
	}
	// The "*" token opens every board.
	s = fresh()
	for _, b := range []string{"A", "B"} {
		if r := get(t, s.client(), e.url("/boards/"+b+"?token="+all)); r.status != http.StatusOK {
			t.Errorf("* token on %s: %d", b, r.status)
		}
	}
	// Revoking a token that a screen already holds in its cookie locks it out.
	s = fresh()
	get(t, s.client(), e.url("/boards/A?token="+tokA))
	e.cfg.RevokedTokens = append(e.cfg.RevokedTokens, "tv-a")
	e.restart()
	screenNeedsLink("revoked cookie after restart", get(t, s.client(), e.url("/boards/A")))
	if !strings.Contains(e.logs.String(), "token_id=tv-a") {
		t.Errorf("revoked use not logged by id:\n%s", e.logs)
	}
	// A signed-in supervisor may look at a wall.
	s = fresh()
	s.login()
	if r := get(t, s.client(), e.url("/boards/B")); r.status != http.StatusOK {
		t.Errorf("supervisor on a wall: %d", r.status)
	}
	if msg, _ := s.dial("/boards/B/ws", "http://"+e.addr); msg != "hello B user ada" {
		t.Errorf("supervisor on a wall's ws: %q", msg)
	}
}

func TestWebsocketGuard(t *testing.T) {
	e := newEnv(t, baseConfig(t))
	self := "http://" + e.addr
	if _, st := e.dial("/boards/A/ws", self); st != http.StatusForbidden {
		t.Fatalf("ws without credentials: %d", st)
	}
	get(t, e.client(), e.url("/boards/A?token="+e.g.IssueDisplayToken("A", "tv1")))
	if msg, st := e.dial("/boards/A/ws", "https://evil.example"); st != http.StatusForbidden {
		t.Fatalf("ws with wrong Origin: %d %q", st, msg)
	}
	if msg, _ := e.dial("/boards/A/ws", self); msg != "hello A token tv1" {
		t.Fatalf("ws with cookie and own Origin: %q", msg)
	}
	// An embed's allowed frame origin may connect too.
	get(t, e.client(), e.url("/embed/A/queues?token="+e.g.IssueDisplayToken("A", "embed1")))
	if msg, st := e.dial("/embed/A/ws", "http://127.0.0.1:1"); msg != "hello A token embed1" {
		t.Fatalf("embed ws from allowed origin: %d %q", st, msg)
	}
	if _, st := e.dial("/embed/A/ws", "http://127.0.0.1:2"); st != http.StatusForbidden {
		t.Fatalf("embed ws from other origin: %d", st)
	}
	// A supervisor's websocket needs a login too.
	e2 := newEnv(t, baseConfig(t))
	if _, st := e2.dial("/boards/A/ws", "http://"+e2.addr); st != http.StatusForbidden {
		t.Fatalf("ws without login: %d", st)
	}
}

func TestEmbedCookieOverHTTPS(t *testing.T) {
	cfg := baseConfig(t)
	g, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewTLSServer(echoRoutes(g))
	defer srv.Close()
	c := srv.Client()
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	r := get(t, c, srv.URL+"/embed/A/queues?theme=dark&token="+g.IssueDisplayToken("A", "e1"))
	sc := r.header.Get("Set-Cookie")
	if r.status != http.StatusSeeOther || r.header.Get("Location") != "/embed/A/queues?theme=dark" {
		t.Fatalf("embed token: %d %q", r.status, r.header.Get("Location"))
	}
	for _, want := range []string{"Path=/embed/A", "HttpOnly", "Secure", "SameSite=None", "Partitioned"} {
		if !strings.Contains(sc, want) {
			t.Errorf("embed cookie over https %q lacks %s", sc, want)
		}
	}
	// A wall over https: Secure but Lax.
	r = get(t, c, srv.URL+"/boards/A?token="+g.IssueDisplayToken("A", "w1"))
	if sc := r.header.Get("Set-Cookie"); !strings.Contains(sc, "Secure") || !strings.Contains(sc, "SameSite=Lax") {
		t.Errorf("wall cookie over https: %q", sc)
	}
}

func TestHeaders(t *testing.T) {
	e := newEnv(t, baseConfig(t))
	tok := e.g.IssueDisplayToken("A", "tv1")
	nf := e.noFollow()
	paths := []string{"/", "/login", "/logout", "/boards/A", "/boards/A?token=" + tok, "/boards/A/supervisor",
		"/api/v1/boards/A", "/static/embed.js", "/healthz", "/nope", "/embed/A/queues", "/embed/A/queues?token=" + tok}
	for _, p := range paths {
		r := get(t, nf, e.url(p))
		h := r.header
		csp := h.Get("Content-Security-Policy")
		for _, want := range []string{"default-src 'self'", "script-src 'self'", "img-src 'self' data:",
			"connect-src 'self' ws://" + e.addr + " wss://" + e.addr, "object-src 'none'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("%s: CSP %q lacks %s", p, csp, want)
			}
		}
		if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
			t.Errorf("%s: CSP %q allows unsafe code", p, csp)
		}
		if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Permissions-Policy") == "" {
			t.Errorf("%s: nosniff %q Permissions-Policy %q", p, h.Get("X-Content-Type-Options"), h.Get("Permissions-Policy"))
		}
		if rp := h.Get("Referrer-Policy"); rp != "strict-origin-when-cross-origin" && rp != "no-referrer" {
			t.Errorf("%s: Referrer-Policy %q", p, rp)
		}
		fa := csp[strings.Index(csp, "frame-ancestors"):]
		if strings.HasPrefix(p, "/embed/") {
			if fa != "frame-ancestors https://intranet.example.com http://127.0.0.1:1" || h.Get("X-Frame-Options") != "" {
				t.Errorf("%s: %q, X-Frame-Options %q", p, fa, h.Get("X-Frame-Options"))
			}
		} else if fa != "frame-ancestors 'none'" || h.Get("X-Frame-Options") != "DENY" {
			t.Errorf("%s: %q, X-Frame-Options %q", p, fa, h.Get("X-Frame-Options"))
		}
	}
	// Embeds without allowed origins cannot be framed at all.
	cfg := baseConfig(t)
	cfg.AllowedFrameOrigins = nil
	e2 := newEnv(t, cfg)
	r := get(t, e2.client(), e2.url("/embed/A/queues?token="+e2.g.IssueDisplayToken("A", "x")))
	if csp := r.header.Get("Content-Security-Policy"); r.status != http.StatusOK || !strings.HasSuffix(csp, "frame-ancestors 'none'") {
		t.Errorf("embed without origins: %d %q", r.status, csp)
	}
	// The package-level Headers behaves the same.
	rec := httptest.NewRecorder()
	Headers(HeaderOptions{Embed: func(*http.Request) bool { return true }, FrameOrigins: []string{"https://a.example", "not an origin"}})(
		http.NotFoundHandler()).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/embed/x", nil))
	if csp := rec.Header().Get("Content-Security-Policy"); !strings.HasSuffix(csp, "frame-ancestors https://a.example") {
		t.Errorf("Headers: %q", csp)
	}
}

func TestOpenDemo(t *testing.T) {
	e := newEnv(t, Config{Open: true})
	if !e.g.Open() {
		t.Fatal("Open() false")
	}
	for _, p := range []string{"/", "/boards/A", "/boards/A/supervisor", "/api/v1/boards/A", "/embed/A/q"} {
		if r := get(t, e.noFollow(), e.url(p)); r.status != http.StatusOK {
			t.Errorf("open demo %s: %d", p, r.status)
		}
	}
	if r := get(t, e.client(), e.url("/boards/A?token=wbd1.stale.link.x")); r.status != http.StatusOK {
		t.Errorf("open demo with a token in the URL: %d", r.status)
	}
	if msg, _ := e.dial("/boards/A/ws", "http://"+e.addr); !strings.HasPrefix(msg, "hello A") {
		t.Errorf("open demo ws: %q", msg)
	}
	if _, st := e.dial("/boards/A/ws", "https://evil.example"); st != http.StatusForbidden {
		t.Errorf("open demo ws from another origin: %d", st)
	}
	if r := get(t, e.client(), e.url("/login")); !strings.Contains(r.body, "only answers on this computer") {
		t.Errorf("open demo /login does not say it is open: %s", r.body)
	}
	// Requests from the network are refused; listening on it too.
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, "/boards/A", nil)
	req.RemoteAddr = "192.0.2.10:40000"
	echoRoutes(e.g).ServeHTTP(rec, req)
	if rec.Code != http.StatusForbidden {
		t.Errorf("open demo from the network: %d", rec.Code)
	}
	for addr, ok := range map[string]bool{"127.0.0.1:8080": true, "[::1]:8080": true, "localhost:0": true, ":8080": false, "0.0.0.0:8080": false, "192.0.2.1:80": false} {
		if err := e.g.CheckListenAddr(addr); (err == nil) != ok {
			t.Errorf("CheckListenAddr(%q) = %v", addr, err)
		}
	}
	g, _ := New(baseConfig(t))
	if err := g.CheckListenAddr(":8080"); err != nil {
		t.Errorf("configured guard refuses :8080: %v", err)
	}
}

func TestCommands(t *testing.T) {
	var out bytes.Buffer
	if err := HashPasswordCommand(nil, strings.NewReader("s3cret pass\n"), &out); err != nil {
		t.Fatal(err)
	}
	hash := strings.TrimSpace(out.String())
	cfg := baseConfig(t)
	cfg.Users = []User{{Name: "op", PasswordHash: hash}}
	e := newEnv(t, cfg)
	if r := e.postLogin(e.noFollow(), "op", "s3cret pass", "/", nil); r.status != http.StatusSeeOther {
		t.Fatalf("login with hash-password's hash: %d", r.status)
	}
	if err := HashPasswordCommand([]string{"pw-on-command-line"}, strings.NewReader(""), &out); err == nil {
		t.Error("hash-password accepted the password as an argument")
	}
	out.Reset()
	if err := DisplayTokenCommand(e.g, []string{"--board", "A", "--id", "tv9", "--url", "http://" + e.addr + "/"}, &out); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[1], "http://"+e.addr+"/boards/A?token=") {
		t.Fatalf("display-token output %q", out.String())
	}
	if r := get(t, e.client(), lines[1]); r.status != http.StatusOK || r.body != "wall A page=" {
		t.Fatalf("printed display link: %d %q", r.status, r.body)
	}
	for _, args := range [][]string{{"--board", "A"}, {"--id", "x"}, {"--board", "A", "--id", "has space"}} {
		if err := DisplayTokenCommand(e.g, args, &out); err == nil {
			t.Errorf("display-token %v: no error", args)
		}
	}
}

// TestSecretsNeverLeak drives every flow and then looks for the password,
// the display secret, display tokens and session values in the log output
// and in every response body and Location header.
func TestSecretsNeverLeak(t *testing.T) {
	cfg := baseConfig(t)
	cfg.LoginBurst = 2
	e := newEnv(t, cfg)
	tok := e.g.IssueDisplayToken("A", "tv1")
	revoked := e.g.IssueDisplayToken("A", "gone")
	e.cfg.RevokedTokens = []string{"gone"}
	if err := e.g.Reload(e.cfg); err != nil {
		t.Fatal(err)
	}
	c := e.client()
	e.postLogin(c, "ada", testPassword+"x", "/", nil)
	e.postLogin(c, testPassword, testPassword, "/", nil) // password typed as user name
	e.postLogin(c, "ada", testPassword, "/", nil)        // throttled
	e.clock.Add(time.Minute)
	e.login()
	get(t, c, e.url("/boards/A?token="+tok))
	get(t, c, e.url("/boards/B?token="+tok))
	get(t, c, e.url("/boards/A?token="+revoked))
	get(t, c, e.url("/embed/A/q?token="+tok))
	e.dial("/boards/A/ws", "https://evil.example")

	var session string
	u, _ := url.Parse(e.url("/"))
	for _, ck := range e.jar.Cookies(u) {
		if ck.Name == SessionCookie {
			session = ck.Value
		}
	}
	if session == "" {
		t.Fatal("no session cookie")
	}
	secrets := map[string]string{
		"password": testPassword, "secret": testSecret,
		"secret (base64)": base64.StdEncoding.EncodeToString([]byte(testSecret)),
		"token":           tok, "revoked token": revoked, "session": session,
		"password hash": e.cfg.Users[0].PasswordHash,
	}
	logs, bodies := e.logs.String(), e.bodies.String()
	if !strings.Contains(logs, "login failed") || !strings.Contains(bodies, "needs a display link") {
		t.Fatalf("flows did not run:\n%s", logs)
	}
	for name, s := range secrets {
		if strings.Contains(logs, s) {
			t.Errorf("%s in the log:\n%s", name, logs)
		}
		if strings.Contains(bodies, s) {
			t.Errorf("%s in a response body or Location", name)
		}
	}
}

func TestRedactedURI(t *testing.T) {
	for in, want := range map[string]string{
		"/boards/A?token=wbd1.a.b.c&page=2": "/boards/A?page=2&token=REDACTED",
		"/boards/A?page=2":                  "/boards/A?page=2",
		"/boards/A":                         "/boards/A",
	} {
		if got := RedactedURI(httptest.NewRequest(http.MethodGet, in, nil)); got != want {
			t.Errorf("RedactedURI(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestWebsocketOriginPatternsAgree mounts the guard on a plain net/http mux
// whose websocket.Accept keeps coder/websocket's own Origin check, fed by
// WebsocketOriginPatterns: an allowed frame origin passes both checks.
func TestWebsocketOriginPatternsAgree(t *testing.T) {
	cfg := baseConfig(t)
	cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	g, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/embed/{id}/ws", g.RequireEmbedCredentials(PathSegment(1))(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, err := websocket.Accept(w, r, &websocket.AcceptOptions{OriginPatterns: g.WebsocketOriginPatterns(r.PathValue("id"), true)})
		if err != nil {
			return
		}
		conn.Write(r.Context(), websocket.MessageText, []byte("ok"))
		conn.Close(websocket.StatusNormalClosure, "")
	})))
	srv := httptest.NewServer(mux)
	defer srv.Close()
	tok := g.IssueDisplayToken("A", "e1")
	for origin, want := range map[string]int{"http://127.0.0.1:1": http.StatusSwitchingProtocols, "https://intranet.example.com": http.StatusSwitchingProtocols, "http://127.0.0.1:2": http.StatusForbidden} {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		h := http.Header{"Origin": {origin}, "Cookie": {DisplayCookie + "=" + tok}}
		conn, resp, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http")+"/embed/A/ws", &websocket.DialOptions{HTTPHeader: h})
		cancel()
		if resp == nil {
			t.Fatalf("dial from %s: %v", origin, err)
		}
		if resp.StatusCode != want {
			t.Errorf("origin %s: %d, want %d", origin, resp.StatusCode, want)
		}
		if conn != nil {
			conn.CloseNow()
		}
	}
}
