package server

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/wallboard/wallboard/access"
	"github.com/wallboard/wallboard/boards"
	"github.com/wallboard/wallboard/config"
	"github.com/wallboard/wallboard/model"
)

// embedConfig is a board file with board "team" (first-initial names, light
// theme, thresholds that the embed fixture breaches) and board "lobby" with
// its own framing origin. origin may frame team's embeds.
func embedConfig(t *testing.T, origin string) *config.File {
	t.Helper()
	yaml := `boards:
  - id: team
    title: Team
    names: first_initial
    theme: light
    thresholds:
      sla_warn: 80
      sla_critical: 60
      longest_wait_warn: 60s
      longest_wait_critical: 3m
      waiting_warn: 4
      waiting_critical: 8
    embed_origins: ["` + origin + `"]
  - id: lobby
    names: hidden
    embed_origins: ["https://lobby.example.com"]
`
	p := filepath.Join(t.TempDir(), "wallboard.yaml")
	if err := os.WriteFile(p, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := config.LoadFile(p)
	if err != nil {
		t.Fatalf("load config: %v", err)
	}
	return f
}

// embedGuard is a Guard with a supervisor, a display secret and, like main,
// every board's embed origins as its frame origins.
func embedGuard(t *testing.T, f *config.File) *access.Guard {
	t.Helper()
	hash, err := access.HashPassword("correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	cfg := access.Config{
		Users:         []access.User{{Name: "sup", PasswordHash: hash}},
		DisplaySecret: []byte("0123456789abcdef0123456789abcdef-embed-tests"),
		Logger:        slog.New(slog.DiscardHandler),
	}
	for _, b := range f.Boards {
		cfg.AllowedFrameOrigins = append(cfg.AllowedFrameOrigins, f.EmbedOrigins(b.ID)...)
	}
	g, err := access.New(cfg)
	if err != nil {
		t.Fatalf("guard: %v", err)
	}
	return g
}

// embedFixture is one UJET source: 5 calls and 1 chat waiting, the longest
// for 3:20 (critical), call SLA 70% (warn: mean of 55 and 85), a queue name
// and an agent name with markup in them.
func embedFixture(now time.Time) model.SourceState {
	return model.SourceState{
		Health: model.Health{Source: "ujet", Kind: "ujet", OK: true, UpdatedAt: now.Add(-2 * time.Second)},
		Queues: []model.Queue{
			{Source: "ujet", ID: "1", Name: "Support / <script>alert(1)</script>", Lang: "en", Channel: "call", Waiting: 3,
				OldestSince: ptr(now.Add(-200 * time.Second)), AverageWaitSeconds: 90, SLAPercent: ptr(55.0)},
			{Source: "ujet", ID: "2", Name: "Sales / Inbound", Lang: "en", Channel: "call", Waiting: 2,
				OldestSince: ptr(now.Add(-30 * time.Second)), AverageWaitSeconds: 20, SLAPercent: ptr(85.0)},
			{Source: "ujet", ID: "3", Name: "Support / Chat", Lang: "de", Channel: "chat", Waiting: 1,
				OldestSince: ptr(now.Add(-10 * time.Second)), SLAPercent: ptr(70.0)},
		},
		Agents: []model.Agent{
			{Source: "ujet", ID: "a1", Name: "Ana Schmidt", State: model.StateAvailable, Status: "Available", StatusColor: "green", Since: ptr(now.Add(-40 * time.Second))},
			{Source: "ujet", ID: "a2", Name: "<b>Zoë</b> Lindqvist", State: model.StateBusy, Status: "In-call", StatusColor: "light_blue",
				Since: ptr(now.Add(-75 * time.Second)), OnHold: true, HoldSince: ptr(now.Add(-12 * time.Second))},
			{Source: "ujet", ID: "a3", Name: "Omar Novak", State: model.StateOffline, Status: "Offline", StatusColor: "grey"},
		},
	}
}

// embedServer is a Server for the embed tests on a loopback listener, with
// Run running. guard may be nil (everything open).
type embedServer struct {
	s     *Server
	store *flakyStore
	url   string
}

func startEmbedServer(t *testing.T, f *config.File, g *access.Guard) *embedServer {
	t.Helper()
	st := newFlakyStore()
	set := boards.New(f)
	s := New(Options{Store: st, Version: "embed-test", Boards: func() *boards.Set { return set }, Guard: g, RetryInterval: 100 * time.Millisecond})
	hs := httptest.NewServer(s.Handler())
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() {
		if err := s.Run(ctx); err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	t.Cleanup(func() {
		cancel()
		wg.Wait()
		hs.Close()
	})
	return &embedServer{s: s, store: st, url: hs.URL}
}

func embedGet(t *testing.T, c *http.Client, url string) (int, string, http.Header) {
	t.Helper()
	if c == nil {
		c = http.DefaultClient
	}
	resp, err := c.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	return resp.StatusCode, string(b), resp.Header
}

var (
	embedMainRE  = regexp.MustCompile(`(?s)<main id="wb-embed"[^>]*>`)
	embedValueRE = regexp.MustCompile(`<div class="e-value[^"]*"[^>]*>([^<]*)</div>`)
	embedLevelRE = regexp.MustCompile(`<main id="wb-embed"[^>]*data-level="([a-z]+)"`)
)

func embedValue(t *testing.T, html string) string {
	t.Helper()
	m := embedValueRE.FindStringSubmatch(html)
	if m == nil {
		t.Fatalf("no figure value in:\n%s", html)
	}
	return m[1]
}

func embedLevel(t *testing.T, html string) string {
	t.Helper()
	m := embedLevelRE.FindStringSubmatch(html)
	if m == nil {
		t.Fatalf("no tile level in:\n%s", html)
	}
	return m[1]
}

func TestEmbedRendersEveryTileWithoutChrome(t *testing.T) {
	es := startEmbedServer(t, embedConfig(t, "http://127.0.0.1:1"), nil)
	now := time.Now()
	mustPut(t, es.store, embedFixture(now))

	for _, tile := range config.Tiles() {
		code, body, h := embedGet(t, nil, es.url+"/embed/team/"+string(tile))
		if code != http.StatusOK {
			t.Fatalf("%s: status %d\n%s", tile, code, body)
		}
		if !embedMainRE.MatchString(body) {
			t.Errorf("%s: no tile in the page", tile)
		}
		for _, want := range []string{
			`ws-connect="/embed/team/` + string(tile) + `/ws"`,
			`data-board="team"`, `data-tile="` + string(tile) + `"`,
			`class="embed theme-light"`, // the board's theme
			`/embed.js"`, `/embed.css"`, `id="wb-sync"`,
		} {
			if !strings.Contains(body, want) {
				t.Errorf("%s: page lacks %s", tile, want)
			}
		}
		// No chrome: none of the wall's header, clock or navigation.
		for _, chrome := range []string{"data-clock", "<header", "<nav", `id="wb-wall"`, `href="/"`, "wallboard.css"} {
			if strings.Contains(body, chrome) {
				t.Errorf("%s: page has wall chrome %q", tile, chrome)
			}
		}
		// No inline script or style: the CSP allows none.
		if regexp.MustCompile(`<script>|<script [^>]*>[^<]|<style|style="`).MatchString(body) {
			t.Errorf("%s: inline script or style in the page", tile)
		}
		// Without a Guard everything is open, and the page says so.
		if !strings.Contains(body, access.OpenNotice) {
			t.Errorf("%s: open server, but the page does not say so", tile)
		}
		if cc := h.Get("Cache-Control"); cc != "no-store" {
			t.Errorf("%s: Cache-Control %q", tile, cc)
		}
	}
}

func TestEmbedFiguresLevelsAndNames(t *testing.T) {
	es := startEmbedServer(t, embedConfig(t, "http://127.0.0.1:1"), nil)
	now := time.Now()
	mustPut(t, es.store, embedFixture(now))
	page := func(tile string) string {
		t.Helper()
		code, body, _ := embedGet(t, nil, es.url+"/embed/team/"+tile)
		if code != http.StatusOK {
			t.Fatalf("%s: status %d", tile, code)
		}
		return body
	}

	for _, tc := range []struct {
		tile, value, level, text string
	}{
		{"calls_waiting", "5", "warn", "5 calls waiting, warn at 4"},
		{"chats_waiting", "1", "ok", ""},
		{"sla_call", "70%", "warn", "call SLA 70% below 80%"},
		{"sla_chat", "70%", "warn", "chat SLA 70% below 80%"},
		{"agents_logged_in", "2", "none", ""},
		{"other_waiting", "0", "ok", ""},
	} {
		body := page(tc.tile)
		if v := embedValue(t, body); v != tc.value {
			t.Errorf("%s: value %q, want %q", tc.tile, v, tc.value)
		}
		if l := embedLevel(t, body); l != tc.level {
			t.Errorf("%s: level %q, want %q", tc.tile, l, tc.level)
		}
		// A level shows as colour class, icon and word, never colour alone.
		if tc.level == "warn" && !regexp.MustCompile(`<span class="e-level lv-warn"><span class="e-icon" aria-hidden="true">▲</span>\s*<span class="e-word">WARN</span>`).MatchString(body) {
			t.Errorf("%s: no WARN icon and word", tc.tile)
		}
		if tc.text != "" && !strings.Contains(body, tc.text) {
			t.Errorf("%s: reason %q missing", tc.tile, tc.text)
		}
	}

	// The longest wait ticks from its start (data-since) and is critical.
	body := page("longest_wait")
	if v := embedValue(t, body); v != "3:20" && v != "3:21" {
		t.Errorf("longest_wait: value %q, want 3:20", v)
	}
	if !strings.Contains(body, fmt.Sprintf(`data-since="%d"`, now.Add(-200*time.Second).UnixMilli())) {
		t.Errorf("longest_wait: does not tick from the wait's start")
	}
	if l := embedLevel(t, body); l != "critical" || !strings.Contains(body, "CRITICAL") {
		t.Errorf("longest_wait: level %q, want critical with its word", l)
	}

	// Agents by state: every known state counted.
	body = page("agents_by_state")
	for state, n := range map[string]string{"available": "1", "busy": "1", "wrap_up": "0", "away": "0", "offline": "1"} {
		re := regexp.MustCompile(`id="e-state-` + state + `"><span class="e-num">(\d+)</span>`)
		if m := re.FindStringSubmatch(body); m == nil || m[1] != n {
			t.Errorf("agents_by_state: %s = %v, want %s", state, m, n)
		}
	}

	// Queue table: every queue, the critical one marked with its reason.
	body = page("queue_table")
	if got := strings.Count(body, `<tr id="q-`); got != 3 {
		t.Errorf("queue_table: %d rows, want 3", got)
	}
	if !regexp.MustCompile(`<tr id="q-ujet--1" class="lv-critical" data-level="critical">`).MatchString(body) ||
		!regexp.MustCompile(`CRITICAL: SLA 55% below 60%; longest wait <span data-since="\d+">3:2\d</span>, limit 3:00`).MatchString(body) {
		t.Errorf("queue_table: queue 1 not marked critical with its reasons\n%s", body)
	}
	if l := embedLevel(t, body); l != "critical" || !strings.Contains(body, "1 queue critical, 1 warn") {
		t.Errorf("queue_table: tile level %q, want critical (1 queue critical, 1 warn)", l)
	}

	// Agent grid: names as the board's mode shows them (first_initial).
	body = page("agent_grid")
	if !strings.Contains(body, ">Ana S.<") || strings.Contains(body, "Schmidt") {
		t.Errorf("agent_grid: names not shortened to first name and initial")
	}
	if !strings.Contains(body, "HOLD") {
		t.Errorf("agent_grid: hold not shown")
	}

	// Data age and no stale marker while the source is fine.
	if !strings.Contains(body, fmt.Sprintf(`data-all="%d"`, now.Add(-2*time.Second).UnixMilli())) || !strings.Contains(body, `data-feed="all"`) || strings.Contains(body, "STALE") {
		t.Errorf("agent_grid: data age missing or stale marker shown")
	}
	// Queue groups: one row per group with its call and chat SLA; a null
	// SLA is a dash; the critical group is marked with its reason.
	st := embedFixture(now)
	sla := func(v float64) *float64 { return &v }
	st.QueueGroups = []model.QueueGroup{
		{Source: st.Source, ID: "20", Name: "Shipping", Channel: "call", SLAPercent: sla(50)},
		{Source: st.Source, ID: "20", Name: "Shipping", Channel: "chat"},
		{Source: st.Source, ID: "24", Name: "Support", Channel: "chat", SLAPercent: sla(99)},
	}
	mustPut(t, es.store, st)
	body = page("queue_groups")
	if got := strings.Count(body, `<tr id="g-`); got != 2 {
		t.Errorf("queue_groups: %d rows, want 2", got)
	}
	if !strings.Contains(body, `<tr id="g-ujet--20" class="lv-critical" data-level="critical">`) || !strings.Contains(body, "CRITICAL: \u2068Shipping\u2069 call SLA 50% below 60%") {
		t.Errorf("queue_groups: Shipping not marked critical with its reason\n%s", body)
	}
	if l := embedLevel(t, body); l != "critical" || !strings.Contains(body, "1 queue group critical") {
		t.Errorf("queue_groups: tile level %q, want critical (1 queue group critical)", l)
	}
}

func TestEmbedMarksStaleData(t *testing.T) {
	es := startEmbedServer(t, embedConfig(t, "http://127.0.0.1:1"), nil)
	now := time.Now()
	st := embedFixture(now)
	st.OK = false
	st.Error = "HTTP 503"
	mustPut(t, es.store, st)
	_, body, _ := embedGet(t, nil, es.url+"/embed/team/calls_waiting")
	if !strings.Contains(body, "is-stale") || !strings.Contains(body, "<b>STALE</b> ujet") {
		t.Errorf("failing source not marked stale:\n%s", body)
	}
	if embedValue(t, body) != "5" {
		t.Errorf("stale data not shown: the tile must keep the last good figures")
	}

	es.store.down.Store(true)
	_, body, _ = embedGet(t, nil, es.url+"/embed/team/calls_waiting")
	if !strings.Contains(body, `id="e-store-down"`) || embedValue(t, body) != "5" {
		t.Errorf("store down: want the last good figure marked stale:\n%s", body)
	}
}

func TestEmbedNotFoundAndBadParameters(t *testing.T) {
	es := startEmbedServer(t, embedConfig(t, "http://127.0.0.1:1"), nil)
	mustPut(t, es.store, embedFixture(time.Now()))
	for _, tc := range []struct {
		path string
		code int
		text string
	}{
		{"/embed/nope/calls_waiting", http.StatusNotFound, `Board &#34;nope&#34; does not exist.`},
		{"/embed/team/clock", http.StatusNotFound, `Tile &#34;clock&#34; does not exist. Tiles: calls_waiting, chats_waiting`},
		{"/embed/team/calls_waiting?theme=neon", http.StatusBadRequest, `theme: want dark, light or high_contrast, got &#34;neon&#34;`},
		{"/embed/team/calls_waiting?transparent=maybe", http.StatusBadRequest, `transparent: want 1 or 0`},
	} {
		code, body, _ := embedGet(t, nil, es.url+tc.path)
		if code != tc.code || !strings.Contains(body, tc.text) {
			t.Errorf("%s: %d, want %d with %q\n%s", tc.path, code, tc.code, tc.text, body)
		}
		if strings.Contains(body, "ws-connect") {
			t.Errorf("%s: an error page opens a websocket", tc.path)
		}
	}
	// The websocket of an unknown tile or board is refused before the upgrade.
	for _, p := range []string{"/embed/team/clock/ws", "/embed/nope/calls_waiting/ws"} {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_, resp, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(es.url, "http")+p, nil)
		cancel()
		if err == nil || resp == nil || resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s: want 404, got %v %v", p, resp, err)
		}
	}
}

