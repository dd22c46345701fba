package server

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/wallboard/wallboard/boards"
	"github.com/wallboard/wallboard/config"
	"github.com/wallboard/wallboard/model"
)

// loadSet builds a board set from a configuration file's text, as main does
// at start and on reload; edit, when not nil, changes the loaded file first
// (e.g. a rotation interval faster than the file format allows).
func loadSet(t *testing.T, yaml string, edit func(*config.File)) *boards.Set {
	t.Helper()
	path := filepath.Join(t.TempDir(), "wallboard.yaml")
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := config.LoadFile(path)
	if err != nil {
		t.Fatalf("load config: %v", err)
	}
	if edit != nil {
		edit(f)
	}
	return boards.New(f)
}

// fixedSet returns an Options.Boards that always returns set.
func fixedSet(set *boards.Set) func() *boards.Set { return func() *boards.Set { return set } }

// wallFit is what a wall shows on the screen.
type wallFit struct {
	Tiles        []string // data-tile of every tile entirely inside the window
	AgentsAll    int
	AgentsShown  int // not on another page
	AgentsInView int // shown and entirely inside the window
	RowsAll      int
	RowsShown    int
	RowsInView   int
	QueuePager   string
	AgentPager   string
}

const wallFitJS = `(() => {
	const inView = e => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0 && r.left >= -0.5 && r.top >= -0.5 && r.right <= innerWidth + 0.5 && r.bottom <= innerHeight + 0.5; };
	const shown = sel => [...document.querySelectorAll(sel)].filter(e => !e.hasAttribute('data-off'));
	const pager = id => { const e = document.querySelector(id + ' [data-pager]'); return e ? e.textContent : ''; };
	return {
		Tiles: [...document.querySelectorAll('[data-tile]')].filter(inView).map(e => e.dataset.tile),
		AgentsAll: document.querySelectorAll('.agent').length,
		AgentsShown: shown('.agent').length,
		AgentsInView: shown('.agent').filter(inView).length,
		RowsAll: document.querySelectorAll('.q-row').length,
		RowsShown: shown('.q-row').length,
		RowsInView: shown('.q-row').filter(inView).length,
		QueuePager: pager('#wb-queues'),
		AgentPager: pager('#wb-agents'),
	};
})()`

