package server

import (
	"math"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/heapprofiler"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/wallboard/wallboard/config"
	"github.com/wallboard/wallboard/model"
)

// The wall runs for days: under a stream of updates and page rotations its
// JS heap (after garbage collection) and its DOM stay the same size. The
// default run is short (1.5 s) and judges what a short run on a busy machine
// can: the DOM exactly, every update shown, and the heap only against gross
// leaks (1 MB of slack: a wall that kept each message's render would grow by
// several MB; collector noise on a loaded box is a few hundred KB).
// WALLBOARD_SOAK=30m runs the long check with the strict 10% limit:
//
//	WALLBOARD_SOAK=30m go test ./server -run TestBrowserWallHeapSoak -v -timeout 40m
//
// Each heap figure is the floor of five collections, taken once the wall
// has shown the settling update (a signal, not a pause).
func TestBrowserWallHeapSoak(t *testing.T) {
	run, slack := 1500*time.Millisecond, 1024*1024.0 // a short run: judge gross leaks only
	if v := os.Getenv("WALLBOARD_SOAK"); v != "" {
		slack = 0
		d, err := time.ParseDuration(v)
		if err != nil {
			t.Fatalf("WALLBOARD_SOAK: %v", err)
		}
		run = d
	}
	// The deadline is a safety net for a hung browser, not a judgement:
	// a loaded machine may take minutes over the warm-up and collections.
	ctx := browserFor(t, run+4*time.Minute)
	set := loadSet(t, "boards:\n  - id: all\n", func(f *config.File) { f.Boards[0].Rotate = time.Second })
	ls := startLive(t, "127.0.0.1:0", newFlakyStore(), Options{Boards: fixedSet(set)})
	now := time.Now()
	initial := fixture(now, 150, 40)
	st := fixture(now, 150, 40)
	mustPut(t, ls.store, initial)
	openWall(t, ctx, ls)

	update := func(i int) {
		st.Queues[i%len(st.Queues)].Waiting = i % 7
		a := &st.Agents[i%len(st.Agents)]
		a.State, a.Status = []model.State{model.StateAvailable, model.StateBusy, model.StateAway}[i%3], []string{"Available", "In-call", "Break"}[i%3]
		a.Since = ptr(time.Now())
		st.UpdatedAt = time.Now() // current data: never marked stale by age
		mustPut(t, ls.store, st)
	}
	type usage struct {
		heap  float64
		nodes int
	}
	// measure takes the smallest of five collected heaps: a collection
	// that overlaps a message's work leaves that work's garbage behind.
	measure := func() usage {
		u := usage{heap: math.Inf(1)}
		for range 5 {
			if _, err := chromedp.Call(ctx, heapprofiler.CollectGarbage, cdp.Empty{}); err != nil {
				t.Fatal(err)
			}
			h, err := chromedp.Call(ctx, runtime.GetHeapUsage, cdp.Empty{})
			if err != nil {
				t.Fatal(err)
			}
			u.heap = min(u.heap, h.UsedSize)
		}
		// Threshold marks come and go as waits grow; count everything else.
		u.nodes = eval[int](t, ctx, `document.querySelectorAll('*:not(.lvl-text, .lvl-text *, .q-icon, .q-reason)').length`)
		return u
	}
	// settle shows the initial data again, so both measurements see the
	// same wall.
	settle := func() {
		before := eval[int](t, ctx, `window.__wbMsgs`)
		initial.Version = 0
		initial.UpdatedAt = time.Now()
		mustPut(t, ls.store, initial)
		waitJS(t, ctx, `window.__wbMsgs > `+strconv.Itoa(before), 20*time.Second)
		// Updates have stopped, so the last message to arrive shows the
		// initial data: wait until none has come for a moment.
		for n, deadline := -1, time.Now().Add(20*time.Second); time.Now().Before(deadline); {
			m := eval[int](t, ctx, `window.__wbMsgs`)
			if m == n {
				break
			}
			n = m
			time.Sleep(300 * time.Millisecond)
		}
	}
	// Warm up (JIT, caches), then measure before and after the run.
	for i := range 30 {
		update(i)
		time.Sleep(40 * time.Millisecond)
	}
	settle()
	start := measure()
	msgs := eval[int](t, ctx, `window.__wbMsgs`)
	i := 0
	for deadline := time.Now().Add(run); time.Now().Before(deadline); i++ {
		update(i)
		time.Sleep(100 * time.Millisecond) // ten changes a second: a busy contact center
		if os.Getenv("WB_TRACE") != "" && i%50 == 49 {
			m := measure()
			t.Logf("after %d updates: %.0f KB, %d nodes", i+1, m.heap/1024, m.nodes)
		}
	}
	settle()
	end := measure()
	got := eval[int](t, ctx, `window.__wbMsgs`) - msgs
	t.Logf("JS heap after GC: %.0f KB at start, %.0f KB after %s (%d updates, %d messages); DOM nodes %d → %d",
		start.heap/1024, end.heap/1024, run, i, got, start.nodes, end.nodes)
	if got < i/4 {
		t.Errorf("only %d messages for %d updates: the wall did not keep up", got, i)
	}
	if end.heap > start.heap*1.10+slack {
		t.Errorf("JS heap grew from %.0f KB to %.0f KB (more than 10%% + %.0f KB)", start.heap/1024, end.heap/1024, slack/1024)
	}
	if end.nodes != start.nodes {
		t.Errorf("DOM grew from %d to %d nodes", start.nodes, end.nodes)
	}
}
