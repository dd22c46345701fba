package server

import (
	"strconv"
	"testing"
	"time"
)

// Live updates are patches: only the elements that changed. A page that
// misses one (a gap in the sequence) asks for the full render and shows the
// latest data, without reloading.
func TestBrowserPatchGapHealedByFullRender(t *testing.T) {
	ctx := browser(t)
	now := time.Now()
	ls := startLive(t, "127.0.0.1:0", newFlakyStore(), Options{})
	st := fixture(now, 12, 6)
	mustPut(t, ls.store, st)
	openWall(t, ctx, ls)
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
