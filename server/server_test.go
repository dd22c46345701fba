package server

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/wallboard/wallboard/internal/htmlpatch"
	"github.com/wallboard/wallboard/model"
	"github.com/wallboard/wallboard/present"
)

// testServer is a Server on a loopback listener with Run running.
type testServer struct {
	*Server
	store *flakyStore
	http  *httptest.Server
}

func startServer(t *testing.T, o Options) *testServer {
	t.Helper()
	st := newFlakyStore()
	if o.Store == nil {
		o.Store = st
	}
	if o.Version == "" {
		o.Version = "test-1"
	}
	s := New(o)
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
	return &testServer{Server: s, store: st, http: hs}
}

func get(t *testing.T, url string) (int, string, http.Header) {
	t.Helper()
	resp, err := http.Get(url)
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

// tileValue returns the text of a wall tile's value.
func tileValue(t *testing.T, html, id string) string {
	t.Helper()
	m := regexp.MustCompile(`id="` + id + `"[^>]*>\s*<div class="tile-label">[^<]*</div>\s*<div[^>]*>([^<]*)<`).FindStringSubmatch(html)
	if m == nil {
		t.Fatalf("tile %s not found in:\n%s", id, html)
	}
	return m[1]
}

func TestWallFirstResponseIsRendered(t *testing.T) {
	now := time.Now()
	ts := startServer(t, Options{})
	st := fixture(now, 12, 6) // queues waiting 0,1,2,3,0,1: calls 0+2+0=2, chats 1+3+1=5
	mustPut(t, ts.store, st)

	code, body, hdr := get(t, ts.http.URL+"/boards/all")
	if code != http.StatusOK {
		t.Fatalf("status %d", code)
	}
	if got := tileValue(t, body, "t-calls"); got != "2" {
		t.Errorf("calls waiting tile = %q, want 2", got)
	}
	if got := tileValue(t, body, "t-chats"); got != "5" {
		t.Errorf("chats waiting tile = %q, want 5", got)
	}
	for _, want := range []string{st.Agents[0].Name, st.Queues[1].Name, `ws-connect="/boards/all/ws"`, `id="wb-sync"`, "All queues"} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	// Timers carry absolute server timestamps for the browser to tick.
	if want := `data-since="` + strconv.FormatInt(st.Agents[0].Since.UnixMilli(), 10) + `"`; !strings.Contains(body, want) {
		t.Errorf("page lacks agent timer %s", want)
	}
	if strings.Contains(body, "<script>") || regexp.MustCompile(`\son[a-z]+=`).MatchString(body) {
		t.Errorf("page has an inline script or event handler")
	}
	if csp := hdr.Get("Content-Security-Policy"); strings.Contains(csp, "unsafe-inline") || csp == "" {
		t.Errorf("CSP = %q", csp)
	}
}

func TestIndexListsBoards(t *testing.T) {
	ts := startServer(t, Options{Demo: true})
	code, body, _ := get(t, ts.http.URL+"/")
	if code != http.StatusOK || !strings.Contains(body, `href="/boards/all"`) {
		t.Fatalf("index: %d %s", code, body)
	}
	if code, body, _ := get(t, ts.http.URL+"/healthz"); code != http.StatusOK || body != "ok\n" {
		t.Errorf("healthz: %d %q", code, body)
	}
}

func TestStaticAssetsCachedByHash(t *testing.T) {
	ts := startServer(t, Options{})
	_, page, _ := get(t, ts.http.URL+"/boards/all")
	urls := regexp.MustCompile(`(?:src|href)="(/static/[^"]+)"`).FindAllStringSubmatch(page, -1)
	if len(urls) != 6 {
		t.Fatalf("page links %d assets, want 6: %v", len(urls), urls)
	}
	for _, u := range urls {
		code, body, hdr := get(t, ts.http.URL+u[1])
		if code != http.StatusOK || len(body) == 0 {
			t.Errorf("%s: %d", u[1], code)
		}
		if cc := hdr.Get("Cache-Control"); !strings.Contains(cc, "max-age=31536000") {
			t.Errorf("%s: Cache-Control %q", u[1], cc)
		}
		if strings.HasSuffix(u[1], ".js") && !strings.HasPrefix(hdr.Get("Content-Type"), "text/javascript") {
			t.Errorf("%s: Content-Type %q", u[1], hdr.Get("Content-Type"))
		}
	}
	if code, _, _ := get(t, ts.http.URL+"/static/"+ts.assets.hash+"/nope.js"); code != http.StatusNotFound {
		t.Errorf("missing asset: %d", code)
	}
}

func TestBoardAPI(t *testing.T) {
	now := time.Now()
	ts := startServer(t, Options{})
	mustPut(t, ts.store, fixture(now, 3, 5))
	code, body, _ := get(t, ts.http.URL+"/api/v1/boards/all")
	if code != http.StatusOK {
		t.Fatalf("status %d: %s", code, body)
	}
	var raw struct {
		ID      string           `json:"id"`
		Agents  []map[string]any `json:"agents"`
		Queues  []map[string]any `json:"queues"`
		Sources []map[string]any `json:"sources"`
	}
	if err := json.Unmarshal([]byte(body), &raw); err != nil {
		t.Fatal(err)
	}
	if raw.ID != "all" || len(raw.Agents) != 3 || len(raw.Queues) != 5 || len(raw.Sources) != 1 {
		t.Fatalf("board: id %q, %d agents, %d queues, %d sources", raw.ID, len(raw.Agents), len(raw.Queues), len(raw.Sources))
	}
	for _, k := range []string{"source", "id", "name", "teams", "state", "status", "status_color", "since", "on_hold", "hold_since"} {
		if _, ok := raw.Agents[0][k]; !ok {
			t.Errorf("agent lacks %q: %v", k, raw.Agents[0])
		}
	}
	for _, k := range []string{"source", "id", "name", "lang", "channel", "waiting", "oldest_since", "average_wait_seconds", "sla_percent"} {
		if _, ok := raw.Queues[0][k]; !ok {
			t.Errorf("queue lacks %q: %v", k, raw.Queues[0])
		}
	}
	// Queue 5 (index 4 of the fixture) has a null SLA: it stays null.
	var nulls int
	for _, q := range raw.Queues {
		if v, ok := q["sla_percent"]; ok && v == nil {
			nulls++
		}
	}
	if nulls != 1 {
		t.Errorf("%d queues with null sla_percent, want 1", nulls)
	}
	for _, k := range []string{"source", "kind", "ok", "updated_at"} {
		if _, ok := raw.Sources[0][k]; !ok {
			t.Errorf("source lacks %q: %v", k, raw.Sources[0])
		}
	}

	// With the store down the API keeps the last good data, every source
	// marked not OK, and never leaks the store's own error.
	ts.store.down.Store(true)
	code, body, _ = get(t, ts.http.URL+"/api/v1/boards/all")
	if code != http.StatusOK || strings.Contains(body, "10.0.0.9") {
		t.Fatalf("store down: %d %s", code, body)
	}
	var down model.Board
	if err := json.Unmarshal([]byte(body), &down); err != nil {
		t.Fatal(err)
	}
	if len(down.Agents) != len(raw.Agents) || len(down.Sources) == 0 {
		t.Errorf("store down: %d agents and %d sources, want the last good %d agents", len(down.Agents), len(down.Sources), len(raw.Agents))
	}
	for _, src := range down.Sources {
		if src.OK || src.Error != "data store unavailable" {
			t.Errorf("store down: source %+v, want not OK with the store's error", src)
		}
	}
}

func TestStatusAPI(t *testing.T) {
	now := time.Now()
	ts := startServer(t, Options{Version: "1.2.3", Status: func() map[string]any { return map[string]any{"leader": true} }})
	bad := fixture(now, 1, 1)
	bad.Source, bad.OK, bad.Error = "ujet-eu", false, "GET agents/current_status: 503"
	mustPut(t, ts.store, fixture(now, 1, 1))
	mustPut(t, ts.store, bad)
	code, body, _ := get(t, ts.http.URL+"/api/v1/status")
	if code != http.StatusOK {
		t.Fatalf("status %d", code)
	}
	var st struct {
		Version string         `json:"version"`
		Store   string         `json:"store"`
		StoreOK bool           `json:"store_ok"`
		Leader  bool           `json:"leader"`
		Sources []model.Health `json:"sources"`
	}
	if err := json.Unmarshal([]byte(body), &st); err != nil {
		t.Fatal(err)
	}
	if st.Version != "1.2.3" || st.Store != "memory" || !st.StoreOK || !st.Leader || len(st.Sources) != 2 {
		t.Fatalf("status = %+v", st)
	}
	if st.Sources[0].Source != "ujet" || !st.Sources[0].OK || st.Sources[1].OK || st.Sources[1].Error == "" {
		t.Errorf("sources = %+v", st.Sources)
	}
	ts.store.down.Store(true)
	_, body, _ = get(t, ts.http.URL+"/api/v1/status")
	if err := json.Unmarshal([]byte(body), &st); err != nil {
		t.Fatal(err)
	}
	if st.StoreOK || len(st.Sources) != 2 || strings.Contains(body, "10.0.0.9") {
		t.Errorf("status with store down: %s", body)
	}
}

func TestUnknownBoard(t *testing.T) {
	ts := startServer(t, Options{})
	for _, p := range []string{"/boards/nope", "/api/v1/boards/nope", "/boards/nope/ws"} {
		code, body, _ := get(t, ts.http.URL+p)
		if code != http.StatusNotFound {
			t.Errorf("%s: %d", p, code)
		}
		if p == "/boards/nope" && !strings.Contains(body, "does not exist") {
			t.Errorf("%s: body %s", p, body)
		}
	}
}

func TestNamesAreEscaped(t *testing.T) {
	now := time.Now()
	ts := startServer(t, Options{})
	st := fixture(now, 2, 1)
	st.Agents[0].Name = `<script>alert("agent")</script>`
	st.Agents[1].Status = `<img src=x onerror=alert(1)>`
	st.Queues[0].Name = `Sales & <b>"VIP"</b>`
	st.Source = `ujet"><script>x</script>`
	st.Agents[0].Source, st.Agents[1].Source, st.Queues[0].Source = st.Source, st.Source, st.Source
	mustPut(t, ts.store, st)

	_, page, _ := get(t, ts.http.URL+"/boards/all")
	msg := firstMessage(t, ts)
	for name, body := range map[string]string{"page": page, "websocket": msg} {
		for _, bad := range []string{`<script>alert`, `<img src=x`, `<b>"VIP"`, `"><script>x`} {
			if strings.Contains(body, bad) {
				t.Errorf("%s contains unescaped %q", name, bad)
			}
		}
		for _, want := range []string{`&lt;script&gt;alert(&#34;agent&#34;)&lt;/script&gt;`, `&lt;img src=x onerror=alert(1)&gt;`, `Sales &amp; &lt;b&gt;&#34;VIP&#34;&lt;/b&gt;`} {
			if !strings.Contains(body, want) {
				t.Errorf("%s lacks escaped %q", name, want)
			}
		}
	}
}

func TestNullSLAShowsDash(t *testing.T) {
	now := time.Now()
	ts := startServer(t, Options{})
	st := fixture(now, 1, 2)
	st.Queues[0].SLAPercent, st.Queues[1].SLAPercent = nil, nil
	mustPut(t, ts.store, st)
	_, body, _ := get(t, ts.http.URL+"/boards/all")
	for _, id := range []string{"t-sla-call", "t-sla-chat"} {
		if got := tileValue(t, body, id); got != "—" {
			t.Errorf("%s = %q, want —", id, got)
		}
	}
	if strings.Contains(body, "0%") {
		t.Errorf("a null SLA rendered as a percentage")
	}
	if n := strings.Count(body, `<td class="num q-sla sla-none">—</td>`); n != 2 {
		t.Errorf("%d queue rows show — for SLA, want 2", n)
	}

	st.Queues[0].SLAPercent = ptr(0.0) // a real 0% is shown as such
	mustPut(t, ts.store, st)
	_, body, _ = get(t, ts.http.URL+"/boards/all")
	if got := tileValue(t, body, "t-sla-call"); got != "0%" {
		t.Errorf("SLA 0 = %q, want 0%%", got)
	}
}

func TestStaleSourceMarked(t *testing.T) {
	now := time.Now()
	ts := startServer(t, Options{Now: func() time.Time { return now }})
	st := fixture(now, 2, 2)
	st.OK = false
	st.UpdatedAt = now.Add(-3*time.Minute - 5*time.Second)
	st.Error = "GET menus/current_status: HTTP 500 Internal Server Error"
	mustPut(t, ts.store, st)
	waiting := model.SourceState{Health: model.Health{Source: "connect", Kind: "connect", Error: "401 Unauthorized"}}
	mustPut(t, ts.store, waiting)

	_, body, _ := get(t, ts.http.URL+"/boards/all")
	stale := regexp.MustCompile(`<span class="badge badge-bad" data-source="ujet"><b>STALE</b> ujet <span class="age" data-since="(\d+)">([^<]*)</span> old <span class="err">([^<]*)</span>`).FindStringSubmatch(body)
	if stale == nil {
		t.Fatalf("no stale marker for ujet in:\n%s", body)
	}
	if stale[1] != strconv.FormatInt(st.UpdatedAt.UnixMilli(), 10) || stale[2] != "3:05" || !strings.Contains(stale[3], "HTTP 500") {
		t.Errorf("stale marker = %q", stale[1:])
	}
	if !strings.Contains(body, "waiting for connect") {
		t.Errorf("no waiting marker for connect")
	}
	if !regexp.MustCompile(`class="wall [^"]*is-stale`).MatchString(body) {
		t.Errorf("wall not marked stale")
	}
	// Data is still shown.
	if !strings.Contains(body, st.Agents[0].Name) {
		t.Errorf("stale data not shown")
	}
}

func TestStoreDownKeepsLastGoodBoard(t *testing.T) {
	now := time.Now()
	ts := startServer(t, Options{RetryInterval: 50 * time.Millisecond})
	st := fixture(now, 4, 4)
	mustPut(t, ts.store, st)
	c := dial(t, ts)
	waitMessage(t, c, func(m string) bool { return strings.Contains(m, st.Agents[0].Name) })

	ts.store.down.Store(true)
	_, body, _ := get(t, ts.http.URL+"/boards/all")
	for _, want := range []string{st.Agents[0].Name, "data store unavailable", "store-down", "is-stale"} {
		if !strings.Contains(body, want) {
			t.Errorf("page with store down lacks %q", want)
		}
	}
	if strings.Contains(body, "10.0.0.9") {
		t.Errorf("page shows the store's address")
	}
	// The websocket too: an update arrives (the poller writes, Run re-reads) showing the old data marked stale.
	mustPut(t, ts.store, st)
	waitMessage(t, c, func(m string) bool {
		return strings.Contains(m, "data store unavailable") && strings.Contains(m, st.Agents[0].Name)
	})
	// And recovers when the store is back.
	ts.store.down.Store(false)
	waitMessage(t, c, func(m string) bool { return !strings.Contains(m, "data store unavailable") })

	// A server that never had good data shows an empty wall marked stale, not an error.
	ts2 := startServer(t, Options{})
	ts2.store.down.Store(true)
	code, body, _ := get(t, ts2.http.URL+"/boards/all")
	if code != http.StatusOK || !strings.Contains(body, "data store unavailable") || !strings.Contains(body, `id="t-calls"`) {
		t.Errorf("first page with store down: %d\n%s", code, body)
	}
}

func dial(t *testing.T, ts *testServer) *websocket.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(ts.http.URL, "http")+"/boards/all/ws", nil)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	c.SetReadLimit(-1)
	t.Cleanup(func() { c.CloseNow() })
	return c
}

