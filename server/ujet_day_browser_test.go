package server

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Today's counts on a 1080p wall whose queue table spans the screen (the
// day-count columns show where the panel has room for them): the handled, abandoned and abandon-rate
// tiles, the SLA tile's tooltip saying it is weighted, the queue table's
// abandon rate and handle time, and a closed queue saying when it opens;
// all inside the screen. New counts reach the tiles live.
func TestBrowserWallDayCounts(t *testing.T) {
	ctx := browser(t)
	now := time.Now()
	set := loadSet(t, `boards:
  - id: all
    time_zone: UTC
    tiles: [calls_waiting, sla_call, handled_today, abandoned_today, abandon_rate, agents_by_state, queue_table]
`, nil)
	ls := startLive(t, "127.0.0.1:0", newFlakyStore(), Options{Boards: fixedSet(set)})
	st := fixture(now, 20, 4)
	n := func(v int) *int { return &v }
	aht := 185.0
	opens := now.Add(3 * time.Hour).UTC().Truncate(time.Minute)
	for i := range st.Queues {
		q := &st.Queues[i]
		q.Channel = "call"
		q.SLAPercent = ptr(90.0)
		q.Answered, q.Abandoned, q.AverageHandleSeconds = n(30), n(0), &aht
	}
	st.Queues[0].Abandoned = n(40) // 40 of 160: 25%
	st.Queues[3].Closed, st.Queues[3].OpensAt = true, &opens
	mustPut(t, ls.store, st)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1920, 1080)); err != nil {
		t.Fatal(err)
	}
	openWall(t, ctx, ls)
	type dayView struct {
		Handled, Abandoned, Rate, SLATitle string
		Closed                             []string
		Rates, AHTs                        []string
		Tiles                              []string
		Scroll                             bool
	}
	const js = `(() => {
		const inView = e => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0 && r.left >= -0.5 && r.top >= -0.5 && r.right <= innerWidth + 0.5 && r.bottom <= innerHeight + 0.5; };
		const v = id => (document.querySelector('#' + id + ' .tile-value') || {}).textContent || '';
		return {
			Handled: v('t-handled'), Abandoned: v('t-abandoned'), Rate: v('t-abandon-rate'),
			SLATitle: (document.querySelector('#t-sla-call .tile-value') || {}).title || '',
			Closed: [...document.querySelectorAll('.q-row .q-closed')].filter(inView).map(e => e.textContent.trim()),
			Rates: [...document.querySelectorAll('.q-row .q-abandon-rate')].filter(inView).map(e => e.textContent.trim()),
			AHTs: [...document.querySelectorAll('.q-row .q-aht')].filter(inView).map(e => e.textContent.trim()),
			Tiles: [...document.querySelectorAll('[data-tile]')].filter(inView).map(e => e.dataset.tile),
			Scroll: document.documentElement.scrollWidth > innerWidth || document.documentElement.scrollHeight > innerHeight,
		};
	})()`
	v := eval[dayView](t, ctx, js)
	shotAt(t, ctx, "wall-day-counts-1920x1080.png", 1920, 1080)
	if v.Handled != "120" || v.Abandoned != "40" || v.Rate != "25%" {
		t.Errorf("tiles handled %q abandoned %q rate %q; want 120, 40, 25%%", v.Handled, v.Abandoned, v.Rate)
	}
	if !strings.Contains(v.SLATitle, "weighted") {
		t.Errorf("SLA tooltip %q", v.SLATitle)
	}
	want := "closed · opens " + opens.Format("15:04")
	if len(v.Closed) != 1 || v.Closed[0] != want {
		t.Errorf("closed badges %q, want [%q]", v.Closed, want)
	}
	if !strings.Contains(strings.Join(v.Rates, " "), "57%") || len(v.AHTs) == 0 || v.AHTs[0] != "3:05" {
		t.Errorf("queue rows: abandon rates %q, handle times %q", v.Rates, v.AHTs)
	}
	for _, tile := range []string{"handled_today", "abandoned_today", "abandon_rate", "queue_table"} {
		if !strings.Contains(strings.Join(v.Tiles, " "), tile) {
			t.Errorf("tile %s not inside the screen: %v", tile, v.Tiles)
		}
	}
	if v.Scroll {
		t.Error("the wall scrolls")
	}

	// New counts arrive live.
	st.Queues[1].Answered = n(31)
	mustPut(t, ls.store, st)
	waitJS(t, ctx, `document.querySelector('#t-handled .tile-value').textContent === '121'`, 5*time.Second)
}
