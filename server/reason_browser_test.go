package server

import (
	"context"
	"encoding/json"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/wallboard/wallboard/model"
)

// A threshold reason's moving clock time ("longest wait 4:00, limit 3:00")
// ticks in the page with no new server data, wherever a screen shows the
// reason as text: the wall's queue row and tile foot, the supervisor's
// reason cells and the embeds; an agent's time past its state's limit too.
// (A patch does not compare clock times in words, so without ticking the
// reason would stay frozen at the last change while the wait grows.)
func TestBrowserReasonClockTicks(t *testing.T) {
	ctx := browser(t)
	now := time.Now()
	set := loadSet(t, `defaults:
  thresholds:
    longest_wait_warn: 1m
    longest_wait_critical: 3m
    state_time:
      away: {warn: 10m, critical: 30m}
boards:
  - id: all
    tiles: [longest_wait, queue_table, agent_grid]
`, nil)
	ls := startLive(t, "127.0.0.1:0", newFlakyStore(), Options{Boards: fixedSet(set)})
	st := fixture(now, 4, 3)
	for i := range st.Queues {
		st.Queues[i].Waiting = 0
		st.Queues[i].SLAPercent = ptr(95.0)
	}
	oldest := now.Add(-4 * time.Minute)
	st.Queues[0].Waiting, st.Queues[0].OldestSince = 2, &oldest
	away := now.Add(-45 * time.Minute)
	for i := range st.Agents {
		st.Agents[i].State, st.Agents[i].Status, st.Agents[i].Since = model.StateAvailable, "Available", ptr(now)
	}
	st.Agents[0].State, st.Agents[0].Status, st.Agents[0].Since = model.StateAway, "Away", &away
	mustPut(t, ls.store, st)

	wait := regexp.MustCompile(`longest wait ((?:\d+:)?\d+:\d\d), limit 3:00$`)
	for _, tc := range []struct {
		where, path string
		sels        []string // elements whose text is (or holds) the reason
		reason      *regexp.Regexp
		since       time.Time
	}{
		{"wall", "/boards/all", []string{"#q-ujet--1 .q-reason", "#t-longest .tile-foot"}, wait, oldest},
		{"supervisor", "/boards/all/supervisor", []string{"#sq-ujet--1 .sv-reason", "#sv-t-longest_wait .sv-reason"}, wait, oldest},
		{"embedded queue table", "/embed/all/queue_table", []string{"#q-ujet--1 .e-sr"}, wait, oldest},
		{"embedded longest wait", "/embed/all/longest_wait", []string{".e-reason"}, wait, oldest},
		{"embedded agent grid", "/embed/all/agent_grid", []string{"#a-ujet--1000 .e-sr"},
			regexp.MustCompile(`: away ((?:\d+:)?\d+:\d\d), limit 30:00$`), away},
	} {
		openPage(t, ctx, ls, tc.path)
		reasonClockTicks(t, ctx, tc.where, tc.reason, tc.since, tc.sels)
	}
}

// reasonClockTicks waits until the clock time (reason's first group) in
// the reason of every element of sels has grown, with no websocket message
// meanwhile, and checks that it is in a data-since span counting from start.
func reasonClockTicks(t *testing.T, ctx context.Context, where string, reason *regexp.Regexp, start time.Time, sels []string) {
	t.Helper()
	js, _ := json.Marshal(sels)
	since := strconv.FormatInt(start.UnixMilli(), 10)
	type reading struct {
		Now   float64
		Texts []string
		Spans []bool // the element has the ticking span
	}
	read := `(() => { const els = ` + string(js) + `.map(s => document.querySelector(s));
		return {Now: Date.now(), Texts: els.map(e => e ? e.textContent.trim() : ''),
			Spans: els.map(e => !!(e && e.querySelector('span[data-since="` + since + `"]')))}; })()`
	clocks := func(r reading) []int {
		var out []int
		for i, text := range r.Texts {
			m := reason.FindStringSubmatch(text)
			if m == nil || !r.Spans[i] {
				t.Fatalf("%s: %s reads %q (ticking span: %v), want a reason matching %s with a span ticking from %s", where, sels[i], text, r.Spans[i], reason, since)
			}
			out = append(out, parseClock(t, m[1]))
		}
		return out
	}
	msgs := eval[int](t, ctx, `window.__wbMsgs`)
	first := eval[reading](t, ctx, read)
	before := clocks(first)
	firstJS, _ := json.Marshal(first.Texts)
	waitJS(t, ctx, `(() => { const was = `+string(firstJS)+`; const r = `+read+`; return r.Texts.every((s, i) => s !== was[i]); })()`, 2*time.Minute)
	second := eval[reading](t, ctx, read)
	after := clocks(second)
	for i := range after {
		// Never ahead of the real wait (the display floors to the second).
		real := (int64(second.Now) - start.UnixMilli()) / 1000
		if after[i] <= before[i] || int64(after[i]) > real+1 {
			t.Errorf("%s: %s went %q → %q; want it to grow, and not past the real time %ds", where, sels[i], first.Texts[i], second.Texts[i], real)
		}
	}
	if n := eval[int](t, ctx, `window.__wbMsgs`) - msgs; n != 0 {
		t.Errorf("%s: %d websocket messages while the reasons ticked, want none (the page ticks by itself)", where, n)
	}
}
