package server

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wallboard/wallboard/access"
)

// HEAD on a page answers like GET without the body (monitors and link
// checkers use it).
func TestHeadOnPages(t *testing.T) {
	ts := startServer(t, Options{})
	mustPut(t, ts.store, fixture(time.Now(), 4, 2))
	for _, p := range []string{"/", "/boards/all", "/boards/all/supervisor", "/embed/all/queue_table", "/api/v1/boards/all", "/api/v1/status", "/healthz"} {
		req, _ := http.NewRequest(http.MethodHead, ts.http.URL+p, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("HEAD %s: %s", p, resp.Status)
		}
	}
}

// In the open demo an embed may be framed by pages on this computer (the
// tile page's own narrowing keeps them), and the page says so.
func TestOpenDemoEmbedFramableFromLoopback(t *testing.T) {
	ts := startServer(t, Options{Guard: newGuard(t, access.Config{Open: true})})
	mustPut(t, ts.store, fixture(time.Now(), 4, 2))
	code, body, hdr := get(t, ts.http.URL+"/embed/all/queue_table")
	csp := hdr.Get("Content-Security-Policy")
	if code != http.StatusOK || !strings.HasSuffix(csp, "frame-ancestors http://localhost:* http://127.0.0.1:* https://localhost:* https://127.0.0.1:*") {
		t.Fatalf("open embed: %d, CSP %q", code, csp)
	}
	if !strings.Contains(body, "framed only by pages on this computer") {
		t.Errorf("open embed page does not say where it may be framed")
	}
	if _, _, hdr := get(t, ts.http.URL+"/boards/all"); !strings.HasSuffix(hdr.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
		t.Errorf("open wall is framable: %q", hdr.Get("Content-Security-Policy"))
	}
}
