package server

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/wallboard/wallboard/internal/browsertest"
	"github.com/wallboard/wallboard/model"
)

// intranetPage is a page of another origin that frames tiles of board team
// and sizes each iframe from the tile's height message, as the package doc
// shows. It records every message in window.msgs, CSP violations reported
// by the frames in window.csp, and iframe load events in window.loads.
func intranetPage(embedBase, token string, tiles []string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var frames strings.Builder
		for _, tile := range tiles {
			fmt.Fprintf(&frames, "<iframe id=%q src=%q title=%q></iframe>\n", "f-"+tile, embedBase+"/embed/team/"+tile+"?token="+token, tile)
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><html><head><title>Intranet</title>
<style>body { margin: 0; padding: 12px; background: #dfe5ec; font-family: sans-serif; }
iframe { display: block; border: 0; width: 640px; height: 40px; margin: 0 0 10px; }</style>
<script>
window.msgs = []; window.csp = []; window.loads = 0;
addEventListener("message", (e) => {
  const d = e.data || {};
  if (d.type === "csp") { window.csp.push(d.violation); return; }
  if (d.type !== "wallboard:height") return;
  window.msgs.push({origin: e.origin, board: d.board, tile: d.tile, height: d.height});
  for (const f of document.querySelectorAll("iframe"))
    if (f.contentWindow === e.source) f.style.height = d.height + "px";
});
</script></head><body><h1>Intranet</h1>
%s<script>for (const f of document.querySelectorAll("iframe")) f.addEventListener("load", () => window.loads++);</script>
</body></html>`, frames.String())
	})
}

// forwardCSP makes every document of the tab record CSP violations in
// window.__csp and, inside a frame, post them to the parent as {type: "csp"}.
func forwardCSP(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
	_, err := cdp.Call(ctx, t, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{
		Source: `window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  const v = e.violatedDirective + " " + e.blockedURI;
  window.__csp.push(v);
  if (window !== window.top) window.parent.postMessage({type: "csp", violation: v}, "*");
});`,
	})
	return chromedp.Void{}, err
}

func enableLog(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
	_, err := cdp.Call(ctx, t, log.Enable, cdp.Empty{})
	return chromedp.Void{}, err
}

type heightMsg struct {
	Origin string `json:"origin"`
	Board  string `json:"board"`
	Tile   string `json:"tile"`
	Height int    `json:"height"`
}

// TestBrowserEmbedFraming frames tiles in a page of an allowed origin (they
// render, report their heights, and grow and shrink with the data), opens a tile
// directly with theme and transparency, and frames them from another origin
// (the browser refuses: no tile runs, chromium reports frame-ancestors).
//
// Both intranet pages are on 127.0.0.1 with other ports than the wallboard:
// other origins of the same site. Over plain http the display cookie is
// SameSite=Lax, which a frame of another site would not send (see RequireEmbed).
func TestBrowserEmbedFraming(t *testing.T) {
	allowedLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	otherLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	allowed := "http://" + allowedLn.Addr().String()
	other := "http://" + otherLn.Addr().String()

	f := embedConfig(t, allowed)
	g := embedGuard(t, f)
	es := startEmbedServer(t, f, g)
	now := time.Now()
	mustPut(t, es.store, embedFixture(now))
	token := g.IssueDisplayToken("team", "intranet-embed")
	embedTiles := []string{"calls_waiting", "agents_by_state", "queue_table"}
	for _, ln := range []net.Listener{allowedLn, otherLn} {
		srv := &http.Server{Handler: intranetPage(es.url, token, embedTiles)}
		go srv.Serve(ln)
		t.Cleanup(func() { srv.Close() })
	}

	ctx := browsertest.New(t, 1000, 900, 2*time.Minute)
	var mu sync.Mutex
	var console []string
	if err := chromedp.Listen(ctx, func(ev any) {
		if ev, ok := ev.(*log.EventEntryAdded); ok {
			mu.Lock()
			console = append(console, ev.Entry.Text)
			mu.Unlock()
		}
	}); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1000, 900), enableLog, forwardCSP); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	poll := func(js string, timeout time.Duration) error {
		_, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](js, chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(timeout)))
		return err
	}
	msgs := func() []heightMsg {
		t.Helper()
		m, err := chromedp.Run(ctx, chromedp.Evaluate[[]heightMsg](`window.msgs`))
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	lastHeight := func(ms []heightMsg, tile string) int {
		h := 0
		for _, m := range ms {
			if m.Tile == tile {
				h = m.Height
			}
		}
		return h
	}

	// 1. From the allowed origin every tile renders and reports its height.
	if err := chromedp.Do(ctx, chromedp.Navigate(allowed+"/")); err != nil {
		t.Fatal(err)
	}
	all := `["` + strings.Join(embedTiles, `","`) + `"].every(t => window.msgs.some(m => m.tile === t))`
	if err := poll(all, 10*time.Second); err != nil {
		mu.Lock()
		t.Fatalf("tiles framed by %s did not all report a height: %v; messages %+v; console %q", allowed, err, msgs(), console)
		mu.Unlock()
	}
	first := msgs()
	for _, m := range first {
		if m.Origin != es.url || m.Board != "team" || m.Height < 40 || m.Height > 1500 {
			t.Errorf("height message %+v: want origin %s, board team, a plausible height", m, es.url)
		}
	}
	// The listener sized each iframe; the figure tile is shorter than the table.
	sizes, err := chromedp.Run(ctx, chromedp.Evaluate[map[string]int](`Object.fromEntries([...document.querySelectorAll("iframe")].map(f => [f.title, f.getBoundingClientRect().height]))`))
	if err != nil {
		t.Fatal(err)
	}
	for _, tile := range embedTiles {
		if want := lastHeight(msgs(), tile); sizes[tile] != want {
			t.Errorf("iframe %s is %d px high, its last message said %d", tile, sizes[tile], want)
		}
	}
	if sizes["calls_waiting"] >= sizes["queue_table"] {
		t.Errorf("heights %v: the queue table should be taller than one figure", sizes)
	}

	// 2. A live update that adds queues makes the table taller, and the tile
	// says so.
	before := lastHeight(msgs(), "queue_table")
	st := embedFixture(now)
	for i := range 10 {
		st.Queues = append(st.Queues, model.Queue{Source: "ujet", ID: fmt.Sprint(100 + i), Name: fmt.Sprintf("Claims / Region %d", i), Lang: "en", Channel: "call"})
	}
	mustPut(t, es.store, st)
	if err := poll(fmt.Sprintf(`window.msgs.some(m => m.tile === "queue_table" && m.height > %d)`, before+150), 10*time.Second); err != nil {
		t.Fatalf("queue table did not report a taller height after 10 queues were added (was %d): %v; messages %+v", before, err, msgs())
	}
	if err := poll(fmt.Sprintf(`document.getElementById("f-queue_table").getBoundingClientRect().height > %d`, before+150), 3*time.Second); err != nil {
		t.Errorf("the intranet page did not resize the iframe: %v", err)
	}
	// And shrinks again when they go: the height is the content's, not the frame's.
	grown := lastHeight(msgs(), "queue_table")
	mustPut(t, es.store, embedFixture(now))
	if err := poll(fmt.Sprintf(`document.getElementById("f-queue_table").getBoundingClientRect().height < %d`, grown-150), 10*time.Second); err != nil {
		t.Errorf("queue table iframe did not shrink after the queues went (was %d): %v; messages %+v", grown, err, msgs())
	}
	csp, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`window.csp`))
	if err != nil {
		t.Fatal(err)
	}
	if len(csp) > 0 {
		t.Errorf("CSP violations inside the tiles: %q", csp)
	}
	screenshot(t, ctx, "embed-allowed-origin.png")

	// 3. Opened directly (the display cookie from the frames suffices): the
	// theme and transparency parameters apply.
	type look struct {
		Class, BG, TileBG, Value string
		CSP                      []string
	}
	for _, tc := range []struct {
		query, class, bg, shot string
	}{
		{"?theme=high_contrast", "embed theme-high_contrast", "rgb(0, 0, 0)", "embed-sla-high-contrast.png"},
		{"?theme=light&transparent=1", "embed theme-light transparent", "rgba(0, 0, 0, 0)", ""},
	} {
		if err := chromedp.Do(ctx, chromedp.Navigate(es.url+"/embed/team/sla_call"+tc.query)); err != nil {
			t.Fatal(err)
		}
		if err := poll(`window.htmx && document.getElementById("wb-conn").getAttribute("data-state") === "open"`, 5*time.Second); err != nil {
			t.Errorf("%s: websocket did not open: %v", tc.query, err)
		}
		l, err := chromedp.Run(ctx, chromedp.Evaluate[look](`({Class: document.documentElement.className,
			BG: getComputedStyle(document.body).backgroundColor,
			TileBG: getComputedStyle(document.getElementById("wb-embed")).backgroundColor,
			Value: document.querySelector(".e-value").textContent, CSP: window.__csp})`))
		if err != nil {
			t.Fatal(err)
		}
		if l.Class != tc.class || l.BG != tc.bg || l.Value != "70%" || len(l.CSP) > 0 {
			t.Errorf("%s: html class %q, background %q, value %q, CSP violations %q; want %q, %q, 70%%, none", tc.query, l.Class, l.BG, l.Value, l.CSP, tc.class, tc.bg)
		}
		if strings.Contains(tc.query, "transparent") && l.TileBG != "rgba(0, 0, 0, 0)" {
			t.Errorf("%s: the tile paints a background %q", tc.query, l.TileBG)
		}
		if tc.shot != "" {
			screenshot(t, ctx, tc.shot)
		}
	}

	// 4. From another origin the browser refuses to frame the tiles: the
	// iframes finish loading (an error page) and no tile ever runs.
	mu.Lock()
	console = nil
	mu.Unlock()
	if err := chromedp.Do(ctx, chromedp.Navigate(other+"/")); err != nil {
		t.Fatal(err)
	}
	if err := poll(fmt.Sprintf(`window.loads >= %d`, len(embedTiles)), 10*time.Second); err != nil {
		t.Fatalf("iframes in %s never finished loading: %v", other, err)
	}
	time.Sleep(2 * time.Second) // a framed tile posts its height at once; give it ample time
	if got := msgs(); len(got) != 0 {
		t.Errorf("tiles ran inside %s: %+v", other, got)
	}
	screenshot(t, ctx, "embed-refused-origin.png")
	mu.Lock()
	defer mu.Unlock()
	refused := 0
	for _, m := range console {
		if strings.Contains(m, "frame-ancestors") && strings.Contains(m, allowed) {
			refused++
		}
	}
	if refused < len(embedTiles) {
		t.Errorf("chromium reported %d frame-ancestors refusals naming %s, want %d; console: %q", refused, allowed, len(embedTiles), console)
	}
}
