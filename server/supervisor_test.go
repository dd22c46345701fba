package server

import (
	"context"
	"net/http"
	"net/http/cookiejar"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"golang.org/x/net/html"

	"github.com/wallboard/wallboard/access"
	"github.com/wallboard/wallboard/model"
	"github.com/wallboard/wallboard/present"
)

// svRow is a table row of a supervisor page as the browser gets it.
type svRow struct {
	id, name string
	hidden   bool
	attrs    map[string]string
	text     string
}

// svRows parses page and returns the rows (tr.sv-row) of table id.
func svRows(t *testing.T, page, table string) []svRow {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	tbl := svFind(doc, func(n *html.Node) bool { return svAttr(n, "id") == table })
	if tbl == nil {
		t.Fatalf("no table #%s in page", table)
	}
	var rows []svRow
	svWalk(tbl, func(n *html.Node) {
		if n.Type != html.ElementNode || n.Data != "tr" || !slices.Contains(strings.Fields(svAttr(n, "class")), "sv-row") {
			return
		}
		r := svRow{id: svAttr(n, "id"), name: svAttr(n, "data-name"), attrs: map[string]string{}}
		for _, a := range n.Attr {
			r.attrs[a.Key] = a.Val
			if a.Key == "hidden" {
				r.hidden = true
			}
		}
		r.text = svText(n)
		rows = append(rows, r)
	})
	return rows
}

func svAttr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func svWalk(n *html.Node, fn func(*html.Node)) {
	fn(n)
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		svWalk(c, fn)
	}
}

func svFind(n *html.Node, ok func(*html.Node) bool) *html.Node {
	var found *html.Node
	svWalk(n, func(c *html.Node) {
		if found == nil && c.Type == html.ElementNode && ok(c) {
			found = c
		}
	})
	return found
}

func svText(n *html.Node) string {
	var b strings.Builder
	svWalk(n, func(c *html.Node) {
		if c.Type == html.TextNode {
			b.WriteString(c.Data + " ")
		}
	})
	return strings.Join(strings.Fields(b.String()), " ")
}

// supervisorFixture is the shared fixture with two teams and a few agents a
// filter can tell apart.
func supervisorFixture(now time.Time) model.SourceState {
	st := fixture(now, 16, 10)
	for i := range st.Agents {
		if i%2 == 1 {
			st.Agents[i].Teams = []string{"Billing"}
		}
		if i%4 == 3 {
			st.Agents[i].Teams = []string{"Billing", "Support"}
		}
	}
	return st
}

