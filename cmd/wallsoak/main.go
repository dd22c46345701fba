// Command wallsoak leaves a TV wall open in headless Chromium against a
// fast-forwarded demo and checks that the page does not grow: it prints the
// JavaScript heap (after forced garbage collections, the smallest seen over
// --window) and the DOM node count at the start and at the end, and exits 1
// when the heap grew by more than --max-growth.
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
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/heapprofiler"
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
		chromedp.Flag("disable-sync", true), chromedp.WindowSize(1920, 1080),
	))
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1920, 1080), chromedp.Navigate(*url)); err != nil {
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
	last, err := measureOver(ctx, *window)
	if err != nil {
		return err
	}
	growth := last.heapMB/start.heapMB - 1
	fmt.Printf("end     heap %7.2f MB  DOM nodes %5d\n", last.heapMB, last.nodes)
	fmt.Printf("after %v: heap %.2f MB → %.2f MB (%+.1f%%), DOM nodes %d → %d\n",
		time.Since(began).Round(time.Second), start.heapMB, last.heapMB, growth*100, start.nodes, last.nodes)
	if growth > *maxGrowth {
		return fmt.Errorf("the heap grew %.1f%%, more than %.0f%%", growth*100, *maxGrowth*100)
	}
	return nil
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