func TestEmbedThemeAndTransparency(t *testing.T) {
	es := startEmbedServer(t, embedConfig(t, "http://127.0.0.1:1"), nil)
	mustPut(t, es.store, embedFixture(time.Now()))
	for _, tc := range []struct {
		query, class, scheme string
	}{
		{"", `class="embed theme-light"`, `content="light"`},
		{"?theme=dark", `class="embed theme-dark"`, `content="dark"`},
		{"?theme=high_contrast", `class="embed theme-high_contrast"`, `content="dark"`},
		{"?transparent=1", `class="embed theme-light transparent"`, ""},
		{"?transparent=1&theme=dark", `class="embed theme-dark transparent"`, ""},
		{"?transparent=0", `class="embed theme-light"`, `content="light"`},
	} {
		code, body, _ := embedGet(t, nil, es.url+"/embed/team/sla_call"+tc.query)
		if code != http.StatusOK || !strings.Contains(body, tc.class) {
			t.Errorf("%q: status %d, want html %s", tc.query, code, tc.class)
		}
		hasScheme := strings.Contains(body, `name="color-scheme"`)
		if tc.scheme == "" && hasScheme {
			t.Errorf("%q: a transparent tile must not set its own color-scheme (the browser would paint a backdrop)", tc.query)
		}
		if tc.scheme != "" && !strings.Contains(body, `<meta name="color-scheme" `+tc.scheme) {
			t.Errorf("%q: color-scheme %s missing", tc.query, tc.scheme)
		}
	}
	// Board lobby has no theme of its own: the default, dark.
	if _, body, _ := embedGet(t, nil, es.url+"/embed/lobby/calls_waiting"); !strings.Contains(body, `class="embed theme-dark"`) {
		t.Errorf("lobby: want the default dark theme")
	}
}

