package server

import (
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// The supervisor's Answered and Abandoned columns sort numerically, largest
// first on the first click, with queues the vendor gives no count for last
// either way.
func TestBrowserSupervisorSortsByDayCounts(t *testing.T) {
	ctx := svBrowser(t)
	ls := startLive(t, "127.0.0.1:0", newFlakyStore(), Options{RetryInterval: 200 * time.Millisecond})
	st := supervisorFixture(time.Now())
	for i := range st.Queues {
		if i%3 != 2 {
			st.Queues[i].Answered = ptr((i*37 + 5) % 120) // 5, 42, 79, 116, 33, …: not in name order, some > 100
			st.Queues[i].Abandoned = ptr(i % 4)
		}
	}
	mustPut(t, ls.store, st)
	openSupervisor(t, ctx, ls, "/boards/all/supervisor")

	keys := visibleRows("sv-queues") + `.map(r => r.dataset.kAnswered)`
	sorted := func(desc bool) bool {
		k := eval[[]string](t, ctx, keys)
		seenEmpty := false
		prev := -1
		for _, v := range k {
			if v == "" {
				seenEmpty = true
				continue
			}
			if seenEmpty {
				return false // a count after an unknown one
			}
			n, err := strconv.Atoi(v)
			if err != nil {
				return false
			}
			if prev >= 0 && ((desc && n > prev) || (!desc && n < prev)) {
				return false
			}
			prev = n
		}
		return seenEmpty && prev >= 0
	}
	if _, err := chromedp.Run(ctx, chromedp.Click(`#sv-queues button[data-col="answered"]`)); err != nil {
		t.Fatal(err)
	}
	waitJS(t, ctx, `new URLSearchParams(location.search).get('qsort') === '-answered'`, 3*time.Second)
	if !sorted(true) {
		t.Errorf("not sorted by answered, largest first: %v", eval[[]string](t, ctx, keys))
	}
	if _, err := chromedp.Run(ctx, chromedp.Click(`#sv-queues button[data-col="answered"]`)); err != nil {
		t.Fatal(err)
	}
	waitJS(t, ctx, `new URLSearchParams(location.search).get('qsort') === 'answered'`, 3*time.Second)
	if !sorted(false) {
		t.Errorf("not sorted by answered, smallest first: %v", eval[[]string](t, ctx, keys))
	}
	// The server sorts the same way for a page opened with the sort in its URL.
	openSupervisor(t, ctx, ls, "/boards/all/supervisor?qsort=-answered")
	if !sorted(true) {
		t.Errorf("server order for qsort=-answered: %v", eval[[]string](t, ctx, keys))
	}
}
