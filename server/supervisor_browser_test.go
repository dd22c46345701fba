package server

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"

	"github.com/wallboard/wallboard/history"
	"github.com/wallboard/wallboard/internal/browsertest"
	"github.com/wallboard/wallboard/model"
)

// svBrowser starts a headless chromium (the launch options of browser)
// with a 1366×768 window, the smallest the supervisor view is made for.
func svBrowser(t *testing.T) context.Context {
	t.Helper()
	return browsertest.New(t, 1366, 768, 2*time.Minute)
}

// openSupervisor opens path (a supervisor URL) and waits for the websocket's
// first message; it fails the test on any CSP violation.
func openSupervisor(t *testing.T, ctx context.Context, ls *liveServer, path string) {
	t.Helper()
	t.Cleanup(func() {
		if v, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`window.__wbCSP || []`)); err == nil && len(v) > 0 {
			t.Errorf("Content Security Policy violations: %q", v)
		}
	})
	if err := chromedp.Do(ctx, recordCSPViolations, chromedp.Navigate(ls.url(path))); err != nil {
		t.Fatalf("navigate: %v", err)
	}
	waitJS(t, ctx, `document.getElementById('wb-conn').dataset.state === 'open' && window.__wbMsgs >= 1`, 10*time.Second)
	eval[bool](t, ctx, `window.__svLoaded = true`)
}