// readMessage reads c's next message, raw, and follows c's screen with it
// (see screenOf).
func readMessage(t *testing.T, c *websocket.Conn, timeout time.Duration) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	typ, b, err := c.Read(ctx)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	if typ != websocket.MessageText {
		t.Fatalf("message type %v", typ)
	}
	follow(t, c, string(b))
	return string(b)
}

// screens holds what each test websocket's page shows: the view's root
// element after the messages read so far, as a browser applies them.
var screens sync.Map // *websocket.Conn → string

// screenOf is what c's page shows after the messages read so far.
func screenOf(c *websocket.Conn) string {
	v, _ := screens.Load(c)
	s, _ := v.(string)
	return s
}

// follow applies message m to c's screen: a full render replaces it, a
// patch changes the elements it carries.
func follow(t *testing.T, c *websocket.Conn, m string) {
	t.Helper()
	m = strings.TrimLeft(m, " ")
	body, _, _ := strings.Cut(m, `<div id="wb-sync"`)
	rest, isPatch := strings.CutPrefix(body, `<template data-wb-patch>`)
	if !isPatch {
		screens.Store(c, body)
		return
	}
	var parts []htmlpatch.Part
	for rest = strings.TrimSuffix(rest, `</template>`); rest != ""; {
		var p htmlpatch.Part
		switch {
		case strings.HasPrefix(rest, `<template data-wb-attrs>`):
			rest, p.AttrsOnly = strings.TrimPrefix(rest, `<template data-wb-attrs>`), true
		case strings.HasPrefix(rest, `<template>`):
			rest = strings.TrimPrefix(rest, `<template>`)
		default:
			t.Fatalf("patch part does not start with a template: %.80q", rest)
		}
		html, after, ok := strings.Cut(rest, `</template>`)
		if !ok {
			t.Fatalf("patch part without its end: %.80q", rest)
		}
		p.HTML, rest = []byte(html), after
		parts = append(parts, p)
	}
	next, err := htmlpatch.Apply([]byte(screenOf(c)), parts)
	if err != nil {
		t.Fatalf("apply a patch: %v", err)
	}
	screens.Store(c, string(next))
}

