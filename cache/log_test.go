package cache_test

import (
	"log/slog"
	"strings"
	"testing"

	"github.com/wallboard/wallboard/cache"
)

// testLogger logs through t so that output shows only for failing tests.
func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(tlogWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type tlogWriter struct{ t *testing.T }

func (w tlogWriter) Write(p []byte) (int, error) {
	w.t.Helper()
	w.t.Logf("%s", p)
	return len(p), nil
}

func TestGoRedisLogger(t *testing.T) {
	var buf strings.Builder
	l := cache.GoRedisLogger{Logger: slog.New(slog.NewTextHandler(&buf, nil))}
	l.Printf(t.Context(), "connection pool: failed to dial %s\n", "127.0.0.1:1")
	if got := buf.String(); !strings.Contains(got, "level=WARN") || !strings.Contains(got, `msg="go-redis: connection pool: failed to dial 127.0.0.1:1"`) {
		t.Errorf("logged %q", got)
	}
}