// seedHistory records samples for the last four hours, a sample every
// 10 minutes: waiting rises and falls, and the call SLA is unknown (null)
// for an hour in the middle.
func seedHistory(t *testing.T, store *flakyStore, hist history.Store, now time.Time, st model.SourceState) {
	t.Helper()
	sampler := history.NewSampler(store, hist, history.SamplerOptions{})
	for m := 230; m >= 10; m -= 10 {
		s := st
		s.Queues = append([]model.Queue(nil), st.Queues...)
		for i := range s.Queues {
			q := &s.Queues[i]
			q.Waiting = (m/10 + i) % 6
			q.OldestSince = nil
			if q.Waiting > 0 {
				q.OldestSince = ptr(now.Add(-time.Duration(m)*time.Minute - time.Duration(20*q.Waiting+(m*7)%90)*time.Second))
			}
			q.SLAPercent = ptr(float64(60 + (m/10+i*3)%40))
			if m >= 100 && m < 160 && q.Channel == "call" {
				q.SLAPercent = nil
			}
		}
		s.QueueGroups = append([]model.QueueGroup(nil), st.QueueGroups...)
		for i := range s.QueueGroups {
			s.QueueGroups[i].SLAPercent = ptr(float64(70 + (m/10+i)%30))
		}
		mustPut(t, store, s)
		if err := sampler.SampleAt(context.Background(), now.Add(-time.Duration(m)*time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
}

// visibleRows is a JS expression: the visible rows of table id.
func visibleRows(id string) string {
	return `[...document.querySelectorAll('#` + id + ` tr.sv-row')].filter(r => !r.hidden && r.offsetParent !== null)`
}

func TestBrowserSupervisorFiltersSortLiveAndTrends(t *testing.T) {
	ctx := svBrowser(t)
	now := time.Now()
	hist := history.NewMemory(history.Options{})
	ls := startLive(t, "127.0.0.1:0", newFlakyStore(), Options{History: hist, RetryInterval: 200 * time.Millisecond})
	st := supervisorFixture(now)
	st.QueueGroups = []model.QueueGroup{
		{Source: st.Source, ID: "20", Name: "Shipping", Channel: "call", SLAPercent: ptr(91.0)},
		{Source: st.Source, ID: "20", Name: "Shipping", Channel: "chat", SLAPercent: ptr(88.0)},
	}
	seedHistory(t, ls.store, hist, now, st)
	mustPut(t, ls.store, st)
	openSupervisor(t, ctx, ls, "/boards/all/supervisor")

	// Typing a name filters the agents and lands in the URL.
	if _, err := chromedp.Run(ctx, chromedp.SendKeys("#sv-q", "an")); err != nil {
		t.Fatal(err)
	}
	waitJS(t, ctx, `new URLSearchParams(location.search).get('q') === 'an'`, 3*time.Second)
	wantAn := 0
	for _, a := range st.Agents {
		if strings.Contains(strings.ToLower(a.Name), "an") {
			wantAn++
		}
	}
	if got := eval[int](t, ctx, visibleRows("sv-agents")+`.length`); got != wantAn || wantAn == 0 || wantAn == len(st.Agents) {
		t.Errorf("%d agents shown for q=an, want %d of %d", got, wantAn, len(st.Agents))
	}
	if !eval[bool](t, ctx, visibleRows("sv-agents")+`.every(r => r.dataset.name.toLowerCase().includes('an'))`) {
		t.Error("an agent not matching q=an is shown")
	}

	// A team from the select and a state from its count: both in the URL.
	eval[bool](t, ctx, `(() => { const s = document.getElementById('sv-team'); s.value = 'Billing'; s.dispatchEvent(new Event('change', {bubbles: true})); return true })()`)
	if _, err := chromedp.Run(ctx, chromedp.Click("#sv-state-away")); err != nil {
		t.Fatal(err)
	}
	waitJS(t, ctx, `location.search === '?q=an&team=Billing&state=away'`, 3*time.Second)
	check := `` + visibleRows("sv-agents") + `.every(r => r.dataset.name.toLowerCase().includes('an') && r.dataset.teams.includes('\nBilling\n') && r.dataset.state === 'away')`
	if !eval[bool](t, ctx, check) {
		t.Errorf("rows outside team=Billing&state=away shown: %v", eval[[]string](t, ctx, visibleRows("sv-agents")+`.map(r => r.dataset.name + ' ' + r.dataset.state)`))
	}

	// Sorting by time in state: longest first, then shortest on a second click.
	eval[bool](t, ctx, `document.getElementById('sv-q').value = ''; document.getElementById('sv-q').dispatchEvent(new Event('input')); true`)
	if _, err := chromedp.Run(ctx, chromedp.Click(`#sv-agents button[data-col="time"]`)); err != nil {
		t.Fatal(err)
	}
	waitJS(t, ctx, `new URLSearchParams(location.search).get('sort') === '-time'`, 3*time.Second)
	sortedDesc := `(() => { const k = ` + visibleRows("sv-agents") + `.map(r => Number(r.dataset.kTime)); return k.length > 1 && k.every((v, i) => i === 0 || k[i-1] >= v) })()`
	if !eval[bool](t, ctx, sortedDesc) {
		t.Errorf("agents not sorted by time in state: %v", eval[[]string](t, ctx, visibleRows("sv-agents")+`.map(r => r.dataset.name + ' ' + r.cells[4].textContent)`))
	}
	if _, err := chromedp.Run(ctx, chromedp.Click(`#sv-queues button[data-col="name"]`)); err != nil {
		t.Fatal(err)
	}
	waitJS(t, ctx, `new URLSearchParams(location.search).get('qsort') === 'name'`, 3*time.Second)
	if _, err := chromedp.Run(ctx, chromedp.Click(`#sv-queues button[data-col="name"]`)); err != nil {
		t.Fatal(err)
	}
	waitJS(t, ctx, `new URLSearchParams(location.search).get('qsort') === '-name'`, 3*time.Second)
	names := eval[[]string](t, ctx, visibleRows("sv-queues")+`.map(r => r.dataset.name)`)
	for i := 1; i < len(names); i++ {
		if strings.ToLower(names[i-1]) < strings.ToLower(names[i]) {
			t.Errorf("queues not sorted by name descending: %q", names)
			break
		}
	}

	// A live change: a new Billing agent who is away appears in place
	// without a reload, sorted; a new Support agent stays filtered out.
	st.Agents = append(st.Agents,
		model.Agent{Source: "ujet", ID: "2001", Name: "Nadia Longest", Teams: []string{"Billing"}, State: model.StateAway, Status: "Break", StatusColor: "brown", Since: ptr(now.Add(-3 * time.Hour))},
		model.Agent{Source: "ujet", ID: "2002", Name: "Zed Elsewhere", Teams: []string{"Support"}, State: model.StateAway, Status: "Break", StatusColor: "brown", Since: ptr(now.Add(-4 * time.Hour))},
	)
	mustPut(t, ls.store, st)
	waitJS(t, ctx, `!!document.getElementById('sa-ujet--2001') && !!document.getElementById('sa-ujet--2002')`, 5*time.Second)
	if got := eval[[]string](t, ctx, visibleRows("sv-agents")+`.slice(0, 1).map(r => r.dataset.name)`); len(got) != 1 || got[0] != "Nadia Longest" {
		t.Errorf("first visible agent after the update: %q, want the new longest-away Billing agent", got)
	}
	if !eval[bool](t, ctx, `document.getElementById('sa-ujet--2002').hidden`) {
		t.Error("a new agent outside the filter is shown")
	}
	if !eval[bool](t, ctx, sortedDesc) {
		t.Error("sorting lost after a live update")
	}
	if !eval[bool](t, ctx, `window.__svLoaded === true`) {
		t.Fatal("the page reloaded")
	}

	// Sparklines: the board's and every shown queue's, drawn from history;
	// the unknown SLA hour is a gap (two runs), never a drop to 0.
	waitJS(t, ctx, `document.querySelector('svg[data-spark="board"][data-series="waiting"] path.spark-line') !== null`, 5*time.Second)
	if n := eval[int](t, ctx, `document.querySelector('svg[data-spark="board"][data-series="waiting"] path.spark-line').getAttribute('d').split('L').length`); n < 20 {
		t.Errorf("board waiting sparkline has %d points, want about 23", n)
	}
	callRuns := eval[int](t, ctx, `document.querySelector('svg[data-spark="board"][data-series="sla"] path.spark-line.s-sla-call').getAttribute('d').split('M').length - 1`)
	if callRuns != 2 {
		t.Errorf("call SLA sparkline has %d runs, want 2 (a gap where SLA was unknown)", callRuns)
	}
	if !eval[bool](t, ctx, `[...document.querySelectorAll('svg[data-spark="board"][data-series="sla"] path.spark-line')].every(p => p.getAttribute('d').split(/[ML]/).filter(Boolean).every(pt => Number(pt.split(' ')[1]) < 58))`) {
		t.Error("an SLA sparkline touches the bottom: unknown drawn as 0?")
	}
	waitJS(t, ctx, visibleRows("sv-queues")+`.every(r => r.querySelectorAll('svg.spark path.spark-line').length === 3)`, 5*time.Second)
	// The queue group's call and chat SLA, each its own line.
	waitJS(t, ctx, `document.querySelectorAll('#sv-groups tr.sv-row svg.spark path.spark-line').length === 2`, 5*time.Second)

	// A shorter trend span: in the URL, fetched again, fewer points.
	eval[bool](t, ctx, `(() => { const s = document.getElementById('sv-hours'); s.value = '1'; s.dispatchEvent(new Event('change', {bubbles: true})); return true })()`)
	waitJS(t, ctx, `new URLSearchParams(location.search).get('hours') === '1' && document.getElementById('sv-trend-span').textContent === 'last 1 h'`, 3*time.Second)
	if n := eval[int](t, ctx, `document.querySelector('svg[data-spark="board"][data-series="waiting"] path.spark-line').getAttribute('d').split('L').length`); n < 4 || n > 7 {
		t.Errorf("1 h waiting sparkline has %d points, want 5 or 6", n)
	}

	// A queue turns critical: the breach is listed at the top, with its reason.
	eval[bool](t, ctx, `document.getElementById('sv-clear').click(); true`)
	st.Queues[5].SLAPercent = ptr(31.0) // Technical / 1, was 90%
	mustPut(t, ls.store, st)
	waitJS(t, ctx, `(() => { const li = document.querySelector('#sv-breach-list li'); return li && li.dataset.key === 'queue:ujet--6' && li.dataset.level === 'critical' })()`, 5*time.Second)
	top := eval[string](t, ctx, `document.querySelector('#sv-breach-list li').textContent`)
	if !strings.Contains(top, "Technical / 1") || !strings.Contains(top, "SLA 31% below 60%") || !strings.Contains(top, "CRIT") || strings.Contains(top, "page loaded") {
		t.Errorf("breach entry %q", top)
	}
	if got := eval[int](t, ctx, `document.querySelectorAll('#sv-breach-list li[data-key="queue:ujet--6"][data-level="critical"]').length`); got != 1 {
		t.Errorf("%d critical breach entries for the queue, want 1", got)
	}
	// Sound is off by default: no tone.
	if b := eval[string](t, ctx, `document.getElementById('sv-sound').getAttribute('aria-pressed') + ' ' + (document.getElementById('sv-sound').dataset.beeps || '0')`); b != "false 0" {
		t.Errorf("sound button %q, want off and silent", b)
	}
	// Turned on, a new critical breach sounds (the click itself plays one to confirm).
	if _, err := chromedp.Run(ctx, chromedp.Click("#sv-sound")); err != nil {
		t.Fatal(err)
	}
	waitJS(t, ctx, `document.getElementById('sv-sound').dataset.beeps === '1' && localStorage.getItem('wallboard.supervisor.sound') === 'on'`, 3*time.Second)
	st.Queues[8].SLAPercent = ptr(12.0) // Onboarding / 2, was 66%
	mustPut(t, ls.store, st)
	waitJS(t, ctx, `document.getElementById('sv-sound').dataset.beeps === '2'`, 5*time.Second)

	// Browser notifications: off by default; turned on (the browser grants
	// the permission), a new critical breach shows one.
	if b := eval[string](t, ctx, `document.getElementById('sv-notify').getAttribute('aria-pressed')`); b != "false" {
		t.Errorf("notifications %q, want off by default", b)
	}
	if _, err := chromedp.Call(ctx, cdpbrowser.SetPermission, cdpbrowser.SetPermissionParams{
		Permission: &cdpbrowser.PermissionDescriptor{Name: "notifications"}, Setting: cdpbrowser.PermissionSettingGranted, Origin: ls.url(""),
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Click("#sv-notify")); err != nil {
		t.Fatal(err)
	}
	waitJS(t, ctx, `document.getElementById('sv-notify').getAttribute('aria-pressed') === 'true' && localStorage.getItem('wallboard.supervisor.notify') === 'on'`, 3*time.Second)
	st.Queues[5].SLAPercent = ptr(90.0) // back to OK, then critical again
	mustPut(t, ls.store, st)
	waitJS(t, ctx, `document.querySelector('#sv-queues tr[data-qid="`+st.Queues[5].ID+`"]').dataset.level !== 'critical'`, 5*time.Second)
	st.Queues[5].SLAPercent = ptr(20.0)
	mustPut(t, ls.store, st)
	waitJS(t, ctx, `Number(document.getElementById('sv-notify').dataset.notified) >= 1`, 5*time.Second)

	// The choice holds across a reload: the button says on.
	if err := chromedp.Do(ctx, chromedp.Reload()); err != nil {
		t.Fatal(err)
	}
	waitJS(t, ctx, `document.getElementById('sv-notify') && document.getElementById('sv-notify').getAttribute('aria-pressed') === 'true'`, 10*time.Second)
}

// A bookmarked URL opens filtered and sorted, and stays so through live
// updates.
func TestBrowserSupervisorBookmarkAndScreenshot(t *testing.T) {
	ctx := svBrowser(t)
	now := time.Now()
	hist := history.NewMemory(history.Options{})
	ls := startLive(t, "127.0.0.1:0", newFlakyStore(), Options{History: hist, Demo: true})
	st := supervisorFixture(now)
	st = withMoreAgents(st, now, 40)
	seedHistory(t, ls.store, hist, now, st)
	mustPut(t, ls.store, st)

	q := url.Values{"team": {"Billing"}, "state": {"away"}, "sort": {"-time"}, "queue": {"s"}}
	openSupervisor(t, ctx, ls, "/boards/all/supervisor?"+q.Encode())
	if got := eval[string](t, ctx, `document.getElementById('sv-team').value + '|' + document.getElementById('sv-state').value + '|' + document.getElementById('sv-queue').value`); got != "Billing|away|s" {
		t.Errorf("controls %q", got)
	}
	match := visibleRows("sv-agents") + `.every(r => r.dataset.teams.includes('\nBilling\n') && r.dataset.state === 'away')`
	if !eval[bool](t, ctx, match) || eval[int](t, ctx, visibleRows("sv-agents")+`.length`) < 2 {
		t.Errorf("bookmarked view shows %v", eval[[]string](t, ctx, visibleRows("sv-agents")+`.map(r => r.dataset.name + ' ' + r.dataset.state)`))
	}
	if !eval[bool](t, ctx, visibleRows("sv-queues")+`.every(r => /^s|\/ *s/i.test(r.dataset.name))`) {
		t.Error("queue filter not applied")
	}
	// A live update keeps the view.
	st.Agents[5].Name = "Updated Away Agent"
	mustPut(t, ls.store, st)
	waitJS(t, ctx, `document.getElementById('sa-ujet--1005').dataset.name === 'Updated Away Agent'`, 5*time.Second)
	if !eval[bool](t, ctx, match) {
		t.Errorf("after an update: %v", eval[[]string](t, ctx, visibleRows("sv-agents")+`.map(r => r.dataset.name + ' ' + r.dataset.state)`))
	}
	if got, err := url.ParseQuery(strings.TrimPrefix(eval[string](t, ctx, `location.search`), "?")); err != nil || got.Encode() != q.Encode() {
		t.Errorf("URL after an update: %v, want %v", got, q)
	}

	// The screenshot: everything shown, a breach listed, trends drawn.
	eval[bool](t, ctx, `document.getElementById('sv-clear').click(); true`)
	st.Queues[1].SLAPercent = ptr(41.0)
	st.Queues[2].Waiting, st.Queues[2].OldestSince = 3, ptr(now.Add(-4*time.Minute))
	mustPut(t, ls.store, st)
	waitJS(t, ctx, `document.querySelectorAll('#sv-breach-list li:not(.initial)').length >= 1 && document.querySelector('svg[data-spark="board"] path') !== null`, 5*time.Second)
	time.Sleep(300 * time.Millisecond) // a clock tick
	screenshot(t, ctx, "supervisor-1366x768.png")
	eval[bool](t, ctx, `document.getElementById('sv-agents').scrollIntoView(); true`)
	time.Sleep(100 * time.Millisecond)
	screenshot(t, ctx, "supervisor-agents-1366x768.png")
	if w := eval[int](t, ctx, `document.documentElement.scrollWidth`); w > 1366 {
		t.Errorf("horizontal scrolling at 1366 px: content %d px wide", w)
	}
}

// withMoreAgents adds n agents in a spread of states and teams.
func withMoreAgents(st model.SourceState, now time.Time, n int) model.SourceState {
	more := fixture(now, n+len(st.Agents), 0).Agents[len(st.Agents):]
	for i := range more {
		more[i].Teams = [][]string{{"Support"}, {"Billing"}, {"Sales", "Billing"}}[i%3]
	}
	st.Agents = append(st.Agents, more...)
	return st
}
