package server

import (
	"testing"
	"time"

	"github.com/wallboard/wallboard/model"
)

// rlo is RIGHT-TO-LEFT OVERRIDE: in an unisolated name it reverses
// everything after it on the line.
const rlo = "\u202e"

// suffixAfterName is JS: true when, in the first element matching sel whose
// text contains suffix, suffix is drawn to the right of name (the text
// around a name keeps its order).
func suffixAfterName(sel, name, suffix string) string {
	return `(() => {
  const el = [...document.querySelectorAll(` + jsString(sel) + `)].find(e => e.textContent.includes(` + jsString(suffix) + `));
  if (!el) return 'missing';
  const w = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
  const at = s => { for (let n = (w.currentNode = el, w.nextNode()); n; n = w.nextNode()) { const i = n.data.indexOf(s); if (i >= 0) { const r = document.createRange(); r.setStart(n, i); r.setEnd(n, i + s.length); return r.getBoundingClientRect(); } } return null; };
  const a = at(` + jsString(name) + `), b = at(` + jsString(suffix) + `);
  if (!a || !b) return 'missing';
  return b.left >= a.right - 1 ? 'ok' : 'reordered';
})()`
}

// A direction override in a vendor name (agent, queue group, status) does
// not reorder the text around it on the wall or the supervisor view: names
// are isolated, in sentences (breach list, reasons) and in their own
// elements.
func TestBrowserBidiIsolatedNames(t *testing.T) {
	ctx := svBrowser(t)
	now := time.Now()
	ls := startLive(t, "127.0.0.1:0", newFlakyStore(), Options{})
	st := supervisorFixture(now)
	st.Agents[0].Name = rlo + "Mallory"
	st.Agents[0].Status = rlo + "Lunch"
	st.Agents[0].Teams = []string{rlo + "Night", "Day"}
	st.QueueGroups = []model.QueueGroup{
		{Source: st.Source, ID: "20", Name: rlo + "Shipping", Channel: "call", SLAPercent: ptr(50.0)},
		{Source: st.Source, ID: "20", Name: rlo + "Shipping", Channel: "chat", SLAPercent: ptr(50.0)},
	}
	mustPut(t, ls.store, st)

	openSupervisor(t, ctx, ls, "/boards/all/supervisor")
	waitJS(t, ctx, `[...document.querySelectorAll('.sv-breach-name')].some(e => e.textContent.includes('(queue group)'))`, 10*time.Second)
	if got := eval[string](t, ctx, suffixAfterName(".sv-breach-name", "Shipping", "(queue group)")); got != "ok" {
		t.Errorf("breach list: the queue group's name reorders the text after it (%s)", got)
	}
	if got := eval[string](t, ctx, suffixAfterName(".c-team", "Night", "Day")); got != "ok" {
		t.Errorf("agents table: a team's name reorders the next team (%s)", got)
	}
	if got := eval[string](t, ctx, `[...document.querySelectorAll('#sv-team option')].map(o => o.textContent).find(s => s.includes('Night')) || ''`); got != "\u2068"+rlo+"Night\u2069" {
		t.Errorf("team filter: option label %q, want the name isolated", got)
	}
	// The page rebuilds the options when the teams change: isolated too.
	st.Agents[1].Teams = []string{rlo + "Late"}
	mustPut(t, ls.store, st)
	waitJS(t, ctx, `[...document.querySelectorAll('#sv-team option')].some(o => o.value.includes('Late'))`, 10*time.Second)
	if got := eval[string](t, ctx, `[...document.querySelectorAll('#sv-team option')].find(o => o.value.includes('Late')).textContent`); got != "\u2068"+rlo+"Late\u2069" {
		t.Errorf("team filter after a live change: option label %q, want the name isolated", got)
	}
	// Every element that shows a vendor name alone is isolated.
	const notIsolated = `[...document.querySelectorAll('.a-name, .a-status, .q-leaf, .q-parent, .c-name, .c-team, .c-status, .sv-breach-name')].filter(e => getComputedStyle(e).unicodeBidi !== 'isolate').map(e => e.className)`
	if bad := eval[[]string](t, ctx, notIsolated); len(bad) > 0 {
		t.Errorf("supervisor: names not isolated in %q", bad)
	}

	openWall(t, ctx, ls)
	if bad := eval[[]string](t, ctx, notIsolated); len(bad) > 0 {
		t.Errorf("wall: names not isolated in %q", bad)
	}
	if n := eval[int](t, ctx, `document.querySelectorAll('.a-name, .q-leaf').length`); n == 0 {
		t.Fatal("the wall shows no names")
	}
}