func TestSupervisorPageShowsBoard(t *testing.T) {
	now := time.Now()
	ts := startServer(t, Options{})
	st := supervisorFixture(now)
	mustPut(t, ts.store, st)

	code, page, hdr := get(t, ts.http.URL+"/boards/all/supervisor")
	if code != http.StatusOK {
		t.Fatalf("supervisor page: %d\n%s", code, page)
	}
	if csp := hdr.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") {
		t.Errorf("CSP %q", csp)
	}
	if strings.Contains(page, "<script>") || strings.Contains(page, " style=") {
		t.Error("inline script or style in the page")
	}
	agents := svRows(t, page, "sv-agents")
	queues := svRows(t, page, "sv-queues")
	if len(agents) != 16 || len(queues) != 10 {
		t.Fatalf("%d agent rows, %d queue rows; want 16 and 10", len(agents), len(queues))
	}
	for _, r := range append(agents, queues...) {
		if r.hidden {
			t.Errorf("row %s hidden with no filter", r.id)
		}
	}
	// Full names, teams, state and status.
	ben := agents[slices.IndexFunc(agents, func(r svRow) bool { return r.id == "sa-ujet--1001" })]
	if ben.text != "Ben Schmidt \u2068Billing\u2069 Busy In-call "+ben.text[strings.LastIndex(ben.text, " ")+1:] {
		t.Errorf("agent 1001 row: %q", ben.text)
	}
	// Queue 1 (SLA 55%, below the default critical 60%) is critical, with its reason.
	q1 := queues[slices.IndexFunc(queues, func(r svRow) bool { return r.attrs["data-qid"] == "1" })]
	if q1.attrs["data-level"] != "critical" || !strings.Contains(q1.text, "CRIT") || !strings.Contains(q1.attrs["data-reason"], "SLA 55% below 60%") {
		t.Errorf("queue 1: level %q, reason %q, text %q", q1.attrs["data-level"], q1.attrs["data-reason"], q1.text)
	}
	// A null SLA shows a dash and sorts as unknown, never as 0.
	q5 := queues[slices.IndexFunc(queues, func(r svRow) bool { return r.attrs["data-qid"] == "5" })]
	if q5.attrs["data-k-sla"] != "" || !strings.Contains(q5.text, "—") {
		t.Errorf("queue with null SLA: k-sla %q, text %q", q5.attrs["data-k-sla"], q5.text)
	}
	// State counts and the board's tiles with their levels.
	doc, _ := html.Parse(strings.NewReader(page))
	count := func(id string) string {
		n := svFind(doc, func(n *html.Node) bool { return svAttr(n, "id") == id })
		if n == nil {
			t.Fatalf("no #%s", id)
		}
		return svText(n)
	}
	for id, want := range map[string]string{
		"sv-state-available": "2 Available", "sv-state-busy": "4 Busy", "sv-state-wrap_up": "2 Wrap-up",
		"sv-state-away": "6 Away", "sv-state-offline": "2 Offline",
	} {
		if got := count(id); got != want {
			t.Errorf("#%s = %q, want %q", id, got, want)
		}
	}
	callsWaiting := 0
	for _, q := range st.Queues {
		if q.Channel == "call" {
			callsWaiting += q.Waiting
		}
	}
	if got := count("sv-t-calls_waiting"); !strings.HasPrefix(got, "Calls waiting "+strconv.Itoa(callsWaiting)+" ") {
		t.Errorf("calls tile %q, want %d calls", got, callsWaiting)
	}
	if got := count("sv-t-sla_call"); !strings.Contains(got, "CRIT") && !strings.Contains(got, "WARN") && !strings.Contains(got, "OK") {
		t.Errorf("SLA tile without a level text: %q", got)
	}
	// Sparkline placeholders for every queue figure, the history URL for the script.
	if n := strings.Count(page, `class="spark"`); n != 30 {
		t.Errorf("%d queue sparklines, want 30", n)
	}
	if !strings.Contains(page, `data-history-url="/api/v1/boards/all/history"`) || !strings.Contains(page, `ws-connect="/boards/all/supervisor/ws"`) {
		t.Error("page lacks its history or websocket URL")
	}

	// The queue table's summary tile is not a breach of its own: its queues are.
	if strings.Contains(page, `data-breach-key="tile:queue_table"`) || !strings.Contains(page, `data-breach-key="tile:sla_call"`) {
		t.Error("breach keys: want every tile but the queue summary")
	}

	// The store goes away: the last good data stays, marked stale.
	ts.store.down.Store(true)
	code, page, _ = get(t, ts.http.URL+"/boards/all/supervisor")
	if code != http.StatusOK || !strings.Contains(page, `id="wb-store-down"`) || len(svRows(t, page, "sv-agents")) != 16 {
		t.Errorf("store down: %d, stale badge %v", code, strings.Contains(page, `id="wb-store-down"`))
	}
	ts.store.down.Store(false)

	if code, _, _ := get(t, ts.http.URL+"/boards/nope/supervisor"); code != http.StatusNotFound {
		t.Errorf("unknown board: %d, want 404", code)
	}
}

