package access

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/labstack/echo/v4"
	"golang.org/x/crypto/bcrypt"

	"github.com/wallboard/wallboard/internal/testlog"
)

const (
	testPassword = "correct horse battery staple"
	testSecret   = "0123456789abcdef0123456789abcdef-display-secret"
)

// testHash is testPassword at bcrypt's minimum cost, to keep tests fast.
func testHash(t *testing.T, pw string) string {
	t.Helper()
	h, err := bcrypt.GenerateFromPassword([]byte(pw), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	return string(h)
}

// clock is a settable time source shared by Guards of one test.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// env is a wallboard-shaped Echo server behind a Guard on loopback.
type env struct {
	t     *testing.T
	cfg   Config
	clock *clock
	logs  *testlog.Buffer
	g     *Guard
	srv   *httptest.Server
	addr  string
	jar   http.CookieJar
	// bodies records every response body and Location the test clients saw.
	bodies *testlog.Buffer
}

func baseConfig(t *testing.T) Config {
	return Config{
		Users:               []User{{Name: "ada", PasswordHash: testHash(t, testPassword)}},
		DisplaySecret:       []byte(testSecret),
		AllowedFrameOrigins: []string{"https://intranet.example.com", "http://127.0.0.1:1"},
	}
}

func newEnv(t *testing.T, cfg Config) *env {
	t.Helper()
	e := &env{t: t, cfg: cfg, clock: &clock{t: time.Date(2026, 11, 28, 8, 0, 0, 0, time.UTC)}, logs: &testlog.Buffer{}, bodies: &testlog.Buffer{}}
	e.jar, _ = cookiejar.New(nil)
	e.start("127.0.0.1:0")
	return e
}

// start serves a new Guard built from e.cfg on addr, as a restarted
// wallboard process does.
func (e *env) start(addr string) {
	t := e.t
	t.Helper()
	cfg := e.cfg
	cfg.Now = e.clock.Now
	cfg.Logger = slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	g, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	e.g = g
	var ln net.Listener
	for deadline := time.Now().Add(5 * time.Second); ; {
		if ln, err = net.Listen("tcp", addr); err == nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("listen %s: %v", addr, err)
	}
	srv := httptest.NewUnstartedServer(echoRoutes(g))
	srv.Listener.Close()
	srv.Listener = ln
	srv.Start()
	e.srv = srv
	e.addr = ln.Addr().String()
	t.Cleanup(srv.Close)
}

// restart stops the server and starts a fresh Guard from the same config on
// the same address.
func (e *env) restart() {
	e.srv.Close()
	e.start(e.addr)
}

func (e *env) url(p string) string { return "http://" + e.addr + p }

// echoRoutes mounts the Guard exactly as the package doc tells server/ to.
func echoRoutes(g *Guard) http.Handler {
	e := echo.New()
	board := PathSegment(1)
	isEmbed := func(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, "/embed/") }
	user := echo.WrapMiddleware(g.RequireUser)
	e.Use(echo.WrapMiddleware(g.Headers(isEmbed)))
	e.Any("/login", echo.WrapHandler(g.LoginHandler()))
	e.Any("/logout", echo.WrapHandler(g.LogoutHandler()))
	e.GET("/", func(c echo.Context) error {
		u, _ := UserFrom(c.Request().Context())
		return c.String(http.StatusOK, "index for "+u)
	}, user)
	e.GET("/boards/:id/supervisor", func(c echo.Context) error {
		u, _ := UserFrom(c.Request().Context())
		return c.String(http.StatusOK, "supervisor of "+c.Param("id")+" for "+u)
	}, user)
	e.GET("/api/v1/boards/:id", func(c echo.Context) error {
		return c.JSON(http.StatusOK, map[string]string{"board": c.Param("id")})
	}, user)
	e.GET("/boards/:id", func(c echo.Context) error {
		return c.String(http.StatusOK, "wall "+c.Param("id")+" page="+c.QueryParam("page"))
	}, echo.WrapMiddleware(g.RequireDisplay(board)))
	ws := func(c echo.Context) error {
		// The guard alone checks Origin here, so that the tests see its
		// decision, not coder/websocket's own check.
		conn, err := websocket.Accept(c.Response(), c.Request(), &websocket.AcceptOptions{InsecureSkipVerify: true})
		if err != nil {
			return nil
		}
		defer conn.CloseNow()
		who := "display"
		if u, ok := UserFrom(c.Request().Context()); ok {
			who = "user " + u
		}
		if t, ok := DisplayFrom(c.Request().Context()); ok {
			who = "token " + t.ID
		}
		conn.Write(c.Request().Context(), websocket.MessageText, []byte("hello "+c.Param("id")+" "+who))
		conn.Close(websocket.StatusNormalClosure, "")
		return nil
	}
	e.GET("/boards/:id/ws", ws, echo.WrapMiddleware(g.RequireSameCredentials(board)))
	e.GET("/embed/:id/ws", ws, echo.WrapMiddleware(g.RequireEmbedCredentials(board)))
	e.GET("/embed/:id/:tile", func(c echo.Context) error {
		return c.HTML(http.StatusOK, `<!doctype html><title>tile</title><p id="tile">tile `+c.Param("tile")+`</p><script src="/static/embed.js"></script>`)
	}, echo.WrapMiddleware(g.RequireEmbed(board)))
	e.GET("/static/embed.js", func(c echo.Context) error {
		return c.Blob(http.StatusOK, "text/javascript", []byte(`parent.postMessage({tile: document.getElementById('tile').textContent}, '*');`))
	})
	e.GET("/healthz", func(c echo.Context) error { return c.String(http.StatusOK, "ok") })
	return e
}