func TestEmbedEscapesNames(t *testing.T) {
	es := startEmbedServer(t, embedConfig(t, "http://127.0.0.1:1"), nil)
	mustPut(t, es.store, embedFixture(time.Now()))
	_, body, _ := embedGet(t, nil, es.url+"/embed/team/queue_table")
	if strings.Contains(body, "<script>alert") || !strings.Contains(body, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Errorf("queue name not escaped")
	}
	_, body, _ = embedGet(t, nil, es.url+"/embed/team/agent_grid")
	if strings.Contains(body, "<b>Zoë") || !strings.Contains(body, "&lt;b&gt;Zoë&lt;/b&gt; L.") {
		t.Errorf("agent name not escaped")
	}
}

func embedDial(t *testing.T, url string, h http.Header) *websocket.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, resp, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(url, "http"), &websocket.DialOptions{HTTPHeader: h})
	if err != nil {
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		t.Fatalf("dial %s: %v (status %d)", url, err, status)
	}
	c.SetReadLimit(-1)
	t.Cleanup(func() { c.CloseNow() })
	return c
}

func embedRead(t *testing.T, c *websocket.Conn, ok func(string) bool) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for {
		_, b, err := c.Read(ctx)
		if err != nil {
			t.Fatalf("no matching message: %v", err)
		}
		if ok(string(b)) {
			return string(b)
		}
	}
}