// A bookmarked URL's filters and sorting are applied by the server's first
// render, before any script runs.
func TestSupervisorFiltersFromURL(t *testing.T) {
	now := time.Now()
	ts := startServer(t, Options{})
	st := supervisorFixture(now)
	st.Queues[3].Name = "Support / Billing EN"
	mustPut(t, ts.store, st)

	code, page, _ := get(t, ts.http.URL+"/boards/all/supervisor?team=Billing&state=away&q=a&sort=-time&queue=billing&qsort=-waiting&hours=8")
	if code != http.StatusOK {
		t.Fatalf("%d\n%s", code, page)
	}
	var shown []int
	for _, r := range svRows(t, page, "sv-agents") {
		a := st.Agents[slices.IndexFunc(st.Agents, func(a model.Agent) bool { return "sa-"+present.DOMKey(a.Source, a.ID) == r.id })]
		want := slices.Contains(a.Teams, "Billing") && a.State == model.StateAway && strings.Contains(strings.ToLower(a.Name), "a")
		if r.hidden == want {
			t.Errorf("agent %s (%v, %s): hidden %v", a.Name, a.Teams, a.State, r.hidden)
		}
		if !r.hidden {
			k, err := strconv.Atoi(r.attrs["data-k-time"])
			if err != nil {
				t.Fatalf("agent %s: sort key %q", r.name, r.attrs["data-k-time"])
			}
			shown = append(shown, k)
		}
	}
	if len(shown) < 2 {
		t.Fatalf("filter leaves %d agents; the fixture should leave several", len(shown))
	}
	// sort=-time: longest in state first, i.e. the earliest since first.
	if !slices.IsSortedFunc(shown, func(a, b int) int { return b - a }) {
		t.Errorf("agents not sorted by time in state, longest first: %v", shown)
	}
	var queues []string
	var waits []int
	for _, r := range svRows(t, page, "sv-queues") {
		if !r.hidden {
			queues = append(queues, r.name)
			waits = append(waits, svAtoi(r.attrs["data-k-waiting"]))
		}
	}
	// "billing" matches a name's start or a path part's start, in any case.
	for _, q := range queues {
		if !strings.HasPrefix(q, "Billing") && q != "Support / Billing EN" {
			t.Errorf("queue %q shown with queue=billing", q)
		}
	}
	if !slices.Contains(queues, "Support / Billing EN") || len(queues) < 2 {
		t.Errorf("queues shown: %q", queues)
	}
	if !slices.IsSortedFunc(waits, func(a, b int) int { return b - a }) {
		t.Errorf("queues not sorted by waiting, most first: %v", waits)
	}
	// The controls show the URL's state.
	for _, want := range []string{`id="sv-q" value="a"`, `<option value="Billing" selected>`, `<option value="away" selected>`, `value="billing"`, `<option value="8" selected>`, `id="sv-sort" value="-time"`, `id="sv-qsort" value="-waiting"`} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %s", want)
		}
	}
	if !strings.Contains(page, `aria-sort="descending"><button type="button" class="sv-sort" data-table="agents" data-col="time"`) {
		t.Error("time column not marked sorted")
	}

	// Nonsense in the URL is ignored, not an error.
	code, page, _ = get(t, ts.http.URL+"/boards/all/supervisor?sort=evil&state=sleeping&hours=99")
	if code != http.StatusOK || !strings.Contains(page, `id="sv-sort" value=""`) || !strings.Contains(page, `<option value="4" selected>`) {
		t.Errorf("bad filters: %d", code)
	}
	for _, r := range svRows(t, page, "sv-agents") {
		if r.hidden {
			t.Errorf("agent %s hidden by an unknown state", r.name)
		}
	}
}

func svAtoi(s string) int {
	n := 0
	for _, c := range s {
		n = n*10 + int(c-'0')
	}
	return n
}

