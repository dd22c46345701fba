// Package browsertest starts Debian's Chromium headless for the browser tests
// of every package, the same way everywhere: no sandbox (tests run as root),
// no background networking (the machine has no network to reach), a fresh
// profile per test. Outside CI a test skips when Chromium is missing; with the
// CI environment variable set it fails instead, so CI never passes without
// having run the browser.
package browsertest

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Path returns the Chromium binary, or skips (fails in CI) when there is none.
func Path(t testing.TB) string {
	t.Helper()
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium"
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("chromium not found (CI is set: browser tests must run; apt-get install chromium)")
	}
	t.Skip("chromium not found; install Debian's chromium to run browser tests")
	return ""
}

// New starts a headless Chromium with a width×height window and returns a
// tab context that ends with the test (or after timeout).
func New(t testing.TB, width, height int, timeout time.Duration) context.Context {
	t.Helper()
	ctx, cancel := chromedp.NewContext(context.Background(), chromedp.WithAllocatorOptions(
		chromedp.ExecPath(Path(t)),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(width, height),
	))
	t.Cleanup(cancel)
	ctx, cancel2 := context.WithTimeout(ctx, timeout)
	t.Cleanup(cancel2)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(int64(width), int64(height))); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// Artifact writes data to testdata/artifacts/name below the module root
// (kept out of git) and returns its path, for screenshots a person looks at.
func Artifact(t testing.TB, name string, data []byte) string {
	t.Helper()
	dir := "testdata/artifacts"
	for d, _ := os.Getwd(); d != "/" && d != "."; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			dir = filepath.Join(d, "testdata", "artifacts")
			break
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("artifacts: %v", err)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatalf("artifact %s: %v", name, err)
	}
	return p
}