// The wall fits 1080p, 4K and portrait screens: no scrollbars, every tile
// of the board inside the window, all 40 agents, and the queues on pages
// whose every row is visible. With 200 agents it rotates pages in the
// browser, without server traffic.
func TestBrowserWallFitsEveryScreen(t *testing.T) {
	ctx := browser(t)
	now := time.Now()
	set := loadSet(t, "boards:\n  - id: all\n    title: Contact center\n", func(f *config.File) {
		for i := range f.Boards {
			f.Boards[i].Rotate = time.Second
		}
	})
	ls := startLive(t, "127.0.0.1:0", newFlakyStore(), Options{Demo: true, Boards: fixedSet(set)})
	mustPut(t, ls.store, fixture(now, 40, 16))
	openWall(t, ctx, ls)

	def, _ := set.Get("all")
	for _, sz := range []struct{ w, h int }{{1920, 1080}, {3840, 2160}, {1080, 1920}} {
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(int64(sz.w), int64(sz.h))); err != nil {
			t.Fatal(err)
		}
		name := fmt.Sprintf("wall-%dx%d.png", sz.w, sz.h)
		waitJS(t, ctx, fmt.Sprintf(`innerWidth === %d && innerHeight === %d`, sz.w, sz.h), 5*time.Second)
		time.Sleep(200 * time.Millisecond) // the resize handler has laid out
		shotAt(t, ctx, name, sz.w, sz.h)
		fit := eval[wallFit](t, ctx, wallFitJS)
		if len(fit.Tiles) != len(def.Tiles) {
			t.Errorf("%s: tiles in view %v, want all of %v", name, fit.Tiles, def.Tiles)
		}
		if fit.AgentsAll != 40 || fit.AgentsInView != 40 {
			t.Errorf("%s: %d of %d agents in view, want all 40", name, fit.AgentsInView, fit.AgentsAll)
		}
		if fit.RowsAll != 16 || fit.RowsShown == 0 || fit.RowsInView != fit.RowsShown {
			t.Errorf("%s: %d of %d shown queue rows in view (of %d)", name, fit.RowsInView, fit.RowsShown, fit.RowsAll)
		}
		if fit.RowsShown < fit.RowsAll && !strings.Contains(fit.QueuePager, "/") {
			t.Errorf("%s: %d of %d queues shown and no page indicator", name, fit.RowsShown, fit.RowsAll)
		}
	}

	// 200 agents do not fit 1080p at a readable size: pages rotate in the
	// browser, with no server traffic.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1920, 1080)); err != nil {
		t.Fatal(err)
	}
	big := fixture(now, 200, 50)
	for i := range big.Queues {
		if big.Queues[i].Waiting > 0 {
			// Past every wait threshold already: no crossing (and no
			// message) while the pages rotate.
			big.Queues[i].OldestSince = ptr(now.Add(-time.Hour))
		}
	}
	mustPut(t, ls.store, big)
	waitJS(t, ctx, `innerWidth === 1920 && document.querySelectorAll('.agent').length === 200`, 5*time.Second)
	time.Sleep(200 * time.Millisecond)
	fit := eval[wallFit](t, ctx, wallFitJS)
	if fit.AgentsShown == 200 || fit.AgentsInView != fit.AgentsShown || !strings.HasPrefix(fit.AgentPager, "1/") && !strings.Contains(fit.AgentPager, "/") {
		t.Fatalf("200 agents: %d shown, %d in view, pager %q", fit.AgentsShown, fit.AgentsInView, fit.AgentPager)
	}
	shot(t, ctx, "wall-200-agents-1920x1080-paged.png")
	msgs := eval[int](t, ctx, `window.__wbMsgs`)
	first := fit.AgentPager
	waitJS(t, ctx, `document.querySelector('#wb-agents [data-pager]').textContent !== `+jsString(first), 3*time.Second)
	if n := eval[int](t, ctx, `window.__wbMsgs`) - msgs; n != 0 {
		t.Errorf("%d websocket messages while the pages rotated, want 0: %q", n, eval[[]string](t, ctx, fmt.Sprintf(`window.__wbLog.slice(-%d)`, n)))
	}
	fit = eval[wallFit](t, ctx, wallFitJS)
	if fit.AgentsInView != fit.AgentsShown || fit.AgentsShown == 0 {
		t.Errorf("page %s: %d of %d shown agents in view", fit.AgentPager, fit.AgentsInView, fit.AgentsShown)
	}
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// The themes render; screenshots for people to judge.
func TestBrowserWallThemes(t *testing.T) {
	ctx := browser(t)
	now := time.Now()
	set := loadSet(t, `boards:
  - id: light
    title: Sales floor
    theme: light
  - id: contrast
    title: Billing
    theme: high_contrast
    names: first_initial
`, nil)
	ls := startLive(t, "127.0.0.1:0", newFlakyStore(), Options{Boards: fixedSet(set)})
	mustPut(t, ls.store, fixture(now, 40, 14))
	for _, id := range []string{"light", "contrast"} {
		openPage(t, ctx, ls, "/boards/"+id)
		want := map[string]string{"light": "theme-light", "contrast": "theme-high_contrast"}[id]
		if !eval[bool](t, ctx, `document.documentElement.classList.contains('`+want+`')`) {
			t.Errorf("board %s: <html> lacks class %s", id, want)
		}
		shot(t, ctx, "wall-theme-"+id+"-1920x1080.png")
	}
	// first_initial: "Ana Schmidt" shows as "Ana S." on the shared screen.
	if eval[bool](t, ctx, `[...document.querySelectorAll('.a-name')].some(e => e.textContent === 'Ana Schmidt')`) ||
		!eval[bool](t, ctx, `[...document.querySelectorAll('.a-name')].some(e => e.textContent === 'Ana S.')`) {
		t.Error("names not shortened to first name and initial")
	}
}

