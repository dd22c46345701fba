package access

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/wallboard/wallboard/cache"
	"github.com/wallboard/wallboard/cache/storetest"
)

// sessionCookie logs in with a client of its own and returns the session
// cookie's value, as an attacker who copied it would hold it.
func (e *env) sessionCookie() string {
	e.t.Helper()
	r := e.postLogin(e.noFollow(), "ada", testPassword, "/", nil)
	for _, c := range (&http.Response{Header: r.header}).Cookies() {
		if c.Name == SessionCookie && c.Value != "" {
			return c.Value
		}
	}
	e.t.Fatalf("login set no session cookie: %d %v", r.status, r.header)
	return ""
}

// withCookie GETs path on e carrying only the session cookie v.
func (e *env) withCookie(path, v string) result {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, e.url(path), nil)
	req.AddCookie(&http.Cookie{Name: SessionCookie, Value: v})
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }, Timeout: 10 * time.Second}
	return do(e.t, c, req)
}

// logout POSTs /logout carrying only the session cookie v.
func (e *env) logout(v string) {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, e.url("/logout"), nil)
	req.Header.Set("Origin", "http://"+e.addr)
	req.AddCookie(&http.Cookie{Name: SessionCookie, Value: v})
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }, Timeout: 10 * time.Second}
	if r := do(e.t, c, req); r.status != http.StatusSeeOther {
		e.t.Fatalf("logout: %d", r.status)
	}
}

// A copied session cookie stops working when its session logs out.
func TestLogoutRevokesCopiedCookie(t *testing.T) {
	e := newEnv(t, baseConfig(t))
	stolen := e.sessionCookie()
	other := e.sessionCookie() // the same user in another browser
	if r := e.withCookie("/", stolen); r.status != http.StatusOK || r.body != "index for ada" {
		t.Fatalf("session before logout: %d %q", r.status, r.body)
	}
	e.logout(stolen)
	for _, p := range []string{"/", "/boards/A/supervisor", "/api/v1/boards/A"} {
		if r := e.withCookie(p, stolen); r.status == http.StatusOK {
			t.Errorf("%s with the logged-out cookie: %d %q", p, r.status, r.body)
		}
	}
	if _, st := dialWithCookie(t, e, "/boards/A/ws", stolen); st != http.StatusForbidden {
		t.Errorf("websocket with the logged-out cookie: %d", st)
	}
	if r := e.withCookie("/", other); r.status != http.StatusOK {
		t.Errorf("the user's other session ended too: %d", r.status)
	}
	// A reload keeps the revocation.
	if err := e.g.Reload(withNow(e, e.cfg)); err != nil {
		t.Fatal(err)
	}
	if r := e.withCookie("/", stolen); r.status == http.StatusOK {
		t.Errorf("the logged-out cookie works again after a reload")
	}
}

func withNow(e *env, cfg Config) Config {
	cfg.Now = e.clock.Now
	cfg.Logger = slog.New(slog.NewTextHandler(e.logs, nil))
	return cfg
}

func dialWithCookie(t *testing.T, e *env, path, v string) (string, int) {
	t.Helper()
	jar, _ := jarNew()
	u := httptest.NewRequest(http.MethodGet, e.url("/"), nil).URL
	jar.SetCookies(u, []*http.Cookie{{Name: SessionCookie, Value: v, Path: "/"}})
	saved := e.jar
	e.jar = jar
	defer func() { e.jar = saved }()
	return e.dial(path, "http://"+e.addr)
}

