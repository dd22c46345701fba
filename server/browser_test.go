package server

import (
	"context"
	"errors"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/wallboard/wallboard/internal/browsertest"
	"github.com/wallboard/wallboard/model"
)

// Browser tests drive Debian's chromium headless (package browsertest)
// against a real server on loopback.

// browser starts a headless chromium for the test and returns a tab context.
func browser(t *testing.T) context.Context {
	t.Helper()
	return browserFor(t, 2*time.Minute)
}

// browserFor is browser for a test that runs for up to limit.
func browserFor(t *testing.T, limit time.Duration) context.Context {
	t.Helper()
	return browsertest.New(t, 1920, 1080, limit)
}

// screenshot captures the page and keeps it in testdata/artifacts.
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatal(err)
	}
	browsertest.Artifact(t, name, png)
}

// liveServer is a Server on a fixed loopback port that can be stopped and
// started again on the same port, as a deploy or crash does.
type liveServer struct {
	t     *testing.T
	addr  string
	store *flakyStore
	srv   *http.Server
	stop  context.CancelFunc
	wg    sync.WaitGroup
}

func startLive(t *testing.T, addr string, store *flakyStore, o Options) *liveServer {
	t.Helper()
	var ln net.Listener
	var err error
	for deadline := time.Now().Add(5 * time.Second); ; {
		if ln, err = net.Listen("tcp", addr); err == nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("listen %s: %v", addr, err)
	}
	o.Store = store
	if o.ReconnectWithin == 0 {
		o.ReconnectWithin = 300 * time.Millisecond // screens come back quickly after a test's restart
	}
	if o.Version == "" {
		o.Version = "browser-test"
	}
	s := New(o)
	ctx, cancel := context.WithCancel(context.Background())
	ls := &liveServer{t: t, addr: ln.Addr().String(), store: store, srv: &http.Server{Handler: s.Handler()}, stop: cancel}
	ls.wg.Go(func() {
		if err := ls.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("serve: %v", err)
		}
	})
	ls.wg.Go(func() {
		if err := s.Run(ctx); err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	t.Cleanup(ls.close)
	return ls
}

func (ls *liveServer) close() {
	ls.stop()
	ls.srv.Close()
	ls.wg.Wait()
}

func (ls *liveServer) url(p string) string { return "http://" + ls.addr + p }

func eval[T any](t *testing.T, ctx context.Context, js string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("evaluate %s: %v", js, err)
	}
	return v
}

// waitJS waits until js is truthy.
func waitJS(t *testing.T, ctx context.Context, js string, timeout time.Duration) {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](js, chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(timeout))); err != nil {
		t.Fatalf("waiting for %s: %v", js, err)
	}
}

const callsTile = `document.querySelector('#t-calls .tile-value').textContent`

// recordCSPViolations makes every page of the tab record Content Security
// Policy violations in window.__wbCSP, and count websocket messages in
// window.__wbMsgs, from before the page's own scripts run.
func recordCSPViolations(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
	_, err := cdp.Call(ctx, t, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{
		Source: `window.__wbCSP = []; document.addEventListener('securitypolicyviolation', e => window.__wbCSP.push(e.violatedDirective + ' ' + e.blockedURI));
window.__wbMsgs = 0; window.__wbLog = []; document.addEventListener('htmx:wsAfterMessage', e => { window.__wbMsgs++; { const m = String(e.detail && e.detail.message); window.__wbLog.push(m.slice(0, 60) + ' … ' + m.slice(-250)); } });
window.__wbOpens = 0; document.addEventListener('htmx:wsOpen', () => window.__wbOpens++);`,
	})
	return chromedp.Void{}, err
}

// openFixtureWall starts a live server with the fixture's nAgents agents
// and nQueues queues and opens its wall in a browser.
func openFixtureWall(t *testing.T, nAgents, nQueues int) (context.Context, *liveServer, model.SourceState) {
	t.Helper()
	ctx := browser(t)
	ls := startLive(t, "127.0.0.1:0", newFlakyStore(), Options{})
	st := fixture(time.Now(), nAgents, nQueues)
	mustPut(t, ls.store, st)
	openWall(t, ctx, ls)
	return ctx, ls, st
}

func openWall(t *testing.T, ctx context.Context, ls *liveServer) {
	t.Helper()
	openPage(t, ctx, ls, "/boards/all")
}