// A board with filters shows only its queues and agents, and the JSON API
// agrees.
func TestBrowserBoardFilter(t *testing.T) {
	ctx := browser(t)
	now := time.Now()
	set := loadSet(t, `boards:
  - id: billing
    title: Billing
    queues:
      ujet:
        path_prefixes: ["Billing"]
    agents:
      teams: [Billing]
`, nil)
	ls := startLive(t, "127.0.0.1:0", newFlakyStore(), Options{Boards: fixedSet(set)})
	st := fixture(now, 40, 16)
	wantAgents := map[string]bool{}
	for i := range st.Agents {
		if i%3 == 0 {
			st.Agents[i].Teams = []string{"Billing"}
			wantAgents[st.Agents[i].Name] = true
		}
	}
	wantQueues := map[string]bool{}
	for _, q := range st.Queues {
		if strings.HasPrefix(q.Name, "Billing") {
			wantQueues[q.Name] = true
		}
	}
	mustPut(t, ls.store, st)
	openPage(t, ctx, ls, "/boards/billing")
	shot(t, ctx, "wall-filtered-billing-1920x1080.png")

	names := eval[[]string](t, ctx, `[...document.querySelectorAll('.agent .a-name')].map(e => e.textContent)`)
	queues := eval[[]string](t, ctx, `[...document.querySelectorAll('.q-row .q-name')].map(e => e.title)`)
	if len(names) != len(wantAgents) || len(queues) != len(wantQueues) || len(queues) == 0 {
		t.Fatalf("wall shows %d agents and %d queues, want %d and %d", len(names), len(queues), len(wantAgents), len(wantQueues))
	}
	for _, n := range names {
		if !wantAgents[n] {
			t.Errorf("agent %q is not in team Billing", n)
		}
	}
	for _, q := range queues {
		if !wantQueues[q] {
			t.Errorf("queue %q is not under Billing", q)
		}
	}
	// Totals count the board's queues only.
	var calls int
	for _, q := range st.Queues {
		if wantQueues[q.Name] && q.Channel == "call" {
			calls += q.Waiting
		}
	}
	if got := eval[string](t, ctx, callsTile); got != fmt.Sprint(calls) {
		t.Errorf("calls waiting %s, want %d (the board's queues only)", got, calls)
	}

	code, body, _ := get(t, ls.url("/api/v1/boards/billing"))
	var mb model.Board
	if err := json.Unmarshal([]byte(body), &mb); code != 200 || err != nil {
		t.Fatalf("API: %d %v", code, err)
	}
	if len(mb.Agents) != len(wantAgents) || len(mb.Queues) != len(wantQueues) {
		t.Errorf("API: %d agents and %d queues, want %d and %d", len(mb.Agents), len(mb.Queues), len(wantAgents), len(wantQueues))
	}
	for _, q := range mb.Queues {
		if !wantQueues[q.Name] {
			t.Errorf("API: queue %q is not under Billing", q.Name)
		}
	}
}

// A breach changes colour AND icon/text; a critical one pulses.
func TestBrowserThresholdBreach(t *testing.T) {
	ctx := browser(t)
	now := time.Now()
	set := loadSet(t, `defaults:
  thresholds:
    waiting_warn: 5
    waiting_critical: 10
boards:
  - id: all
    tiles: [calls_waiting, chats_waiting, queue_table, agent_grid]
`, nil)
	ls := startLive(t, "127.0.0.1:0", newFlakyStore(), Options{Boards: fixedSet(set)})
	st := fixture(now, 8, 4) // queue 1 (index 0) is a call queue
	for i := range st.Queues {
		st.Queues[i].Waiting = 0
		st.Queues[i].SLAPercent = ptr(95.0)
	}
	st.Queues[0].Waiting = 1
	st.Queues[0].OldestSince = ptr(now.Add(-10 * time.Second))
	mustPut(t, ls.store, st)
	openWall(t, ctx, ls)

	type look struct {
		Class, Color, Foot, Animation string
		RowClass, RowIcon, RowAnim    string
	}
	const lookJS = `(() => {
		const tile = document.getElementById('t-calls'), v = tile.querySelector('.tile-value');
		const row = document.getElementById('q-ujet--1');
		const icon = row.querySelector('.q-icon');
		return {Class: tile.className, Color: getComputedStyle(v).color, Foot: tile.querySelector('.tile-foot').textContent.trim(),
			Animation: getComputedStyle(tile, '::after').animationName,
			RowClass: row.className, RowIcon: icon ? icon.textContent : '', RowAnim: getComputedStyle(row.cells[0], '::before').animationName};
	})()`
	ok := eval[look](t, ctx, lookJS)
	if !strings.Contains(ok.Class, "lvl-ok") || ok.Foot != "" || ok.Animation != "none" {
		t.Fatalf("1 waiting: %+v, want level ok, no text, no animation", ok)
	}

	st.Queues[0].Waiting = 6
	mustPut(t, ls.store, st)
	waitJS(t, ctx, callsTile+` === '6'`, 5*time.Second)
	warn := eval[look](t, ctx, lookJS)
	if !strings.Contains(warn.Class, "lvl-warn") || warn.Color == ok.Color || !strings.HasPrefix(warn.Foot, "▲") || !strings.Contains(warn.Foot, "6") {
		t.Errorf("6 waiting: %+v, want warn colour and ▲ with the reason", warn)
	}
	if warn.RowIcon != "▲" || warn.Animation != "none" {
		t.Errorf("6 waiting: queue row icon %q, tile animation %q", warn.RowIcon, warn.Animation)
	}
	shot(t, ctx, "wall-breach-warn-1920x1080.png")

	st.Queues[0].Waiting = 12
	mustPut(t, ls.store, st)
	waitJS(t, ctx, callsTile+` === '12'`, 5*time.Second)
	crit := eval[look](t, ctx, lookJS)
	if !strings.Contains(crit.Class, "lvl-critical") || crit.Color == warn.Color || crit.Color == ok.Color || !strings.HasPrefix(crit.Foot, "✖") {
		t.Errorf("12 waiting: %+v, want critical colour and ✖ with the reason", crit)
	}
	if crit.Animation != "wb-pulse" || !strings.Contains(crit.RowClass, "lvl-critical") || crit.RowIcon != "✖" || crit.RowAnim == "none" {
		t.Errorf("12 waiting: tile animation %q, row %q icon %q animation %q; want pulsing", crit.Animation, crit.RowClass, crit.RowIcon, crit.RowAnim)
	}
	shot(t, ctx, "wall-breach-critical-1920x1080.png")
}