// Two replicas sharing Redis: a logout on one ends the session on the
// other, which never saw it.
func TestLogoutRevokesOnEveryReplica(t *testing.T) {
	url := storetest.RedisURL(t)
	prefix := storetest.Prefix(t, url)
	open := func() *cache.Redis {
		r, err := cache.NewRedis(context.Background(), cache.RedisOptions{URL: url, Prefix: prefix, Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { r.Close() })
		return r
	}
	cfg := baseConfig(t)
	a, b := newEnv(t, cfg), newEnv(t, cfg)
	a.g.SetSessionRevocations(open())
	b.g.SetSessionRevocations(open())

	stolen := a.sessionCookie()
	if r := b.withCookie("/", stolen); r.status != http.StatusOK {
		t.Fatalf("replica b refuses a valid session: %d", r.status)
	}
	a.logout(stolen)
	if r := b.withCookie("/", stolen); r.status == http.StatusOK {
		t.Fatalf("replica b still accepts the logged-out cookie")
	}
	ttl := storetest.Client(t, url).TTL(context.Background(), prefix+"session:revoked:"+sessionID(t, stolen)).Val()
	if ttl <= 0 || ttl > 12*time.Hour {
		t.Errorf("revocation key TTL %s, want the session's remaining lifetime (≤ 12h)", ttl)
	}
}

func sessionID(t *testing.T, v string) string {
	t.Helper()
	parts := strings.Split(v, ".")
	if len(parts) != 7 {
		t.Fatalf("session cookie %q: want 7 parts", v)
	}
	return parts[5]
}

// Redis restarts empty and forgets the logouts: a logged-out cookie must not
// come back to life. Every session signed in before is refused (fail
// closed, logged once), a new sign-in works, and a wall's display link,
// which does not depend on Redis, still opens its board.
func TestRedisRestartedEmptyRefusesEarlierSessions(t *testing.T) {
	srv := storetest.StartRedis(t) // private: the test restarts it
	open := func() *cache.Redis {
		r, err := cache.NewRedis(context.Background(), cache.RedisOptions{URL: srv.URL(), Prefix: "wb:", Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { r.Close() })
		return r
	}
	// Two replicas: e signs in and out; b knows of the logout only
	// through Redis.
	cfg := baseConfig(t)
	e, b := newEnv(t, cfg), newEnv(t, cfg)
	e.g.SetSessionRevocations(open())
	b.g.SetSessionRevocations(open())

	// A wall opens its display link once; its cookie does the rest.
	wallJar, _ := jarNew()
	wall := func() int {
		c := e.client()
		c.Jar = wallJar
		return get(t, c, e.url("/boards/A")).status
	}
	c := e.client()
	c.Jar = wallJar
	if r := get(t, c, e.url("/boards/A?token="+e.g.IssueDisplayToken("A", "tv1"))); r.status != http.StatusOK {
		t.Fatalf("wall with its display link: %d", r.status)
	}

	stolen := e.sessionCookie()
	kept := e.sessionCookie() // the same user in another browser, not logged out
	e.logout(stolen)
	if r := b.withCookie("/", stolen); r.status == http.StatusOK {
		t.Fatal("the logged-out cookie works before the restart")
	}
	if r := b.withCookie("/", kept); r.status != http.StatusOK {
		t.Fatalf("a signed-in session refused before the restart: %d", r.status)
	}

	srv.Kill()
	srv.Start()
	if n := storetest.Client(t, srv.URL()).DBSize(context.Background()).Val(); n != 0 {
		t.Fatalf("Redis kept %d keys over the restart", n)
	}
	for _, x := range []*env{b, e} {
		for _, p := range []string{"/", "/boards/A/supervisor", "/api/v1/boards/A"} {
			if r := x.withCookie(p, stolen); r.status == http.StatusOK {
				t.Errorf("%s with the logged-out cookie after Redis restarted empty: %d %q", p, r.status, r.body)
			}
		}
		if _, st := dialWithCookie(t, x, "/boards/A/ws", stolen); st != http.StatusForbidden {
			t.Errorf("websocket with the logged-out cookie after the restart: %d", st)
		}
		if r := x.withCookie("/", kept); r.status == http.StatusOK {
			t.Error("a session signed in before the restart still works: its logout could not be told")
		}
		if got := strings.Count(x.logs.String(), "the session store lost its revocations"); got != 1 {
			t.Errorf("the loss logged %d times, want once:\n%s", got, x.logs)
		}
		if strings.Contains(x.logs.String(), stolen) || strings.Contains(x.logs.String(), sessionID(t, stolen)) {
			t.Error("the log holds a session cookie or id")
		}
	}

	// Signing in again works, and keeps working; a logout is revocable again.
	fresh := e.sessionCookie()
	if r := e.withCookie("/", fresh); r.status != http.StatusOK || r.body != "index for ada" {
		t.Fatalf("a new sign-in after the restart: %d %q", r.status, r.body)
	}
	if r := b.withCookie("/", fresh); r.status != http.StatusOK {
		t.Fatalf("the other replica refuses a new sign-in after the restart: %d", r.status)
	}
	e.logout(fresh)
	if r := b.withCookie("/", fresh); r.status == http.StatusOK {
		t.Error("a logout after the restart is not honoured on the other replica")
	}
	if st := wall(); st != http.StatusOK {
		t.Errorf("the wall's display cookie after Redis restarted empty: %d", st)
	}
	saved := e.jar
	e.jar = wallJar
	msg, st := e.dial("/boards/A/ws", "http://"+e.addr)
	e.jar = saved
	if st != http.StatusSwitchingProtocols {
		t.Errorf("the wall's websocket after the restart: %d %q", st, msg)
	}
}

// While Redis is away sign-in still works (under the last epoch seen) and
// sessions stand; when Redis comes back empty those sessions are refused
// like every other from before the loss.
func TestSignInWhileRedisIsAway(t *testing.T) {
	srv := storetest.StartRedis(t)
	r, err := cache.NewRedis(context.Background(), cache.RedisOptions{URL: srv.URL(), Prefix: "wb:", Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	e := newEnv(t, baseConfig(t))
	e.g.SetSessionRevocations(r)
	before := e.sessionCookie()

	srv.Kill()
	during := e.sessionCookie()
	for _, v := range []string{before, during} {
		if r := e.withCookie("/", v); r.status != http.StatusOK {
			t.Errorf("a session refused while Redis is away: %d", r.status)
		}
	}
	if strings.Contains(e.logs.String(), during) || strings.Contains(e.logs.String(), sessionID(t, during)) {
		t.Error("the log holds a session cookie or id")
	}

	srv.Start()
	for _, v := range []string{before, during} {
		if r := e.withCookie("/", v); r.status == http.StatusOK {
			t.Error("a session from before Redis restarted empty still works")
		}
	}
	if r := e.withCookie("/", e.sessionCookie()); r.status != http.StatusOK {
		t.Errorf("a new sign-in after the restart: %d", r.status)
	}
}