// waitMessage reads until the page shows what ok wants (ok sees the
// screen after each message: the view as a browser shows it) and returns
// that screen; 20 s is a safety net for a stuck test.
func waitMessage(t *testing.T, c *websocket.Conn, ok func(string) bool) string {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		readMessage(t, c, time.Until(deadline))
		if s := screenOf(c); ok(s) {
			return s
		}
	}
	t.Fatalf("no matching message within 20s; the page shows:\n%s", screenOf(c))
	return ""
}

func firstMessage(t *testing.T, ts *testServer) string {
	t.Helper()
	return readMessage(t, dial(t, ts), 5*time.Second)
}

func TestWebsocketFullRenderThenUpdates(t *testing.T) {
	now := time.Now()
	ts := startServer(t, Options{})
	st := fixture(now, 5, 4)
	mustPut(t, ts.store, st)
	c := dial(t, ts)

	first := readMessage(t, c, 5*time.Second)
	if !strings.HasPrefix(first, `<main id="wb-wall" hx-swap-oob="morph"`) {
		t.Errorf("first message does not start with the morphed wall: %.80s", first)
	}
	if got := tileValue(t, first, "t-calls"); got != "2" {
		t.Errorf("first message: calls %q", got)
	}
	sync := regexp.MustCompile(`<div id="wb-sync" hx-swap-oob="true" data-now="(\d+)" data-version="test-1" data-config="[0-9a-f]+" data-seq="\d+" hidden></div>$`).FindStringSubmatch(first)
	if sync == nil {
		t.Fatalf("first message lacks the clock tag: …%s", first[max(0, len(first)-200):])
	}
	if ms, _ := strconv.ParseInt(sync[1], 10, 64); time.Since(time.UnixMilli(ms)).Abs() > 5*time.Second {
		t.Errorf("clock tag %s is not the server's now", sync[1])
	}

	c2 := dial(t, ts)
	readMessage(t, c2, 5*time.Second)
	waitClients(t, ts.Server, 2)

	st.Queues[0].Waiting = 41 // a call queue
	mustPut(t, ts.store, st)
	m := waitMessage(t, c, func(m string) bool { return tileValue(t, m, "t-calls") != "2" })
	if got := tileValue(t, m, "t-calls"); got != "43" {
		t.Errorf("after update: calls %q, want 43", got)
	}
	// Rendered once: every client of the board gets the same bytes.
	if m2 := waitMessage(t, c2, func(m string) bool { return tileValue(t, m, "t-calls") != "2" }); m2 != m {
		t.Errorf("two clients got different bytes for one update")
	}
}