// A source that stops answering puts a stale overlay with its error and the
// data's age over the tiles it feeds; recovery clears it.
func TestBrowserStaleOverlay(t *testing.T) {
	ctx, ls, st := openFixtureWall(t, 20, 8)
	if n := eval[int](t, ctx, `document.querySelectorAll('.stale-cover').length`); n != 0 {
		t.Fatalf("%d stale overlays on a healthy wall", n)
	}

	st.OK = false
	st.Error = "GET agents/current_status: 401 Unauthorized"
	st.UpdatedAt = time.Now().Add(-151 * time.Second)
	mustPut(t, ls.store, st)
	waitJS(t, ctx, `document.querySelectorAll('.stale-cover').length > 0`, 5*time.Second)
	texts := eval[[]string](t, ctx, `['#wb-queues', '#wb-agents', '#t-calls'].map(id => document.querySelector(id + ' .stale-cover')).filter(e => e).map(e => e.textContent.replace(/\s+/g, ' ').trim())`)
	if len(texts) != 3 {
		t.Fatalf("stale overlays on queues, agents and calls: %q", texts)
	}
	if !strings.Contains(texts[0], "STALE — UJET: GET agents/current_status: 401 Unauthorized") || !strings.Contains(texts[0], "2:3") || !strings.HasSuffix(texts[0], "old") {
		t.Errorf("queue overlay %q, want STALE — UJET: … 401 … · 2:3x old", texts[0])
	}
	if !strings.HasPrefix(texts[2], "STALE") {
		t.Errorf("tile overlay %q", texts[2])
	}
	// The overlay lies over the data, which stays visible beneath it.
	if !eval[bool](t, ctx, `(() => { const c = document.querySelector('#wb-queues .stale-cover').getBoundingClientRect(), p = document.getElementById('wb-queues').getBoundingClientRect(); return c.width === p.width && c.height === p.height && document.querySelectorAll('.q-row').length === 8; })()`) {
		t.Error("the overlay does not cover the queue table, or the data is gone")
	}
	shot(t, ctx, "wall-stale-1920x1080.png")

	st.OK, st.Error, st.UpdatedAt = true, "", time.Now()
	mustPut(t, ls.store, st)
	waitJS(t, ctx, `document.querySelectorAll('.stale-cover').length === 0`, 5*time.Second)
}