func TestSupervisorEscapesNames(t *testing.T) {
	now := time.Now()
	ts := startServer(t, Options{})
	st := fixture(now, 2, 2)
	st.Agents[0].Name = `<script>alert("a")</script>`
	st.Agents[0].Teams = []string{`Team "<b>"`}
	st.Agents[0].Status = `<img src=x onerror=alert(1)>`
	st.Queues[0].Name = `"><svg onload=alert(1)>`
	mustPut(t, ts.store, st)

	check := func(what, body string) {
		t.Helper()
		for _, bad := range []string{`<script>alert`, `<img src=x`, `<svg onload`, `<b>"`} {
			if strings.Contains(body, bad) {
				t.Errorf("%s: unescaped %s", what, bad)
			}
		}
		if !strings.Contains(body, `&lt;script&gt;alert(&#34;a&#34;)&lt;/script&gt;`) {
			t.Errorf("%s: escaped agent name missing", what)
		}
	}
	_, page, _ := get(t, ts.http.URL+"/boards/all/supervisor?q="+url.QueryEscape(`"><script>x</script>`))
	check("page", page)
	if strings.Contains(page, `"><script>x`) {
		t.Error("page: the URL's filter is echoed unescaped")
	}
	check("websocket", svFirstMessage(t, ts, nil))
}

func svDial(t *testing.T, ts *testServer, hdr http.Header) (*websocket.Conn, *http.Response, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, resp, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(ts.http.URL, "http")+"/boards/all/supervisor/ws", &websocket.DialOptions{HTTPHeader: hdr})
	if err == nil {
		c.SetReadLimit(-1)
		t.Cleanup(func() { c.CloseNow() })
	}
	return c, resp, err
}

func svFirstMessage(t *testing.T, ts *testServer, hdr http.Header) string {
	t.Helper()
	c, _, err := svDial(t, ts, hdr)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	return readMessage(t, c, 5*time.Second)
}

func TestSupervisorWebsocketFullRenderThenUpdates(t *testing.T) {
	now := time.Now()
	ts := startServer(t, Options{})
	st := supervisorFixture(now)
	mustPut(t, ts.store, st)

	c, _, err := svDial(t, ts, nil)
	if err != nil {
		t.Fatal(err)
	}
	first := readMessage(t, c, 5*time.Second)
	if !strings.Contains(first, `id="sv-live" hx-swap-oob="morph"`) || !strings.Contains(first, `id="wb-sync"`) {
		t.Fatalf("first message is not a live fragment with the clock:\n%.300s", first)
	}
	if n := strings.Count(first, `class="sv-row`); n != 26 {
		t.Errorf("first message has %d rows, want 26", n)
	}
	for _, r := range append(svRows(t, first, "sv-agents"), svRows(t, first, "sv-queues")...) {
		if r.hidden {
			t.Errorf("the shared render hides row %s: filters are each browser's", r.id)
		}
	}
	st.Agents[2].Name = "Zoë Updated"
	mustPut(t, ts.store, st)
	waitMessage(t, c, func(m string) bool { return strings.Contains(m, "Zoë Updated") })
}