func TestSlowClientDoesNotHoldUpOthers(t *testing.T) {
	now := time.Now()
	ts := startServer(t, Options{WriteTimeout: 500 * time.Millisecond, MinInterval: time.Millisecond})
	reg := prometheus.NewRegistry()
	if err := ts.Server.RegisterMetrics(reg); err != nil {
		t.Fatal(err)
	}
	st := fixture(now, 400, 50) // ~200 KB per message
	big := strings.Repeat("x", 400)
	for i := range st.Agents {
		st.Agents[i].Status = big
	}
	mustPut(t, ts.store, st)

	slow := dial(t, ts) // never reads
	fast := dial(t, ts)
	readMessage(t, fast, 5*time.Second)
	waitClients(t, ts.Server, 2)
	// Enough updates to fill the slow client's socket buffers many times over.
	for i := range 60 {
		st.Queues[0].Waiting = 100 + i
		for j := range st.Agents { // every card changes: every patch is big
			st.Agents[j].Status = big + strconv.Itoa(i)
		}
		mustPut(t, ts.store, st)
		want := strconv.Itoa(model.Merge("all", "", now, []model.SourceState{st}).Totals().CallsWaiting)
		waitMessage(t, fast, func(m string) bool { return tileValue(t, m, "t-calls") == want })
	}
	// The slow client is dropped after the write timeout; the fast one stays.
	waitClients(t, ts.Server, 1)
	slow.CloseNow()

	// The operator sees it: updates skipped, one screen dropped, one left.
	if n := testutil.ToFloat64(ts.Server.metrics.skipped.WithLabelValues(viewWall)); n < 1 {
		t.Errorf("skipped updates counted %v, want some", n)
	}
	if n := testutil.ToFloat64(ts.Server.metrics.dropped.WithLabelValues(viewWall)); n != 1 {
		t.Errorf("dropped clients counted %v, want 1", n)
	}
	if n := testutil.ToFloat64(ts.Server.metrics.sent.WithLabelValues(viewWall)); n < 60 {
		t.Errorf("messages sent counted %v, want at least the fast client's 60", n)
	}
	if n := gaugeOf(t, reg, "wallboard_websocket_clients", "view", viewWall); n != 1 {
		t.Errorf("wallboard_websocket_clients{view=wall} = %v, want 1", n)
	}
}