// A config reload re-renders connected walls on the same socket; a wall
// whose board definition changed reloads itself and shows the new one.
func TestBrowserConfigReload(t *testing.T) {
	ctx := browser(t)
	now := time.Now()
	const base = "boards:\n  - id: floor\n    title: First floor\n"
	var cur atomic.Pointer[boards.Set]
	cur.Store(loadSet(t, base, nil))
	ls := startLive(t, "127.0.0.1:0", newFlakyStore(), Options{Boards: cur.Load, RetryInterval: 50 * time.Millisecond})
	mustPut(t, ls.store, fixture(now, 10, 4))
	openPage(t, ctx, ls, "/boards/floor")
	eval[bool](t, ctx, `window.__card = document.querySelector('.agent'); true`)

	// Another board is added: this wall stays, and its next update (made
	// with the new board set) comes on the same socket.
	msgs := eval[int](t, ctx, `window.__wbMsgs`)
	cur.Store(loadSet(t, base+"  - id: lobby\n    title: Lobby\n", nil))
	mustPut(t, ls.store, fixture(now, 11, 4))
	waitJS(t, ctx, fmt.Sprintf(`window.__wbMsgs > %d && document.querySelectorAll('.agent').length === 11`, msgs), 5*time.Second)
	if !eval[bool](t, ctx, `window.__wbLoaded === true && window.__wbOpens === 1 && document.body.contains(window.__card)`) {
		t.Fatal("the wall reloaded or reconnected for another board's change")
	}

	// This board changes: the wall reloads itself and shows the new title.
	cur.Store(loadSet(t, "boards:\n  - id: floor\n    title: Ground floor\n    theme: light\n", nil))
	waitAcrossReload(t, ctx, `window.__wbLoaded !== true && document.querySelector('.title') && document.querySelector('.title').textContent === 'Ground floor' && document.documentElement.classList.contains('theme-light')`, 10*time.Second)

	// The board is removed: the wall reloads into its 404 page.
	cur.Store(loadSet(t, "boards:\n  - id: lobby\n", nil))
	waitAcrossReload(t, ctx, `document.body.textContent.includes('does not exist')`, 10*time.Second)
}

// waitAcrossReload waits until js is true, also while the page reloads.
func waitAcrossReload(t *testing.T, ctx context.Context, js string, timeout time.Duration) {
	t.Helper()
	for deadline := time.Now().Add(timeout); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if v, err := chromedp.Run(ctx, chromedp.Evaluate[bool](js)); err == nil && v {
			return
		}
	}
	v, err := chromedp.Run(ctx, chromedp.Evaluate[string](`location.href + ' ' + document.body.outerHTML.slice(0, 400) + ' msgs=' + window.__wbMsgs`))
	t.Fatalf("waiting for %s: timed out (%s %v)", js, v, err)
}

