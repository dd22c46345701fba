package server

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/wallboard/wallboard/model"
)

// Live updates are patches: only the elements that changed. A page that
// misses one (a gap in the sequence) asks for the full render and shows the
// latest data, without reloading.
func TestBrowserPatchGapHealedByFullRender(t *testing.T) {
	ctx, ls, st := openFixtureWall(t, 12, 6)
	// Count patches and full renders; drop one patch on request, before
	// wallboard.js sees it, as if it had been lost.
	eval[bool](t, ctx, `window.__patches = 0; window.__fulls = 0; window.__dropped = 0; window.__drop = false;
window.addEventListener('htmx:wsBeforeMessage', e => {
  const patch = e.detail.message.startsWith('<template data-wb-patch');
  if (patch && window.__drop) { window.__drop = false; window.__dropped++; e.preventDefault(); e.stopImmediatePropagation(); return; }
  if (patch) { window.__patches++; } else { window.__fulls++; }
}, true); true`)

	calls := func(n int) string { return strconv.Itoa(n + 2) } // queue 0 is a call queue; the others wait 2
	st.Queues[0].Waiting = 10
	mustPut(t, ls.store, st)
	waitJS(t, ctx, callsTile+` === '`+calls(10)+`'`, 5*time.Second)
	if got := eval[int](t, ctx, `window.__patches`); got < 1 {
		t.Fatalf("an update came as %d patches and %d full renders, want a patch", got, eval[int](t, ctx, `window.__fulls`))
	}

	eval[bool](t, ctx, `window.__drop = true`)
	st.Queues[0].Waiting = 20
	mustPut(t, ls.store, st)
	waitJS(t, ctx, `window.__dropped === 1`, 5*time.Second)
	if got := eval[string](t, ctx, callsTile); got != calls(10) {
		t.Fatalf("calls %s after a dropped patch, want %s still", got, calls(10))
	}

	fulls := eval[int](t, ctx, `window.__fulls`)
	st.Queues[0].Waiting = 30
	mustPut(t, ls.store, st)
	waitJS(t, ctx, callsTile+` === '`+calls(30)+`'`, 5*time.Second)
	if got := eval[int](t, ctx, `window.__fulls`); got != fulls+1 {
		t.Errorf("%d full renders after the gap, want 1", got-fulls)
	}
	if !eval[bool](t, ctx, `window.__wbLoaded === true`) {
		t.Error("the page reloaded")
	}
	// And patches flow again after the full render.
	st.Queues[0].Waiting = 40
	mustPut(t, ls.store, st)
	waitJS(t, ctx, callsTile+` === '`+calls(40)+`'`, 5*time.Second)
}