// recorder copies every response body and Location header into a buffer so
// tests can check that no secret was ever sent.
type recorder struct {
	rt  http.RoundTripper
	out *testlog.Buffer
}

func (r recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := r.rt.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	r.out.Write([]byte(resp.Header.Get("Location") + "\n"))
	r.out.Write(b)
	resp.Body = io.NopCloser(bytes.NewReader(b))
	return resp, nil
}

// client follows redirects and keeps cookies (a browser).
func (e *env) client() *http.Client {
	return &http.Client{Jar: e.jar, Transport: recorder{http.DefaultTransport, e.bodies}, Timeout: 10 * time.Second}
}

// noFollow keeps cookies but returns redirects to the test.
func (e *env) noFollow() *http.Client {
	c := e.client()
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return c
}

type result struct {
	status int
	body   string
	header http.Header
	url    *url.URL
}

func do(t *testing.T, c *http.Client, req *http.Request) result {
	t.Helper()
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return result{resp.StatusCode, string(b), resp.Header, resp.Request.URL}
}

func get(t *testing.T, c *http.Client, u string) result {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	return do(t, c, req)
}

func (e *env) postLogin(c *http.Client, user, pw, next string, hdr map[string]string) result {
	e.t.Helper()
	form := url.Values{"username": {user}, "password": {pw}, "next": {next}}
	req, err := http.NewRequest(http.MethodPost, e.url("/login"), strings.NewReader(form.Encode()))
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "http://"+e.addr)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	return do(e.t, c, req)
}

func (e *env) login() {
	e.t.Helper()
	r := e.postLogin(e.client(), "ada", testPassword, "/", nil)
	if r.status != http.StatusOK || r.body != "index for ada" {
		e.t.Fatalf("login: %d %q", r.status, r.body)
	}
}

// dial opens the board's websocket with the env's cookies and the given
// Origin ("" sends none) and returns the first message, or the HTTP status
// of a refused handshake.
func (e *env) dial(path, origin string) (string, int) {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	h := http.Header{}
	if origin != "" {
		h.Set("Origin", origin)
	}
	conn, resp, err := websocket.Dial(ctx, "ws://"+e.addr+path, &websocket.DialOptions{
		HTTPClient: &http.Client{Jar: e.jar}, HTTPHeader: h,
	})
	if err != nil {
		if resp == nil {
			e.t.Fatalf("dial %s: %v", path, err)
		}
		return "", resp.StatusCode
	}
	defer conn.CloseNow()
	_, msg, err := conn.Read(ctx)
	if err != nil && !errors.Is(err, io.EOF) {
		e.t.Fatalf("read %s: %v", path, err)
	}
	return string(msg), http.StatusSwitchingProtocols
}

func mustPrefix(s string) netip.Prefix { return netip.MustParsePrefix(s) }

func jarNew() (http.CookieJar, error) { return cookiejar.New(nil) }