// A wall with the queue_groups tile shows UJET's queue groups with their
// SLA beside the queue table, on a 1080p screen without scrollbars; a
// critical group says so in words; more groups than fit go on pages.
func TestBrowserWallQueueGroups(t *testing.T) {
	ctx := browser(t)
	now := time.Now()
	set := loadSet(t, `boards:
  - id: all
    tiles: [calls_waiting, chats_waiting, longest_wait, sla_call, sla_chat, agents_by_state, queue_table, queue_groups, agent_grid]
`, func(f *config.File) {
		for i := range f.Boards {
			f.Boards[i].Rotate = time.Second
		}
	})
	ls := startLive(t, "127.0.0.1:0", newFlakyStore(), Options{Boards: fixedSet(set)})
	st := fixture(now, 40, 16)
	pct := func(v float64) *float64 { return &v }
	st.QueueGroups = []model.QueueGroup{
		{Source: st.Source, ID: "20", Name: "Shipping", Channel: "call", SLAPercent: pct(41)},
		{Source: st.Source, ID: "20", Name: "Shipping", Channel: "chat"},
		{Source: st.Source, ID: "24", Name: "Support", Channel: "call", SLAPercent: pct(96)},
	}
	mustPut(t, ls.store, st)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1920, 1080)); err != nil {
		t.Fatal(err)
	}
	openWall(t, ctx, ls)
	const groupsJS = `(() => {
		const inView = e => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0 && r.left >= -0.5 && r.top >= -0.5 && r.right <= innerWidth + 0.5 && r.bottom <= innerHeight + 0.5; };
		const rows = [...document.querySelectorAll('#wb-groups tbody tr:not(.empty)')];
		return {
			Scroll: document.documentElement.scrollWidth > innerWidth || document.documentElement.scrollHeight > innerHeight,
			Panel: !!document.querySelector('#wb-groups') && inView(document.querySelector('#wb-groups')),
			Rows: rows.map(r => r.innerText.replace(/\s+/g, ' ').trim()),
			Shown: rows.filter(r => !r.hasAttribute('data-off')).length,
			InView: rows.filter(r => !r.hasAttribute('data-off') && inView(r)).length,
			Pager: document.querySelector('#wb-groups [data-pager]').textContent,
		};
	})()`
	type groupsFit struct {
		Scroll, Panel bool
		Rows          []string
		Shown, InView int
		Pager         string
	}
	g := eval[groupsFit](t, ctx, groupsJS)
	shotAt(t, ctx, "wall-queue-groups-1920x1080.png", 1920, 1080)
	if g.Scroll || !g.Panel || len(g.Rows) != 2 || g.InView != 2 {
		t.Fatalf("queue groups on the wall: %+v", g)
	}
	if !strings.HasPrefix(g.Rows[0], "✖ Shipping") || !strings.Contains(g.Rows[0], "41%") || !strings.Contains(g.Rows[0], "—") ||
		!strings.Contains(g.Rows[0], "below 60%") || g.Rows[1] != "Support 96% —" {
		t.Errorf("rows %q", g.Rows)
	}

	// 40 groups do not fit: they page, every shown row in view.
	st.QueueGroups = nil
	for i := range 40 {
		st.QueueGroups = append(st.QueueGroups, model.QueueGroup{Source: st.Source, ID: fmt.Sprint(100 + i), Name: fmt.Sprintf("Group %02d", i), Channel: "call", SLAPercent: pct(90)})
	}
	mustPut(t, ls.store, st)
	waitJS(t, ctx, `document.querySelectorAll('#wb-groups tbody tr:not(.empty)').length === 40`, 5*time.Second)
	time.Sleep(200 * time.Millisecond)
	g = eval[groupsFit](t, ctx, groupsJS)
	if g.Scroll || g.Shown == 40 || g.Shown == 0 || g.InView != g.Shown || !strings.Contains(g.Pager, "/") {
		t.Errorf("40 queue groups: %d shown, %d in view, pager %q, scrollbars %v", g.Shown, g.InView, g.Pager, g.Scroll)
	}
}

// Burn-in protection: the wall's content moves a little at the board's
// interval, and stays inside the screen; a board with burn_in off stays put.
func TestBrowserWallBurnInShift(t *testing.T) {
	ctx := browser(t)
	set := loadSet(t, "boards:\n  - id: all\n  - id: still\n    burn_in: off\n", func(f *config.File) {
		for i := range f.Boards {
			if f.Boards[i].ID == "all" {
				f.Boards[i].BurnIn = 300 * time.Millisecond // faster than the file allows
			}
		}
	})
	ls := startLive(t, "127.0.0.1:0", newFlakyStore(), Options{Boards: fixedSet(set)})
	mustPut(t, ls.store, fixture(time.Now(), 20, 5))
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1920, 1080)); err != nil {
		t.Fatal(err)
	}
	const offsetJS = `(() => { const r = document.querySelector('#wb-wall > header').getBoundingClientRect(); return [r.left, r.top].join(','); })()`
	const overflowJS = `document.documentElement.scrollWidth > innerWidth || document.documentElement.scrollHeight > innerHeight`

	openWall(t, ctx, ls)
	seen := map[string]bool{eval[string](t, ctx, offsetJS): true}
	for range 8 {
		time.Sleep(350 * time.Millisecond)
		seen[eval[string](t, ctx, offsetJS)] = true
		if eval[bool](t, ctx, overflowJS) {
			t.Fatal("the shifted wall overflows the screen")
		}
	}
	if len(seen) < 3 {
		t.Errorf("the wall took %d positions in 3 s at a 300 ms shift, want it to move: %v", len(seen), seen)
	}

	openPage(t, ctx, ls, "/boards/still")
	if v := eval[string](t, ctx, `document.querySelector('#wb-wall').dataset.burnIn`); v != "0" {
		t.Errorf("burn_in off: the wall's data-burn-in is %q, want 0", v)
	}
	still := eval[string](t, ctx, offsetJS)
	time.Sleep(time.Second)
	if got := eval[string](t, ctx, offsetJS); got != still {
		t.Errorf("burn_in off, yet the wall moved from %s to %s", still, got)
	}
}