// openPage opens a wall page at path and waits until its websocket is open
// and the first render is in.
func openPage(t *testing.T, ctx context.Context, ls *liveServer, path string) {
	t.Helper()
	t.Cleanup(func() {
		if v, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`window.__wbCSP || []`)); err == nil && len(v) > 0 {
			t.Errorf("Content Security Policy violations: %q", v)
		}
	})
	if err := chromedp.Do(ctx, recordCSPViolations, chromedp.Navigate(ls.url(path))); err != nil {
		t.Fatalf("navigate: %v", err)
	}
	// Connected, and the full render sent on connect is in.
	waitJS(t, ctx, `document.getElementById('wb-conn').dataset.state === 'open' && window.__wbMsgs >= 1`, 10*time.Second)
	eval[bool](t, ctx, `window.__wbLoaded = true`)
}

func TestBrowserWallUpdatesLive(t *testing.T) {
	ctx, ls, st := openFixtureWall(t, 12, 6)
	if got := eval[string](t, ctx, callsTile); got != "2" {
		t.Fatalf("calls tile = %q, want 2", got)
	}

	// Morphing keeps the DOM nodes of what did not change.
	eval[bool](t, ctx, `window.__card = document.getElementById('a-ujet--1005'); !!window.__card`)

	st.Queues[0].Waiting = 17 // call queue: 17 + 2
	st.Agents[0].Name = "Zoë Updated"
	mustPut(t, ls.store, st)
	waitJS(t, ctx, callsTile+` === '19'`, 5*time.Second)
	waitJS(t, ctx, `[...document.querySelectorAll('.a-name')].some(e => e.textContent === 'Zoë Updated')`, 5*time.Second)
	if !eval[bool](t, ctx, `window.__wbLoaded === true`) {
		t.Fatal("the page reloaded")
	}
	if !eval[bool](t, ctx, `window.__card === document.getElementById('a-ujet--1005') && document.body.contains(window.__card)`) {
		t.Error("an unchanged agent card was replaced, not morphed")
	}
}

func TestBrowserTimersTickWithoutServerTraffic(t *testing.T) {
	ctx := browser(t)
	// The server's clock is 37 minutes behind the browser's: the wall must
	// count from server timestamps corrected by the offset.
	skew := -37 * time.Minute
	serverNow := func() time.Time { return time.Now().Add(skew) }
	ls := startLive(t, "127.0.0.1:0", newFlakyStore(), Options{Now: serverNow})
	st := fixture(serverNow(), 3, 2)
	st.Agents[0].Since = ptr(serverNow().Add(-90 * time.Second))
	mustPut(t, ls.store, st)
	openWall(t, ctx, ls)

	since := st.Agents[0].Since.UnixMilli()
	read := `[Date.now(), document.querySelector('[data-since="` + strconv.FormatInt(since, 10) + `"].a-time').textContent]`
	type reading struct {
		browserNow int64
		text       string
	}
	sample := func() reading {
		v := eval[[]any](t, ctx, read)
		return reading{int64(v[0].(float64)), v[1].(string)}
	}
	// What the wall should show at a browser time: server time (browser
	// time + skew) minus the timestamp, within the second the display
	// floors to plus scheduling delays on a busy machine.
	check := func(r reading) int {
		got := parseClock(t, r.text)
		want := float64(r.browserNow+skew.Milliseconds()-since) / 1000
		if float64(got) < want-2.5 || float64(got) > want+0.5 {
			t.Errorf("time in status %s at browser time %d, want about %.1fs", r.text, r.browserNow, want)
		}
		return got
	}
	msgs := eval[int](t, ctx, `window.__wbMsgs`)
	first := sample()
	a := check(first)
	time.Sleep(2200 * time.Millisecond)
	second := sample()
	b := check(second)
	if b <= a {
		t.Errorf("time in status did not tick: %s → %s", first.text, second.text)
	}
	if n := eval[int](t, ctx, `window.__wbMsgs`) - msgs; n != 0 {
		t.Errorf("%d websocket messages while ticking, want 0", n)
	}
	// The header clock shows the server's time.
	clock := eval[string](t, ctx, `document.querySelector('[data-clock]').textContent`)
	if want := serverNow().Format("15:04"); clock[:5] != want {
		t.Errorf("wall clock %s, want %s…", clock, want)
	}
}

func parseClock(t *testing.T, s string) int {
	t.Helper()
	m := regexp.MustCompile(`^(?:(\d+):)?(\d+):(\d\d)$`).FindStringSubmatch(s)
	if m == nil {
		t.Fatalf("not a duration: %q", s)
	}
	h, _ := strconv.Atoi(m[1])
	mi, _ := strconv.Atoi(m[2])
	se, _ := strconv.Atoi(m[3])
	return h*3600 + mi*60 + se
}

