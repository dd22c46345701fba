package cache_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/wallboard/wallboard/cache"
	"github.com/wallboard/wallboard/cache/storetest"
	"github.com/wallboard/wallboard/model"
)

func newRedis(t *testing.T, url, prefix string, repair time.Duration) *cache.Redis {
	t.Helper()
	r, err := cache.NewRedis(t.Context(), cache.RedisOptions{URL: url, Prefix: prefix, RepairInterval: repair, Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestRedisStore(t *testing.T) {
	url := storetest.RedisURL(t)
	storetest.Run(t, func(t *testing.T) cache.Store {
		return newRedis(t, url, storetest.Prefix(t, url), 0)
	})
}

func TestRedisReplicas(t *testing.T) {
	url := storetest.RedisURL(t)
	storetest.RunReplicas(t, func(t *testing.T) (cache.Store, cache.Store) {
		prefix := storetest.Prefix(t, url)
		return newRedis(t, url, prefix, 0), newRedis(t, url, prefix, 0)
	})
}

func TestRedisMessages(t *testing.T) {
	url := storetest.RedisURL(t)
	storetest.RunMessages(t, func(t *testing.T) storetest.MessageStore {
		return newRedis(t, url, storetest.Prefix(t, url), 0)
	})
	storetest.RunMessagesReplicas(t, func(t *testing.T) (storetest.MessageStore, storetest.MessageStore) {
		prefix := storetest.Prefix(t, url)
		return newRedis(t, url, prefix, 0), newRedis(t, url, prefix, 0)
	})
}

func TestRedisKind(t *testing.T) {
	url := storetest.RedisURL(t)
	r := newRedis(t, url, storetest.Prefix(t, url), 0)
	defer r.Close()
	if r.Kind() != "redis" {
		t.Errorf("Kind() = %q", r.Kind())
	}
}

func TestRedisPrefixesAreSeparate(t *testing.T) {
	url := storetest.RedisURL(t)
	a := newRedis(t, url, storetest.Prefix(t, url), 0)
	defer a.Close()
	b := newRedis(t, url, storetest.Prefix(t, url), 0)
	defer b.Close()
	if _, err := a.Put(t.Context(), storetest.State("ujet", 1, 1)); err != nil {
		t.Fatal(err)
	}
	snap, err := b.Snapshot(t.Context())
	if err != nil || len(snap) != 0 {
		t.Fatalf("another prefix sees %d sources (err %v), want 0", len(snap), err)
	}
}

// freePort returns a loopback port nothing listens on.
func freePort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func TestRedisUnreachableErrorHidesPassword(t *testing.T) {
	port := freePort(t)
	for _, url := range []string{
		fmt.Sprintf("redis://:s3cret-pw@127.0.0.1:%d/0", port),
		fmt.Sprintf("redis://wallboard:s3cret-pw@127.0.0.1:%d/2", port),
		"redis://:s3cret-pw@127.0.0.1:notaport/0",
		"redis://:s3cret-pw@127.0.0.1:1/0/extra",
		"http://:s3cret-pw@127.0.0.1:1/0",
		"redis://:s3cret-pw@[::1/0",
	} {
		_, err := cache.NewRedis(t.Context(), cache.RedisOptions{URL: url, Logger: testLogger(t)})
		if err == nil {
			t.Errorf("NewRedis(%s) succeeded", cache.RedactURL(url))
			continue
		}
		msg := err.Error()
		if strings.Contains(msg, "s3cret") {
			t.Errorf("error shows the password: %s", msg)
		}
		if strings.HasPrefix(url, "redis://") && strings.Contains(url, fmt.Sprint(port)) && !strings.Contains(msg, fmt.Sprintf("127.0.0.1:%d", port)) {
			t.Errorf("error does not name the address: %s", msg)
		}
		t.Logf("%s", msg)
	}
}

func TestNewRedisRetryWaitsForRedis(t *testing.T) {
	srv := storetest.StartRedis(t)
	srv.Kill()
	type result struct {
		r   *cache.Redis
		err error
	}
	done := make(chan result, 1)
	go func() {
		r, err := cache.NewRedisRetry(t.Context(), cache.RedisOptions{URL: srv.URL(), Logger: testLogger(t)}, time.Second)
		done <- result{r, err}
	}()
	time.Sleep(1200 * time.Millisecond)
	select {
	case res := <-done:
		t.Fatalf("NewRedisRetry returned before Redis started: %v", res.err)
	default:
	}
	srv.Start()
	select {
	case res := <-done:
		if res.err != nil {
			t.Fatal(res.err)
		}
		res.r.Close()
	case <-time.After(10 * time.Second):
		t.Fatal("NewRedisRetry did not connect within 10 s of Redis starting")
	}

	ctx, cancel := context.WithTimeout(t.Context(), 700*time.Millisecond)
	defer cancel()
	_, err := cache.NewRedisRetry(ctx, cache.RedisOptions{URL: fmt.Sprintf("redis://127.0.0.1:%d", freePort(t)), Logger: testLogger(t)}, 0)
	if err == nil || ctx.Err() == nil {
		t.Fatalf("NewRedisRetry without Redis: err %v before ctx ended", err)
	}
}

// TestRedisRestartsEmpty kills Redis under two replicas and starts it again
// empty: the writer's state comes back by itself and the reader hears of it.
func TestRedisRestartsEmpty(t *testing.T) {
	srv := storetest.StartRedis(t)
	checkNoLeak(t, func() {
		// Repairs on a timer are off: the reconnect alone must republish.
		writer := newRedis(t, srv.URL(), "wb:", time.Hour)
		defer writer.Close()
		reader := newRedis(t, srv.URL(), "wb:", time.Hour)
		defer reader.Close()
		ch := reader.Subscribe(t.Context())

		put, err := writer.Put(t.Context(), storetest.State("ujet", 2, 2))
		if err != nil {
			t.Fatal(err)
		}
		waitFor(t, ch, "ujet", put.Version, 5*time.Second)

		srv.Kill()
		if _, err := reader.Snapshot(t.Context()); err == nil {
			t.Error("Snapshot succeeded while Redis is down")
		}
		down := storetest.State("ujet", 3, 3)
		if _, err := writer.Put(t.Context(), down); err == nil {
			t.Error("Put succeeded while Redis is down")
		}
		select {
		case _, ok := <-ch:
			if !ok {
				t.Fatal("subscription closed while Redis is down")
			}
		default:
		}

		srv.Start()
		start := time.Now()
		// The last Put (made while Redis was down) is what comes back, at a
		// version above the one the reader saw.
		waitFor(t, ch, "ujet", put.Version+1, 15*time.Second)
		t.Logf("state back %v after Redis restarted", time.Since(start).Round(time.Millisecond))
		snap, err := reader.Snapshot(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if len(snap) != 1 || snap[0].Version <= put.Version || len(snap[0].Agents) != 3 {
			t.Fatalf("after restart reader sees %+v", summary(snap))
		}

		// Still live: a new Put reaches the reader.
		put2, err := writer.Put(t.Context(), storetest.State("ujet", 4, 4))
		if err != nil {
			t.Fatal(err)
		}
		waitFor(t, ch, "ujet", put2.Version, 5*time.Second)
	})
}

// TestRedisRepairsFlushedKeys deletes the store's keys without a restart:
// the periodic check rewrites the writer's last state.
func TestRedisRepairsFlushedKeys(t *testing.T) {
	url := storetest.RedisURL(t)
	prefix := storetest.Prefix(t, url)
	writer := newRedis(t, url, prefix, 100*time.Millisecond)
	defer writer.Close()
	reader := newRedis(t, url, prefix, time.Hour)
	defer reader.Close()
	ch := reader.Subscribe(t.Context())
	put, err := writer.Put(t.Context(), storetest.State("ujet", 2, 2))
	if err != nil {
		t.Fatal(err)
	}
	storetest.DeletePrefix(t, url, prefix)
	waitFor(t, ch, "ujet", put.Version+1, 5*time.Second)
	snap, err := reader.Snapshot(t.Context())
	if err != nil || len(snap) != 1 || len(snap[0].Agents) != 2 {
		t.Fatalf("after flush: %v, %v", summary(snap), err)
	}
}

func TestRedisIgnoresMalformedData(t *testing.T) {
	url := storetest.RedisURL(t)
	prefix := storetest.Prefix(t, url)
	r := newRedis(t, url, prefix, 0)
	defer r.Close()
	ch := r.Subscribe(t.Context())
	if _, err := r.Put(t.Context(), storetest.State("good", 1, 1)); err != nil {
		t.Fatal(err)
	}
	c := r.Client()
	c.HSet(t.Context(), prefix+"states", "bad", "{not json")
	c.HSet(t.Context(), prefix+"versions", "bad", "1")
	c.Publish(t.Context(), prefix+"events", "garbage")
	snap, err := r.Snapshot(t.Context())
	if err != nil || len(snap) != 1 || snap[0].Source != "good" {
		t.Fatalf("snapshot with one bad entry: %v, %v", summary(snap), err)
	}
	put, err := r.Put(t.Context(), storetest.State("good", 1, 1))
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, ch, "good", put.Version, 5*time.Second)
}

func TestRedisNoGoroutineLeak(t *testing.T) {
	url := storetest.RedisURL(t)
	checkNoLeak(t, func() {
		r := newRedis(t, url, storetest.Prefix(t, url), 50*time.Millisecond)
		for range 3 {
			r.Subscribe(context.Background()) // never cancelled: Close must end them
		}
		if _, err := r.Put(t.Context(), storetest.State("a", 1, 1)); err != nil {
			t.Fatal(err)
		}
		time.Sleep(120 * time.Millisecond) // let the repair loop run
		if err := r.Close(); err != nil {
			t.Fatal(err)
		}
		if _, err := r.Put(t.Context(), storetest.State("a", 1, 1)); !errors.Is(err, cache.ErrClosed) {
			t.Fatalf("Put after Close: %v", err)
		}
	})
}

func summary(states []model.SourceState) []string {
	var out []string
	for _, s := range states {
		out = append(out, fmt.Sprintf("%s@%d(%d agents)", s.Source, s.Version, len(s.Agents)))
	}
	return out
}

func waitFor(t *testing.T, ch <-chan cache.Event, source string, version uint64, d time.Duration) {
	t.Helper()
	timeout := time.After(d)
	for {
		select {
		case ev, ok := <-ch:
			if !ok {
				t.Fatalf("subscription closed waiting for %s@%d", source, version)
			}
			if ev.Source == source && ev.Version >= version {
				return
			}
		case <-timeout:
			t.Fatalf("no event for %s at or after %d within %v", source, version, d)
		}
	}
}

// checkNoLeak runs f and fails when goroutines of this package or of
// go-redis that f started are still running shortly after it returns.
func checkNoLeak(t *testing.T, f func()) {
	t.Helper()
	before := ours()
	f()
	deadline := time.Now().Add(3 * time.Second)
	for {
		after := ours()
		if after <= before {
			return
		}
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			n := runtime.Stack(buf, true)
			t.Fatalf("%d goroutines left running (were %d):\n%s", after, before, buf[:n])
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// ours counts goroutines running code of package cache or go-redis.
func ours() int {
	buf := make([]byte, 1<<20)
	n := runtime.Stack(buf, true)
	count := 0
	for _, g := range strings.Split(string(buf[:n]), "\n\n") {
		if strings.Contains(g, "wallboard/wallboard/cache.") || strings.Contains(g, "github.com/redis/go-redis") {
			count++
		}
	}
	return count
}

// TestRedisLastWriterRepublishes: after a leadership change, only the new
// writer of a source republishes it when Redis loses it.
func TestRedisLastWriterRepublishes(t *testing.T) {
	url := storetest.RedisURL(t)
	prefix := storetest.Prefix(t, url)
	old := newRedis(t, url, prefix, 20*time.Millisecond) // would win any race
	defer old.Close()
	cur := newRedis(t, url, prefix, 200*time.Millisecond)
	defer cur.Close()
	chOld := old.Subscribe(t.Context())
	if _, err := old.Put(t.Context(), storetest.State("ujet", 1, 1)); err != nil {
		t.Fatal(err)
	}
	put, err := cur.Put(t.Context(), storetest.State("ujet", 2, 2))
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, chOld, "ujet", put.Version, 5*time.Second)
	storetest.DeletePrefix(t, url, prefix)
	waitFor(t, chOld, "ujet", put.Version+1, 5*time.Second)
	time.Sleep(100 * time.Millisecond)
	snap, err := old.Snapshot(t.Context())
	if err != nil || len(snap) != 1 || len(snap[0].Agents) != 2 {
		t.Fatalf("republished after the flush: %v (%v), want the current writer's 2 agents", summary(snap), err)
	}
}

// TestRedisResyncAfterNotificationsDrop: when the pub/sub connection drops
// (and changes may have been missed), every subscriber gets an event for
// every source once it is back, without any new Put.
func TestRedisResyncAfterNotificationsDrop(t *testing.T) {
	srv := storetest.StartRedis(t) // CLIENT KILL would disturb others on a shared Redis
	r := newRedis(t, srv.URL(), "wb:", time.Hour)
	defer r.Close()
	last := map[string]uint64{}
	for _, src := range []string{"ujet", "connect"} {
		put, err := r.Put(t.Context(), storetest.State(src, 1, 1))
		if err != nil {
			t.Fatal(err)
		}
		last[src] = put.Version
	}
	ch := r.Subscribe(t.Context())
	time.Sleep(50 * time.Millisecond)
	for len(ch) > 0 {
		<-ch
	}
	if n, err := r.Client().ClientKillByFilter(t.Context(), "TYPE", "pubsub").Result(); err != nil || n != 1 {
		t.Fatalf("CLIENT KILL TYPE pubsub: %d, %v", n, err)
	}
	got := map[string]bool{}
	timeout := time.After(5 * time.Second)
	for len(got) < 2 {
		select {
		case ev := <-ch:
			if ev.Version != last[ev.Source] {
				t.Errorf("resync event %+v, want version %d", ev, last[ev.Source])
			}
			got[ev.Source] = true
		case <-timeout:
			t.Fatalf("after the notifications dropped, events only for %v", got)
		}
	}
}

func TestRedisCloseWhileRedisIsDown(t *testing.T) {
	srv := storetest.StartRedis(t)
	checkNoLeak(t, func() {
		r := newRedis(t, srv.URL(), "wb:", 50*time.Millisecond)
		ch := r.Subscribe(context.Background())
		if _, err := r.Put(t.Context(), storetest.State("ujet", 1, 1)); err != nil {
			t.Fatal(err)
		}
		srv.Kill()
		time.Sleep(300 * time.Millisecond) // reconnect attempts and repairs fail meanwhile
		start := time.Now()
		r.Close()
		if d := time.Since(start); d > 3*time.Second {
			t.Errorf("Close took %v while Redis is down", d)
		}
		for range ch {
		}
	})
}
