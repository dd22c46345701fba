// Command wallsoak leaves a TV wall open in headless Chromium against a
// fast-forwarded demo and checks that the page does not grow: it prints the
// JavaScript heap (after forced garbage collections, the smallest seen over
// --window) and the DOM node count at the start and at the end, and exits 1
// when the heap grew by more than --max-growth. It also prints the script
// time of each live update (from the message's arrival to the patch or
// render applied, and to the end of the page's handling of it: layout and
// timers too), p50, p99 and max, over the updates after -settle; and, from
// Chromium's own counters over the same time, the page's main-thread time
// per live update: script, style, layout and all tasks (painting and the
// clock's ticking included).
//
//	go run ./cmd/wallsoak                     # 30 minutes, demo at 20× speed
//	go run ./cmd/wallsoak -duration 2m        # a quick look
//	go run ./cmd/wallsoak -url http://wall.example.com/boards/all?token=…
//
// Without -url it builds and starts the wallboard demo itself on loopback.
package main

import (
	"context"
	"flag"
	"fmt"
	"math"
	"os"
	"os/signal"
	"slices"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/heapprofiler"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/performance"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/wallboard/wallboard/internal/demo"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "wallsoak:", err)
		os.Exit(1)
	}
}

func run() error {
	url := flag.String("url", "", "wall to open; empty: start the demo")
	duration := flag.Duration("duration", 30*time.Minute, "how long the wall stays open")
	speed := flag.Float64("speed", 20, "demo simulator speed (without -url)")
	every := flag.Duration("every", 5*time.Minute, "print a sample this often")
	maxGrowth := flag.Float64("max-growth", 0.10, "largest heap growth accepted, as a fraction")
	settle := flag.Duration("settle", 3*time.Minute, "how long the page runs before the first figure: sockets open, code compiled, caches warm")
	window := flag.Duration("window", 20*time.Second, "each figure is the smallest heap seen over this long, read every second: live updates keep garbage in flight")
	chromium := flag.String("chromium", "/usr/bin/chromium", "Chromium binary")
	width := flag.Int("width", 1920, "screen width in CSS pixels (3840 for a 4K wall)")
	height := flag.Int("height", 1080, "screen height in CSS pixels")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()

	if *url == "" {
		d, err := demo.Start(ctx, *speed)
		if err != nil {
			return err
		}
		defer d.Stop()
		*url = d.URL + "/boards/all"
	}

	ctx, cancel := chromedp.NewContext(ctx, chromedp.WithAllocatorOptions(
		chromedp.ExecPath(*chromium), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.WindowSize(*width, *height),
	))
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(int64(*width), int64(*height)), recordUpdateCost, chromedp.Navigate(*url)); err != nil {
		return fmt.Errorf("open %s: %w", *url, err)
	}
	// Let the page settle before the first figure: sockets open, first
	// updates morphed in, the engine's compiled code and caches warm. (In
	// its first minutes the heap grows by about a fifth for that reason.)
	time.Sleep(*settle)
	start, err := measureOver(ctx, *window)
	if err != nil {
		return err
	}
	fmt.Printf("start   heap %7.2f MB  DOM nodes %5d\n", start.heapMB, start.nodes)
	// Live updates count from here: the connect's full render and the
	// first updates, while the engine compiles the code, are the settling.
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.__wbCost.length = 0; window.__wbApply.length = 0; true`)); err != nil {
		return fmt.Errorf("reset the update figures: %w", err)
	}
	before, err := threadTime(ctx)
	if err != nil {
		return err
	}
	began := time.Now()
	tick := time.NewTicker(*every)
	defer tick.Stop()
	end := time.After(*duration)
loop:
	for {
		select {
		case <-tick.C:
			m, err := measure(ctx)
			if err != nil {
				return err
			}
			fmt.Printf("%-7s heap %7.2f MB  DOM nodes %5d\n", time.Since(began).Round(time.Second), m.heapMB, m.nodes)
		case <-end:
			break loop
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	after, err := threadTime(ctx)
	if err != nil {
		return err
	}
	elapsed := time.Since(began)
	last, err := measureOver(ctx, *window)
	if err != nil {
		return err
	}
	growth := last.heapMB/start.heapMB - 1
	fmt.Printf("end     heap %7.2f MB  DOM nodes %5d\n", last.heapMB, last.nodes)
	fmt.Printf("after %v: heap %.2f MB → %.2f MB (%+.1f%%), DOM nodes %d → %d\n",
		time.Since(began).Round(time.Second), start.heapMB, last.heapMB, growth*100, start.nodes, last.nodes)
	for _, m := range []struct{ what, js string }{
		{"applying the message", `window.__wbApply || []`},
		{"with layout and timers", `window.__wbCost || []`},
	} {
		if cost, err := chromedp.Run(ctx, chromedp.Evaluate[[]float64](m.js)); err == nil && len(cost) > 0 {
			slices.Sort(cost)
			fmt.Printf("updates %d, script %s: p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f ms\n",
				len(cost), m.what, cost[len(cost)/2], cost[len(cost)*9/10], cost[min(len(cost)-1, len(cost)*99/100)], cost[len(cost)-1])
		}
	}
	if n := after.updates - before.updates; n > 0 {
		per := func(v float64) float64 { return v * 1000 / float64(n) }
		fmt.Printf("main thread over %v, %d updates (%.2f/s), per update: script %.2f ms, style %.2f ms, layout %.2f ms, all tasks %.2f ms\n",
			elapsed.Round(time.Second), n, float64(n)/elapsed.Seconds(),
			per(after.script-before.script), per(after.style-before.style), per(after.layout-before.layout), per(after.task-before.task))
	}
	if growth > *maxGrowth {
		return fmt.Errorf("the heap grew %.1f%%, more than %.0f%%", growth*100, *maxGrowth*100)
	}
	return nil
}

// thread is Chromium's running totals of the page's main-thread time (s)
// and the live updates handled so far.
type thread struct {
	script, style, layout, task float64
	updates                     int
}

func threadTime(ctx context.Context) (thread, error) {
	if _, err := chromedp.Call(ctx, performance.Enable, performance.EnableParams{}); err != nil {
		return thread{}, fmt.Errorf("performance metrics: %w", err)
	}
	res, err := chromedp.Call(ctx, performance.GetMetrics, cdp.Empty{})
	if err != nil {
		return thread{}, fmt.Errorf("performance metrics: %w", err)
	}
	var t thread
	for _, m := range res.Metrics {
		switch m.Name {
		case "ScriptDuration":
			t.script = m.Value
		case "RecalcStyleDuration":
			t.style = m.Value
		case "LayoutDuration":
			t.layout = m.Value
		case "TaskDuration":
			t.task = m.Value
		}
	}
	t.updates, err = chromedp.Run(ctx, chromedp.Evaluate[int](`(window.__wbCost || []).length`))
	if err != nil {
		return thread{}, fmt.Errorf("count updates: %w", err)
	}
	return t, nil
}

type sample struct {
	heapMB float64
	nodes  int
}

// measureOver measures every second for window and keeps the smallest heap
// and the DOM size of the last reading.
func measureOver(ctx context.Context, window time.Duration) (sample, error) {
	best := sample{heapMB: math.Inf(1)}
	for end := time.Now().Add(window); ; {
		m, err := measure(ctx)
		if err != nil {
			return sample{}, err
		}
		best = sample{heapMB: min(best.heapMB, m.heapMB), nodes: m.nodes}
		if time.Now().After(end) {
			return best, nil
		}
		select {
		case <-ctx.Done():
			return sample{}, ctx.Err()
		case <-time.After(time.Second):
		}
	}
}

// measure forces garbage collections and reads the heap and the DOM size.
// It keeps the smallest of three heaps: a collection that overlaps a live
// update's work leaves that work's garbage behind.
func measure(ctx context.Context) (sample, error) {
	heap := math.Inf(1)
	for range 3 {
		if _, err := chromedp.Call(ctx, heapprofiler.CollectGarbage, cdp.Empty{}); err != nil {
			return sample{}, fmt.Errorf("collect garbage: %w", err)
		}
		h, err := chromedp.Call(ctx, runtime.GetHeapUsage, cdp.Empty{})
		if err != nil {
			return sample{}, fmt.Errorf("heap usage: %w", err)
		}
		heap = min(heap, h.UsedSize)
		time.Sleep(200 * time.Millisecond)
	}
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.getElementsByTagName('*').length`))
	if err != nil {
		return sample{}, fmt.Errorf("count DOM nodes: %w", err)
	}
	return sample{heapMB: heap / (1 << 20), nodes: n}, nil
}

// recordUpdateCost makes the page record, for every websocket message, the
// time from its arrival to the end of its handling, in window.__wbCost
// (ms). The listeners are the page's first (capture, on window) and last
// (bubble, on window) for these events.
func recordUpdateCost(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
	_, err := cdp.Call(ctx, t, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{
		Source: `window.__wbCost = []; window.__wbApply = []; let wbT0 = 0;
window.addEventListener('htmx:wsBeforeMessage', () => { wbT0 = performance.now(); }, true);
window.addEventListener('htmx:wsAfterMessage', () => { if (wbT0) { window.__wbApply.push(performance.now() - wbT0); } }, true);
window.addEventListener('htmx:wsAfterMessage', () => { if (wbT0) { window.__wbCost.push(performance.now() - wbT0); wbT0 = 0; } });`,
	})
	return chromedp.Void{}, err
}