func TestBrowserWallRecoversAfterServerRestart(t *testing.T) {
	ctx, ls, st := openFixtureWall(t, 8, 4)
	if got := eval[string](t, ctx, callsTile); got != "2" {
		t.Fatalf("calls tile = %q", got)
	}

	addr := ls.addr
	ls.close()
	waitJS(t, ctx, `document.getElementById('wb-conn').dataset.state !== 'open'`, 5*time.Second)
	time.Sleep(1500 * time.Millisecond) // down for a while: reconnects fail

	st2 := newFlakyStore()
	st.Queues[0].Waiting = 30
	mustPut(t, st2, st)
	ls2 := startLive(t, addr, st2, Options{})
	waitJS(t, ctx, callsTile+` === '32'`, 15*time.Second)
	if !eval[bool](t, ctx, `window.__wbLoaded === true`) {
		t.Fatal("the page reloaded instead of resyncing")
	}
	waitJS(t, ctx, `document.getElementById('wb-conn').dataset.state === 'open'`, 5*time.Second)

	// A deploy with a new version: the wall reloads itself, for the new
	// page and assets.
	ls2.close()
	startLive(t, addr, st2, Options{Version: "browser-test-2"})
	deadline := time.Now().Add(15 * time.Second)
	for {
		// Evaluate fails while the page navigates: retry.
		v, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.__wbLoaded === undefined && document.getElementById('wb-sync').dataset.version === 'browser-test-2'`))
		if err == nil && v {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the wall did not reload for the new version (last error %v)", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	waitJS(t, ctx, callsTile+` === '32'`, 5*time.Second)
}

func TestBrowserScreenshotFitsFullHD(t *testing.T) {
	ctx := browser(t)
	now := time.Now()
	ls := startLive(t, "127.0.0.1:0", newFlakyStore(), Options{Demo: true, RetryInterval: 100 * time.Millisecond})
	st := fixture(now, 40, 12)
	mustPut(t, ls.store, st)
	connect := model.SourceState{Health: model.Health{Source: "connect", Kind: "connect", UpdatedAt: now.Add(-75 * time.Second), Error: "signalr: connection reset by peer"}}
	mustPut(t, ls.store, connect)
	openWall(t, ctx, ls)
	time.Sleep(300 * time.Millisecond) // one tick

	shot(t, ctx, "wall-1920x1080.png")
	// Every agent card is inside the window.
	if n := eval[int](t, ctx, `[...document.querySelectorAll('.agent')].filter(e => { const r = e.getBoundingClientRect(); return r.bottom <= innerHeight && r.right <= innerWidth && r.height > 40 }).length`); n != 40 {
		t.Errorf("%d of 40 agent cards fully visible", n)
	}

	// The store goes away: the wall keeps its data, marked stale.
	ls.store.down.Store(true)
	waitJS(t, ctx, `!!document.getElementById('wb-store-down') && document.querySelectorAll('.agent').length === 40`, 5*time.Second)
	shot(t, ctx, "wall-store-down-1920x1080.png")

	// A big contact center still fits: the grid scales down.
	ls.store.down.Store(false)
	mustPut(t, ls.store, fixture(now, 200, 50))
	waitJS(t, ctx, `document.querySelectorAll('.agent').length === 200 && !document.getElementById('wb-store-down')`, 5*time.Second)
	shot(t, ctx, "wall-200-agents-1920x1080.png")
}

// shot saves a screenshot to testdata/artifacts and checks for scrollbars
// in a 1920×1080 window.
func shot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	shotAt(t, ctx, name, 1920, 1080)
}

// shotAt saves a screenshot to testdata/artifacts and checks for scrollbars
// in a w×h window.
func shotAt(t *testing.T, ctx context.Context, name string, w, h int) {
	t.Helper()
	screenshot(t, ctx, name)
	type size struct{ SH, SW, IH, IW int }
	s := eval[size](t, ctx, `({SH: document.documentElement.scrollHeight, SW: document.documentElement.scrollWidth, IH: innerHeight, IW: innerWidth})`)
	if s.IW != w || s.IH != h {
		t.Errorf("%s: viewport %dx%d", name, s.IW, s.IH)
	}
	if s.SH > s.IH || s.SW > s.IW {
		t.Errorf("%s: scrollbars: content %dx%d in a %dx%d window", name, s.SW, s.SH, s.IW, s.IH)
	}
}