func TestEmbedWebsocketRenderThenUpdates(t *testing.T) {
	es := startEmbedServer(t, embedConfig(t, "http://127.0.0.1:1"), nil)
	now := time.Now()
	mustPut(t, es.store, embedFixture(now))
	c := embedDial(t, es.url+"/embed/team/calls_waiting/ws", nil)
	first := embedRead(t, c, func(string) bool { return true })
	if !strings.HasPrefix(first, `<main id="wb-embed" hx-swap-oob="morph"`) || !strings.Contains(first, `id="wb-sync"`) {
		t.Fatalf("first message is not the tile fragment with the clock tag:\n%s", first)
	}
	if v := embedValue(t, first); v != "5" {
		t.Fatalf("first message: value %q, want 5", v)
	}

	follow(t, c, first)

	// The update is a patch (the figure, the head with its reason, the
	// tile's level), not the whole tile again; the page then shows it.
	st := embedFixture(now)
	st.Queues[0].Waiting = 7 // 7 + 2 = 9 calls: critical at 8
	mustPut(t, es.store, st)
	var raw []string
	msg := first
	for embedValue(t, msg) != "9" {
		raw = append(raw, readMessage(t, c, 20*time.Second))
		msg = screenOf(c)
	}
	for _, m := range raw {
		if !strings.HasPrefix(strings.TrimLeft(m, " "), "<template data-wb-patch>") {
			t.Errorf("a live update came as the whole tile:\n%s", m)
		}
	}
	if l := embedLevel(t, msg); l != "critical" || !strings.Contains(msg, "9 calls waiting, limit 8") {
		t.Errorf("update: level %q, want critical with its reason", l)
	}
	// A tile's websocket carries that tile only.
	if strings.Contains(msg, "e-qtable") || strings.Contains(msg, "wb-wall") {
		t.Errorf("calls_waiting socket carries other views:\n%s", msg)
	}
}

