package access

import (
	"context"
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
)

// framingPage is a page of another site that frames the embed and records
// the message the embed's script posts to its parent.
func framingPage(embedURL string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte(`<!doctype html><title>intranet</title>
<script>
window.got = null; window.loads = 0;
addEventListener('message', e => { window.got = e.origin + ' ' + e.data.tile; });
</script>
<iframe id="f" src="` + embedURL + `" width="400" height="200"></iframe>
<script>document.getElementById('f').addEventListener('load', () => window.loads++);</script>`))
	})
}

func serveOn(t *testing.T, ln net.Listener, h http.Handler) {
	srv := &http.Server{Handler: h}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
}

func TestBrowserFraming(t *testing.T) {
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

	cfg := baseConfig(t)
	cfg.AllowedFrameOrigins = []string{allowed}
	e := newEnv(t, cfg)
	embed := e.url("/embed/A/queues?token=" + e.g.IssueDisplayToken("A", "intranet-embed"))
	serveOn(t, allowedLn, framingPage(embed))
	serveOn(t, otherLn, framingPage(embed))

	ctx := browsertest.New(t, 1280, 800, 2*time.Minute)

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
	enableLog := func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		_, err := cdp.Call(ctx, t, log.Enable, cdp.Empty{})
		return chromedp.Void{}, err
	}
	if err := chromedp.Do(ctx, enableLog); err != nil {
		t.Fatalf("start chromium: %v", err)
	}

	// From the allowed origin the tile renders and its script talks to the
	// parent.
	if err := chromedp.Do(ctx, chromedp.Navigate(allowed+"/")); err != nil {
		t.Fatal(err)
	}
	got, err := chromedp.Run(ctx, chromedp.Poll[string](`window.got`, chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(10*time.Second)))
	if err != nil {
		t.Fatalf("embed in %s did not render: %v (console: %q)", allowed, err, console)
	}
	if want := "http://" + e.addr + " tile queues"; got != want {
		t.Fatalf("embed in %s posted %q, want %q", allowed, got, want)
	}

	shot(t, ctx, "access-embed-allowed-origin.png")

	// From another origin the browser refuses to frame it: the iframe
	// finishes loading (an error page) and the tile never runs.
	if err := chromedp.Do(ctx, chromedp.Navigate(other+"/")); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`window.loads > 0`, chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(10*time.Second))); err != nil {
		t.Fatalf("iframe in %s never finished loading: %v", other, err)
	}
	time.Sleep(300 * time.Millisecond) // a framed tile would have posted by now
	got, err = chromedp.Run(ctx, chromedp.Evaluate[string](`String(window.got)`))
	if err != nil {
		t.Fatal(err)
	}
	if got != "null" {
		t.Fatalf("embed rendered inside %s: %q", other, got)
	}
	shot(t, ctx, "access-embed-refused-origin.png")
	mu.Lock()
	defer mu.Unlock()
	refused := false
	for _, m := range console {
		if strings.Contains(m, "frame-ancestors") && strings.Contains(m, "blocked") {
			refused = true
		}
	}
	if !refused {
		t.Errorf("chromium did not report a frame-ancestors refusal; console: %q", console)
	}
}

// TestBrowserAccessPages checks that the login form and the display-link
// page are styled (their inline style passes the CSP by its hash, without
// 'unsafe-inline') and raise no CSP violation.
func TestBrowserAccessPages(t *testing.T) {
	e := newEnv(t, baseConfig(t))
	ctx := browsertest.New(t, 1280, 800, 2*time.Minute)
	recordViolations := func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		_, err := cdp.Call(ctx, t, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{
			Source: `window.__csp = []; document.addEventListener('securitypolicyviolation', e => window.__csp.push(e.violatedDirective));`,
		})
		return chromedp.Void{}, err
	}
	if err := chromedp.Do(ctx, recordViolations); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	for _, tc := range []struct{ url, shot, text string }{
		{e.url("/boards/A/supervisor"), "access-login.png", "Sign in to Wallboard"},
		{e.url("/boards/A"), "access-needs-display-link.png", "This screen needs a display link"},
	} {
		if err := chromedp.Do(ctx, chromedp.Navigate(tc.url)); err != nil {
			t.Fatal(err)
		}
		type look struct {
			H1, BG string
			CSP    []string
		}
		l, err := chromedp.Run(ctx, chromedp.Evaluate[look](`({H1: document.querySelector('h1').textContent,
			BG: getComputedStyle(document.body).backgroundColor, CSP: window.__csp})`))
		if err != nil {
			t.Fatal(err)
		}
		if l.H1 != tc.text || l.BG != "rgb(15, 20, 25)" || len(l.CSP) != 0 {
			t.Errorf("%s: heading %q, background %q (dark theme styled?), CSP violations %q", tc.url, l.H1, l.BG, l.CSP)
		}
		if tc.shot == "access-login.png" {
			// autofocus applies after the page has loaded.
			if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.activeElement && document.activeElement.id === 'username'`,
				chromedp.WithPollingInterval(20*time.Millisecond), chromedp.WithPollingTimeout(3*time.Second))); err != nil {
				t.Errorf("login form: focus not on the user name field: %v", err)
			}
		}
		shot(t, ctx, tc.shot)
	}
}

// shot saves a screenshot to testdata/artifacts (kept by CI, ignored by git).
func shot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatal(err)
	}
	browsertest.Artifact(t, name, png)
}