// A live update that changes a tile, a queue row and an agent card arrives
// as one patch and is applied in place: no full render is asked for, and
// the page keeps its elements (their running animations, their paging),
// changing only what changed.
func TestBrowserPatchAppliesTilesRowsAndCardsInPlace(t *testing.T) {
	ctx, ls, st := openFixtureWall(t, 12, 6)
	const (
		row  = `[...document.querySelectorAll('#wb-queues tbody tr')].find(r => r.querySelector('td.q-name').title === 'Sales / 1')`
		card = `[...document.querySelectorAll('#wb-agents .agent')].find(c => c.querySelector('.a-name').textContent === 'Ana Schmidt')`
	)
	eval[bool](t, ctx, `window.__patches = 0; window.__fulls = 0; window.__asked = 0;
window.addEventListener('htmx:wsBeforeMessage', e => {
  if (e.detail.message.startsWith('<template data-wb-patch')) { window.__patches++; } else { window.__fulls++; }
}, true);
const send = WebSocket.prototype.send;
WebSocket.prototype.send = function (d) { if (d === 'full') { window.__asked++; } return send.call(this, d); };
document.getElementById('t-calls').__kept = true; (`+row+`).__kept = true; (`+card+`).__kept = true; true`)
	if got := eval[string](t, ctx, card+`.querySelector('.a-status').textContent`); !strings.Contains(got, "Available") {
		t.Fatalf("Ana's card says %q before the update, want Available", got)
	}

	st.Queues[0].Waiting = 10
	st.Agents[0].State, st.Agents[0].Status, st.Agents[0].StatusColor = model.StateAway, "Meal", "blue_grey"
	mustPut(t, ls.store, st)
	waitJS(t, ctx, callsTile+` === '12'`, 10*time.Second)
	waitJS(t, ctx, `(`+card+`).querySelector('.a-status').textContent.includes('Meal')`, 10*time.Second)
	if got := eval[string](t, ctx, `(`+row+`).querySelector('.q-waiting').textContent`); got != "10" {
		t.Errorf("the Sales queue row shows %q waiting, want 10", got)
	}
	if got := eval[int](t, ctx, `window.__asked`); got != 0 {
		t.Errorf("the page asked for %d full renders: a patch did not apply", got)
	}
	if p, f := eval[int](t, ctx, `window.__patches`), eval[int](t, ctx, `window.__fulls`); p < 1 || f != 0 {
		t.Errorf("the update came as %d patches and %d full renders, want patches only", p, f)
	}
	for what, js := range map[string]string{
		"calls tile": `document.getElementById('t-calls').__kept === true`,
		"queue row":  `(` + row + `).__kept === true`,
		"agent card": `(` + card + `).__kept === true`,
	} {
		if !eval[bool](t, ctx, js) {
			t.Errorf("the %s was replaced, not patched in place", what)
		}
	}
	if got := eval[int](t, ctx, `document.querySelectorAll('[id]').length - new Set([...document.querySelectorAll('[id]')].map(e => e.id)).size`); got != 0 {
		t.Errorf("%d ids twice in the page after the patch", got)
	}
	samePageAsFreshRender(t, ctx, ls)

	// An agent logging out and another coming in changes the grid: the
	// unchanged cards come as placeholders, and the page shows the new set.
	eval[bool](t, ctx, `window.__keeps = 0; window.addEventListener('htmx:wsBeforeMessage', e => { if (e.detail.message.includes('data-wb-keep')) { window.__keeps++; } }, true); true`)
	newcomer := st.Agents[2]
	newcomer.ID, newcomer.Name = "9999", "Aaron Newman" // first by name
	st.Agents = append([]model.Agent{newcomer}, slices.Delete(st.Agents, 5, 6)...)
	mustPut(t, ls.store, st)
	waitJS(t, ctx, `window.__keeps >= 1`, 10*time.Second)
	samePageAsFreshRender(t, ctx, ls)
	if got := eval[int](t, ctx, `window.__asked`); got != 0 {
		t.Errorf("the page asked for %d full renders after a reorder", got)
	}
}

// samePageAsFreshRender checks that the wall in the browser shows what a
// fresh load of the page shows: the tiles' values, the queue rows and the
// agent cards, in order.
func samePageAsFreshRender(t *testing.T, ctx context.Context, ls *liveServer) {
	t.Helper()
	const shown = `(doc) => [...doc.querySelectorAll('.tile-value, #wb-queues tbody tr, #wb-agents .agent')].map(e => e.id + ' ' + e.textContent.replace(/\d+:\d\d/g, '#').replace(/\s+/g, ' ').trim()).join('\n')`
	live := eval[string](t, ctx, `(`+shown+`)(document)`)
	fresh, err := chromedp.Run(ctx, chromedp.Evaluate[string](`fetch(location.href).then(r => r.text()).then(h => (`+shown+`)(new DOMParser().parseFromString(h, 'text/html')))`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("fetch a fresh render: %v", err)
	}
	if live != fresh {
		t.Errorf("the live page differs from a fresh render:\nlive:\n%s\nfresh:\n%s", live, fresh)
	}
}
