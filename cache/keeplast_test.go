package cache_test

import (
	"testing"
	"time"

	"github.com/wallboard/wallboard/cache/storetest"
)

// Redis restarts empty and no writer is there yet to put its state back
// (it died, or is slower than the readers): a reader keeps serving the
// last state it read instead of an empty board.
func TestRedisRestartedEmptyKeepsLastState(t *testing.T) {
	srv := storetest.StartRedis(t)
	writer := newRedis(t, srv.URL(), "wb:", time.Hour)
	reader := newRedis(t, srv.URL(), "wb:", time.Hour)
	defer reader.Close()
	put, err := writer.Put(t.Context(), storetest.State("ujet", 5, 3))
	if err != nil {
		t.Fatal(err)
	}
	if snap, err := reader.Snapshot(t.Context()); err != nil || len(snap) != 1 {
		t.Fatalf("before the restart: %v %v", summary(snap), err)
	}
	writer.Close() // nobody will republish

	srv.Kill()
	srv.Start()
	deadline := time.Now().Add(15 * time.Second)
	for {
		s, err := reader.Snapshot(t.Context())
		if err == nil {
			if len(s) != 1 || len(s[0].Agents) != 5 || len(s[0].Queues) != 3 || s[0].Version != put.Version || !s[0].UpdatedAt.Equal(put.UpdatedAt) {
				t.Fatalf("after Redis restarted empty the reader sees %+v, want the last state (5 agents, 3 queues, version %d)", summary(s), put.Version)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("Redis did not come back: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if n, _ := storetest.Client(t, srv.URL()).Exists(t.Context(), "wb:states").Result(); n != 0 {
		t.Errorf("the reader wrote the old state back (only writers do)")
	}
}