// gaugeOf gathers reg and returns the gauge name whose label has value.
func gaugeOf(t *testing.T, reg *prometheus.Registry, name, label, value string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, lp := range m.GetLabel() {
				if lp.GetName() == label && lp.GetValue() == value {
					return m.GetGauge().GetValue()
				}
			}
		}
	}
	t.Fatalf("no %s{%s=%q}", name, label, value)
	return 0
}

// waitClients waits for board all to have n websocket clients (20 s: a
// safety net).
func waitClients(t *testing.T, s *Server, n int) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for s.clientCount("all") != n && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if got := s.clientCount("all"); got != n {
		t.Fatalf("%d websocket clients, want %d", got, n)
	}
}

func (s *Server) clientCount(board string) int {
	s.hub.mu.Lock()
	defer s.hub.mu.Unlock()
	vc := s.hub.views[viewKey{board, viewWall}]
	if vc == nil {
		return 0
	}
	return len(vc.clients)
}

// A screen that has the previous message gets a patch; one with a message
// still waiting gets the latest full render instead (latest wins, and a
// patch never follows a message the screen skipped).
func TestSlowScreenGetsTheFullRender(t *testing.T) {
	h := newHub(newServerMetrics(), time.Second, time.Minute, func(string, ...any) {})
	vc := &viewClients{clients: map[*client]struct{}{}, skipped: prometheus.NewCounter(prometheus.CounterOpts{Name: "x"})}
	c := &client{vc: vc, seq: 1}
	h.give(c, []byte("patch 2"), []byte("full 2"), 2)
	if string(c.next) != "patch 2" {
		t.Errorf("a screen with message 1 is given %q, want the patch", c.next)
	}
	h.give(c, []byte("patch 3"), []byte("full 3"), 3)
	if string(c.next) != "full 3" {
		t.Errorf("a screen that has not taken message 2 is given %q, want the full render 3", c.next)
	}
	if len(h.work) != 1 {
		t.Errorf("the screen is queued %d times, want once", len(h.work))
	}
	if got := testutil.ToFloat64(vc.skipped); got != 1 {
		t.Errorf("skipped %v, want 1", got)
	}
	fresh := &client{vc: vc}
	h.give(fresh, []byte("patch 4"), []byte("full 4"), 4)
	if string(fresh.next) != "full 4" {
		t.Errorf("a screen with no message is given %q, want the full render", fresh.next)
	}
}