func TestEmbedAccessAndFraming(t *testing.T) {
	const origin = "http://intranet.example.com:8080"
	f := embedConfig(t, origin)
	es := startEmbedServer(t, f, embedGuard(t, f))
	mustPut(t, es.store, embedFixture(time.Now()))
	page := es.url + "/embed/team/sla_call"

	// Without a display credential: refused, never a login form.
	if code, body, _ := embedGet(t, nil, page); code != http.StatusForbidden || strings.Contains(body, "password") {
		t.Errorf("no credential: %d, want 403 without a login form", code)
	}

	// The display link sets the cookie once; then the cookie suffices.
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar}
	token := es.s.o.Guard.IssueDisplayToken("team", "intranet-embed")
	code, body, h := embedGet(t, client, page+"?theme=dark&token="+token)
	if code != http.StatusOK || !strings.Contains(body, `class="embed theme-dark"`) {
		t.Fatalf("display link: %d\n%s", code, body)
	}
	if strings.Contains(body, token) || strings.Contains(body, access.OpenNotice) {
		t.Errorf("the page repeats the display token or calls itself open")
	}
	csp := h.Get("Content-Security-Policy")
	if !strings.Contains(csp, "frame-ancestors "+origin) || strings.Contains(csp, "lobby.example.com") || strings.Contains(csp, "unsafe-inline") {
		t.Errorf("embed CSP %q: want frame-ancestors of board team only, no unsafe-inline", csp)
	}
	if xfo := h.Get("X-Frame-Options"); xfo != "" {
		t.Errorf("embed sends X-Frame-Options %q: it would refuse every frame", xfo)
	}
	if code, _, _ := embedGet(t, client, es.url+"/embed/team/queue_table"); code != http.StatusOK {
		t.Errorf("another tile of the board with the cookie: %d", code)
	}
	// The cookie is the board's: another board's embed stays closed.
	if code, _, _ := embedGet(t, client, es.url+"/embed/lobby/sla_call"); code != http.StatusForbidden {
		t.Errorf("board lobby with team's cookie: %d, want 403", code)
	}

	// The websocket needs the same credential and an allowed Origin.
	u := es.url + "/embed/team/sla_call/ws"
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, resp, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(u, "http"), nil); err == nil || resp == nil || resp.StatusCode != http.StatusForbidden {
		t.Errorf("websocket without credential: %v %v, want 403", resp, err)
	}
	hdr := http.Header{"Origin": {es.url}}
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	for _, ck := range jar.Cookies(req.URL) {
		hdr.Add("Cookie", ck.String())
	}
	c := embedDial(t, u, hdr)
	if m := embedRead(t, c, func(string) bool { return true }); embedValue(t, m) != "70%" {
		t.Errorf("websocket with the display cookie: first message\n%s", m)
	}
	hdr.Set("Origin", "https://evil.example.net")
	if _, resp, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(u, "http"), &websocket.DialOptions{HTTPHeader: hdr}); err == nil || resp == nil || resp.StatusCode != http.StatusForbidden {
		t.Errorf("websocket from another origin: %v %v, want 403", resp, err)
	}

	// Every other route refuses framing.
	req, _ = http.NewRequest(http.MethodGet, es.url+"/boards/team?token="+es.s.o.Guard.IssueDisplayToken("team", "wall"), nil)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") || resp.Header.Get("X-Frame-Options") != "DENY" {
		t.Errorf("wall: CSP %q, X-Frame-Options %q: want framing refused", csp, resp.Header.Get("X-Frame-Options"))
	}
}

func TestFrameAncestors(t *testing.T) {
	for _, tc := range []struct {
		csp     string
		allowed []string
		want    string
	}{
		{"default-src 'self'; frame-ancestors a.example b.example", []string{"https://A.example.com"}, "default-src 'self'; frame-ancestors https://a.example.com"},
		{"default-src 'self'; frame-ancestors https://x.example; base-uri 'none'", nil, "default-src 'self'; frame-ancestors 'none'; base-uri 'none'"},
		{"default-src 'self'", []string{"http://127.0.0.1:8080", "not an origin"}, "default-src 'self'; frame-ancestors http://127.0.0.1:8080"},
		{"", []string{"https://a.example.com"}, ""},
	} {
		h := http.Header{}
		if tc.csp != "" {
			h.Set("Content-Security-Policy", tc.csp)
		}
		frameAncestors(h, tc.allowed)
		if got := h.Get("Content-Security-Policy"); got != tc.want {
			t.Errorf("frameAncestors(%q, %q) = %q, want %q", tc.csp, tc.allowed, got, tc.want)
		}
	}
}