// The supervisor view shows full names: only a signed-in supervisor gets it.
// A TV wall's display cookie, which the browser also sends under
// /boards/{id}/, is not enough; the websocket checks Origin too.
func TestSupervisorRequiresSignIn(t *testing.T) {
	g, err := access.New(access.Config{
		TrustedProxyHeader: "X-Forwarded-User",
		TrustedProxies:     []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")},
		DisplaySecret:      []byte(strings.Repeat("s", 32)),
	})
	if err != nil {
		t.Fatal(err)
	}
	ts := startServer(t, Options{Guard: g})
	mustPut(t, ts.store, fixture(time.Now(), 3, 2))
	page := ts.http.URL + "/boards/all/supervisor"

	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	do := func(u string, hdr http.Header) *http.Response {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, u, nil)
		for k, v := range hdr {
			req.Header[k] = v
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	if resp := do(page, nil); resp.StatusCode == http.StatusOK {
		t.Errorf("supervisor page without sign-in: %d", resp.StatusCode)
	}
	// A display link for the board sets the display cookie (path /boards/all).
	if resp := do(ts.http.URL+"/boards/all?token="+url.QueryEscape(g.IssueDisplayToken("all", "tv1")), nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("display link: %d", resp.StatusCode)
	}
	if resp := do(ts.http.URL+"/boards/all", nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("wall with display cookie: %d", resp.StatusCode)
	}
	if resp := do(page, nil); resp.StatusCode == http.StatusOK {
		t.Errorf("supervisor page with only a display cookie: %d", resp.StatusCode)
	}
	cookies := http.Header{"Cookie": {svCookies(jar.Cookies(svURL(t, page)))}}
	if _, resp, err := svDial(t, ts, cookies); err == nil || resp == nil || resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("supervisor websocket with only a display cookie: %v %v", resp, err)
	}
	if _, resp, err := svDial(t, ts, nil); err == nil || resp == nil || resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("supervisor websocket without credentials: %v %v", resp, err)
	}

	user := http.Header{"X-Forwarded-User": {"maria"}}
	if resp := do(page, user); resp.StatusCode != http.StatusOK {
		t.Errorf("supervisor page signed in: %d", resp.StatusCode)
	}
	foreign := http.Header{"X-Forwarded-User": {"maria"}, "Origin": {"https://evil.example"}}
	if _, resp, err := svDial(t, ts, foreign); err == nil || resp == nil || resp.StatusCode != http.StatusForbidden {
		t.Errorf("supervisor websocket from another origin: %v %v", resp, err)
	}
	if m := svFirstMessage(t, ts, user); !strings.Contains(m, `id="sv-live"`) {
		t.Errorf("signed-in websocket: %.200s", m)
	}
}

func svURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func svCookies(cs []*http.Cookie) string {
	var parts []string
	for _, c := range cs {
		parts = append(parts, c.Name+"="+c.Value)
	}
	return strings.Join(parts, "; ")
}

// UJET queue groups get a table of their own: one row per group with its
// call and chat SLA, a level against the board's SLA thresholds, and a dash
// for an SLA the vendor does not know. Without groups there is no table.
func TestSupervisorShowsQueueGroups(t *testing.T) {
	now := time.Now()
	ts := startServer(t, Options{})
	st := supervisorFixture(now)
	mustPut(t, ts.store, st)
	if _, page, _ := get(t, ts.http.URL+"/boards/all/supervisor"); strings.Contains(page, `id="sv-groups"`) {
		t.Error("a queue-group table with no queue groups")
	}

	pct := func(v float64) *float64 { return &v }
	st.QueueGroups = []model.QueueGroup{
		{Source: st.Source, ID: "20", Name: "Shipping", Channel: "call", SLAPercent: pct(55)},
		{Source: st.Source, ID: "20", Name: "Shipping", Channel: "chat"},
		{Source: st.Source, ID: "24", Name: "Customer <Support>", Channel: "call", SLAPercent: pct(99.2)},
		{Source: st.Source, ID: "24", Name: "Customer <Support>", Channel: "chat", SLAPercent: pct(97)},
	}
	mustPut(t, ts.store, st)
	_, page, _ := get(t, ts.http.URL+"/boards/all/supervisor")
	rows := svRows(t, page, "sv-groups")
	if len(rows) != 2 {
		t.Fatalf("%d queue-group rows, want 2", len(rows))
	}
	support, shipping := rows[0], rows[1]
	if support.text != "Customer <Support> 99% 97% OK" || support.attrs["data-level"] != "ok" {
		t.Errorf("Customer Support row %q, level %q", support.text, support.attrs["data-level"])
	}
	if !strings.HasPrefix(shipping.text, "Shipping 55% — CRIT") || shipping.attrs["data-level"] != "critical" ||
		!strings.Contains(shipping.attrs["data-reason"], "below 60%") {
		t.Errorf("Shipping row %q, level %q, reason %q", shipping.text, shipping.attrs["data-level"], shipping.attrs["data-reason"])
	}
	if strings.Contains(page, "Customer <Support>") {
		t.Error("a queue group's name is not escaped")
	}
}