func TestRunClosesClientsWithServiceRestart(t *testing.T) {
	st := newFlakyStore()
	s := New(Options{Store: st})
	hs := httptest.NewServer(s.Handler())
	defer hs.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	c, _, err := websocket.Dial(context.Background(), "ws"+strings.TrimPrefix(hs.URL, "http")+"/boards/all/ws", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	c.SetReadLimit(-1)
	if _, _, err := c.Read(context.Background()); err != nil {
		t.Fatal(err)
	}
	cancel()
	// The last message says to reconnect within ReconnectWithin; then 1012.
	_, bye, err := c.Read(context.Background())
	if err != nil || !strings.Contains(string(bye), `data-reconnect-within="30000"`) {
		t.Errorf("last message %q (%v), want the clock tag with data-reconnect-within", bye, err)
	}
	_, _, err = c.Read(context.Background())
	if websocket.CloseStatus(err) != websocket.StatusServiceRestart {
		t.Errorf("close status %v, want 1012", err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return")
	}
}

// A wait that crosses its threshold shows on the wall with no new data: Run
// re-renders at the evaluation's NextChange, not only on store changes.
func TestThresholdCrossingRerendersWithoutNewData(t *testing.T) {
	set := loadSet(t, "defaults:\n  thresholds:\n    longest_wait_warn: 2s\n    longest_wait_critical: 1h\nboards:\n  - id: all\n", nil)
	ts := startServer(t, Options{Boards: fixedSet(set), RetryInterval: time.Hour})
	now := time.Now()
	st := fixture(now, 2, 1)
	st.Queues[0].Waiting = 1
	st.Queues[0].OldestSince = ptr(now.Add(-500 * time.Millisecond))
	mustPut(t, ts.store, st)
	c := dial(t, ts)
	first := readMessage(t, c, 5*time.Second)
	if !strings.Contains(first, `id="t-longest"`) || strings.Contains(first, "lvl-warn") {
		t.Fatalf("first render already warns or lacks the longest wait tile")
	}
	m := waitMessage(t, c, func(m string) bool { return strings.Contains(m, "lvl-warn") })
	if !regexp.MustCompile(`class="tile tile-longest_wait lvl-warn`).MatchString(m) || !strings.Contains(m, "▲") {
		t.Errorf("after the crossing the longest wait tile does not warn with an icon")
	}
}

// An agent who stays in wrap-up past the board's limit turns warn on the
// wall, and critical later, without new data: the server re-renders at the
// crossing. The supervisor row carries the level for the breach list.
func TestAgentStateTimeLimitCrossesWithoutNewData(t *testing.T) {
	set := loadSet(t, "defaults:\n  thresholds:\n    state_time:\n      wrap_up: {warn: 1s, critical: 2s}\nboards:\n  - id: all\n", nil)
	ts := startServer(t, Options{Boards: fixedSet(set), RetryInterval: time.Hour})
	now := time.Now()
	st := fixture(now, 3, 1)
	for i := range st.Agents {
		st.Agents[i].State, st.Agents[i].Since = model.StateAvailable, ptr(now.Add(-time.Hour))
	}
	st.Agents[1].State, st.Agents[1].Status, st.Agents[1].Since = model.StateWrapUp, "Wrap-up", ptr(now.Add(-300*time.Millisecond))
	mustPut(t, ts.store, st)
	key := present.DOMKey(st.Source, st.Agents[1].ID)
	card := regexp.MustCompile(`<div class="agent [^"]*lvl-(\w+)[^"]*" id="a-` + regexp.QuoteMeta(key) + `" title="([^"]*)"`)
	level := func(m string) (string, string) {
		if g := card.FindStringSubmatch(m); g != nil {
			return g[1], g[2]
		}
		return "", ""
	}
	c := dial(t, ts)
	if l, _ := level(readMessage(t, c, 5*time.Second)); l != "none" {
		t.Fatalf("first render: the agent's card is %q, want none", l)
	}
	m := waitMessage(t, c, func(m string) bool { l, _ := level(m); return l == "warn" })
	if _, why := level(m); !strings.Contains(why, "in wrap-up") || !strings.Contains(why, "warn at 0:01") {
		t.Errorf("warn reason %q", why)
	}
	// Not colour alone: the card carries the level's icon.
	if !strings.Contains(m, `<span class="a-lvl lvl-warn" aria-hidden="true">▲</span>`) {
		t.Error("the warn card has no ▲ icon")
	}
	m = waitMessage(t, c, func(m string) bool { l, _ := level(m); return l == "critical" })
	if _, why := level(m); !strings.Contains(why, "limit 0:02") {
		t.Errorf("critical reason %q", why)
	}
	// Available agents have no limit: they stay unmarked.
	for _, a := range []model.Agent{st.Agents[0], st.Agents[2]} {
		if strings.Contains(m, `lvl-warn" id="a-`+present.DOMKey(a.Source, a.ID)) || strings.Contains(m, `lvl-critical" id="a-`+present.DOMKey(a.Source, a.ID)) {
			t.Errorf("agent %s without a limit is marked", a.ID)
		}
	}
	_, page, _ := get(t, ts.http.URL+"/boards/all/supervisor")
	rows := svRows(t, page, "sv-agents")
	i := slices.IndexFunc(rows, func(r svRow) bool { return r.id == "sa-"+key })
	if i < 0 || rows[i].attrs["data-level"] != "critical" || rows[i].attrs["data-breach-key"] != "agent:"+key {
		t.Errorf("supervisor row of the agent: %+v", rows[i])
	}
}

// Screens beyond the accept rate wait their turn; one whose turn is
// further off than MaxAcceptWait is answered 503 with Retry-After, so that
// a reconnect storm is served in order instead of all at once.
func TestAcceptRateAnswers503WithRetryAfter(t *testing.T) {
	ts := startServer(t, Options{AcceptRate: 0.01, MaxAcceptWait: 10 * time.Millisecond})
	mustPut(t, ts.store, fixture(time.Now(), 2, 1))
	first := dial(t, ts)
	readMessage(t, first, 5*time.Second)
	url := "ws" + strings.TrimPrefix(ts.http.URL, "http") + "/boards/all/ws"
	_, resp, err := websocket.Dial(context.Background(), url, nil)
	if err == nil || resp == nil || resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("a screen past the accept rate: %v (%v), want 503", err, resp)
	}
	if ra, _ := strconv.Atoi(resp.Header.Get("Retry-After")); ra < 1 {
		t.Errorf("Retry-After %q, want a number of seconds", resp.Header.Get("Retry-After"))
	}
}

// Every screen is pinged on the shared schedule; one that answers stays,
// one that never answers is dropped.
func TestScreenWithoutPongsIsDropped(t *testing.T) {
	ts := startServer(t, Options{PingInterval: time.Second})
	mustPut(t, ts.store, fixture(time.Now(), 2, 1))
	silent := dial(t, ts) // never reads: never answers a ping
	alive := dial(t, ts)
	readMessage(t, alive, 5*time.Second)
	waitClients(t, ts.Server, 2) // both joined: a count of 1 below means the silent one left
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { // reading answers pings
		for {
			if _, _, err := alive.Read(ctx); err != nil {
				return
			}
		}
	}()
	deadline := time.Now().Add(20 * time.Second)
	for ts.clientCount("all") != 1 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if n := ts.clientCount("all"); n != 1 {
		t.Fatalf("%d screens after the silent one's pings went unanswered, want 1", n)
	}
	if got := testutil.ToFloat64(ts.Server.metrics.dropped.WithLabelValues(viewWall)); got != 1 {
		t.Errorf("dropped %v, want the silent screen", got)
	}
	silent.CloseNow()
}
