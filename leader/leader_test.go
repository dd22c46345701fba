package leader_test

import (
	"context"
	"log/slog"
	"net"
	"regexp"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/wallboard/wallboard/cache/storetest"
	"github.com/wallboard/wallboard/leader"
)

// fleet is the work of several replicas: it records how many run at once.
type fleet struct {
	running  atomic.Int32
	maxSeen  atomic.Int32
	started  atomic.Int32
	mu       sync.Mutex
	startsBy map[string]time.Time // replica → last start
	stopsBy  map[string]time.Time // replica → last return
}

func newFleet() *fleet {
	return &fleet{startsBy: map[string]time.Time{}, stopsBy: map[string]time.Time{}}
}

// work returns the work of replica name. It samples the number of running
// workers every few milliseconds until its ctx ends, then lingers for
// linger before returning (a poller finishing its request).
func (f *fleet) work(name string, linger time.Duration) func(ctx context.Context) error {
	return func(ctx context.Context) error {
		n := f.running.Add(1)
		f.started.Add(1)
		f.note(n)
		f.mu.Lock()
		f.startsBy[name] = time.Now()
		f.mu.Unlock()
		defer func() {
			f.mu.Lock()
			f.stopsBy[name] = time.Now()
			f.mu.Unlock()
			f.running.Add(-1)
		}()
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				end := time.Now().Add(linger)
				for time.Now().Before(end) {
					f.note(f.running.Load())
					time.Sleep(5 * time.Millisecond)
				}
				return ctx.Err()
			case <-t.C:
				f.note(f.running.Load())
			}
		}
	}
}

func (f *fleet) note(n int32) {
	for {
		m := f.maxSeen.Load()
		if n <= m || f.maxSeen.CompareAndSwap(m, n) {
			return
		}
	}
}

func (f *fleet) startOf(name string) time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.startsBy[name]
}

func (f *fleet) stopOf(name string) time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.stopsBy[name]
}

func client(t *testing.T, url string) *redis.Client { return storetest.Client(t, url) }

func logger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(tWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type tWriter struct{ t *testing.T }

func (w tWriter) Write(p []byte) (int, error) { w.t.Logf("%s", p); return len(p), nil }

// replica runs an elector until stop is called; stop waits for Run to return.
type replica struct {
	e      *leader.Elector
	cancel context.CancelFunc
	done   chan struct{}
}

func start(t *testing.T, e *leader.Elector, work func(context.Context) error) *replica {
	ctx, cancel := context.WithCancel(context.Background())
	r := &replica{e: e, cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(r.done)
		if err := e.Run(ctx, work); err != nil {
			t.Errorf("Run: %v", err)
		}
	}()
	t.Cleanup(r.stop)
	return r
}

func (r *replica) stop() {
	r.cancel()
	<-r.done
}

func waitUntil(t *testing.T, d time.Duration, what string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > d {
			t.Fatalf("%s: not within %v", what, d)
		}
		time.Sleep(5 * time.Millisecond)
	}
	return time.Since(start)
}

func fast(name string, t *testing.T) leader.Options {
	return leader.Options{Name: name, TTL: 600 * time.Millisecond, RetryInterval: 50 * time.Millisecond, Logger: logger(t)}
}

// TestTakeoverWhenLeaderDies uses the default timing: the leader's Redis
// connection dies without a release, and the other replica must take over
// within 15 s, never while the old leader still works.
func TestTakeoverWhenLeaderDies(t *testing.T) {
	t.Parallel()
	url := storetest.RedisURL(t)
	key := storetest.Prefix(t, url) + "leader:ujet"
	f := newFleet()
	ca := client(t, url)
	a := start(t, leader.New(ca, key, leader.Options{Name: "ujet", Logger: logger(t)}), f.work("a", 0))
	waitUntil(t, 15*time.Second, "a leads", a.e.Leading) // a fresh Redis makes it wait a TTL
	b := start(t, leader.New(client(t, url), key, leader.Options{Name: "ujet", Logger: logger(t)}), f.work("b", 0))
	time.Sleep(1500 * time.Millisecond)
	if b.e.Leading() || f.started.Load() != 1 {
		t.Fatalf("b leads (%v) or work started %d times while a holds the lease", b.e.Leading(), f.started.Load())
	}

	killed := time.Now()
	ca.Close() // a's connection dies: no renewal, no release
	took := waitUntil(t, 15*time.Second, "b takes over", b.e.Leading)
	t.Logf("b took over %v after a's Redis connection died; a stopped work %v after", took.Round(time.Millisecond), f.stopOf("a").Sub(killed).Round(time.Millisecond))
	if a.e.Leading() {
		t.Error("a still says it leads")
	}
	if stopA, startB := f.stopOf("a"), f.startOf("b"); stopA.IsZero() || !stopA.Before(startB) {
		t.Errorf("a stopped at %v, b started at %v: overlap", stopA, startB)
	}
	if m := f.maxSeen.Load(); m > 1 {
		t.Errorf("%d workers ran at once", m)
	}
	if got := leader.Status(a.e, b.e); got["leader"] != true || len(got["leads"].([]string)) != 1 {
		t.Errorf("Status = %v", got)
	}
}

func TestCleanShutdownHandsOverAtOnce(t *testing.T) {
	t.Parallel()
	url := storetest.RedisURL(t)
	key := storetest.Prefix(t, url) + "leader:ujet"
	f := newFleet()
	opts := fast("ujet", t)
	opts.TTL = 5 * time.Second // a takeover must not wait for expiry
	a := start(t, leader.New(client(t, url), key, opts), f.work("a", 100*time.Millisecond))
	waitUntil(t, 15*time.Second, "a leads", a.e.Leading) // a fresh Redis makes it wait a TTL
	b := start(t, leader.New(client(t, url), key, opts), f.work("b", 0))
	time.Sleep(200 * time.Millisecond)
	if b.e.Leading() {
		t.Fatal("b leads while a holds the lease")
	}
	if st := a.e.Status(); st["leader"] != true || st["leads"].([]string)[0] != "ujet" {
		t.Errorf("a's Status = %v", st)
	}
	if st := b.e.Status(); st["leader"] != false || len(st["leads"].([]string)) != 0 {
		t.Errorf("b's Status = %v", st)
	}
	a.stop()
	took := waitUntil(t, time.Second, "b takes over after a's clean shutdown", b.e.Leading)
	t.Logf("b took over %v after a's Run returned", took.Round(time.Millisecond))
	if m := f.maxSeen.Load(); m > 1 {
		t.Errorf("%d workers ran at once", m)
	}
}

// TestNeverTwoLeaders churns electors with short leases and work that is
// slow to stop: each new replica joins, then the previous one shuts down.
func TestNeverTwoLeaders(t *testing.T) {
	t.Parallel()
	url := storetest.RedisURL(t)
	key := storetest.Prefix(t, url) + "leader:connect"
	f := newFleet()
	// Longer than the 120 ms margin: the lease must be held until work returns.
	linger := 150 * time.Millisecond
	var reps []*replica
	for i := range 6 {
		name := string(rune('a' + i%2))
		reps = append(reps, start(t, leader.New(client(t, url), key, fast("connect", t)), f.work(name, linger)))
		time.Sleep(150 * time.Millisecond)
		if i >= 1 {
			reps[i-1].stop()
		}
	}
	time.Sleep(500 * time.Millisecond)
	if m := f.maxSeen.Load(); m > 1 {
		t.Fatalf("%d workers ran at once", m)
	}
	if n := f.started.Load(); n < 4 {
		t.Errorf("work started only %d times over the churn", n)
	}
	waitUntil(t, 2*time.Second, "the last replica leads", reps[len(reps)-1].e.Leading)
}

func TestLostLeaseStopsWorkAtOnce(t *testing.T) {
	t.Parallel()
	url := storetest.RedisURL(t)
	key := storetest.Prefix(t, url) + "leader:ujet"
	f := newFleet()
	opts := fast("ujet", t)
	opts.TTL = 3 * time.Second
	opts.RenewInterval = 100 * time.Millisecond
	a := start(t, leader.New(client(t, url), key, opts), f.work("a", 0))
	waitUntil(t, 15*time.Second, "a leads", a.e.Leading) // a fresh Redis makes it wait a TTL
	// Someone else holds the key now (as after a Redis restart and a takeover).
	client(t, url).Set(t.Context(), key, "someone-else", 10*time.Second)
	stopped := waitUntil(t, time.Second, "a stops", func() bool { return !f.stopOf("a").IsZero() })
	t.Logf("a stopped %v after losing the lease", stopped.Round(time.Millisecond))
	if a.e.Leading() {
		t.Error("a still leads")
	}
}

// TestRedisRestartKeepsLeader restarts Redis (empty) under two electors:
// the leader takes its lease back at its next renewal and works on without
// a break; the follower does not take the vanished lease meanwhile.
func TestRedisRestartKeepsLeader(t *testing.T) {
	t.Parallel()
	srv := storetest.StartRedis(t)
	key := "wb:leader:ujet"
	f := newFleet()
	opts := fast("ujet", t)
	opts.TTL = 2 * time.Second
	opts.RenewInterval = 300 * time.Millisecond
	a := start(t, leader.New(client(t, srv.URL()), key, opts), f.work("a", 50*time.Millisecond))
	waitUntil(t, 6*time.Second, "a leads", a.e.Leading) // after the new server's start guard
	b := start(t, leader.New(client(t, srv.URL()), key, opts), f.work("b", 50*time.Millisecond))
	time.Sleep(100 * time.Millisecond)
	srv.Kill()
	srv.Start()
	check := client(t, srv.URL())
	waitUntil(t, 2*time.Second, "a takes its lease back", func() bool { return check.Exists(t.Context(), key).Val() == 1 })
	time.Sleep(opts.TTL + 1500*time.Millisecond) // past the restart guard
	if !a.e.Leading() || b.e.Leading() || f.started.Load() != 1 {
		t.Errorf("after the restart: a leads %v, b leads %v, work started %d times (want a, once)", a.e.Leading(), b.e.Leading(), f.started.Load())
	}
	if m := f.maxSeen.Load(); m > 1 {
		t.Fatalf("%d workers ran at once", m)
	}
}

// TestRedisOutageKeepsLeader: Redis is away for a while, then restarts
// empty. The follower, which keeps trying while Redis is away, must not take
// the vanished lease the moment Redis answers again: the leader still works
// and takes its lease back.
func TestRedisOutageKeepsLeader(t *testing.T) {
	t.Parallel()
	srv := storetest.StartRedis(t)
	key := "wb:leader:ujet"
	f := newFleet()
	opts := fast("ujet", t)
	opts.TTL = 3 * time.Second
	opts.RenewInterval = 300 * time.Millisecond
	a := start(t, leader.New(client(t, srv.URL()), key, opts), f.work("a", 50*time.Millisecond))
	waitUntil(t, 8*time.Second, "a leads", a.e.Leading)
	b := start(t, leader.New(client(t, srv.URL()), key, opts), f.work("b", 50*time.Millisecond))
	time.Sleep(100 * time.Millisecond)
	for range 3 {
		srv.Kill()
		time.Sleep(700 * time.Millisecond)
		srv.Start()
		check := client(t, srv.URL())
		waitUntil(t, 2*time.Second, "a takes its lease back", func() bool { return check.Exists(t.Context(), key).Val() == 1 })
		if b.e.Leading() || f.started.Load() != 1 {
			t.Fatalf("after an outage: b leads %v, work started %d times (want a, once)", b.e.Leading(), f.started.Load())
		}
	}
	if m := f.maxSeen.Load(); m > 1 {
		t.Fatalf("%d workers ran at once", m)
	}
}

// blindClient is a Redis client whose INFO fails as if Redis were away
// while blind is set, though its scripts (the lease) reach Redis: the moment
// a Redis comes back between two commands.
type blindClient struct {
	*redis.Client
	blind atomic.Bool
}

func (c *blindClient) Info(ctx context.Context, section ...string) *redis.StringCmd {
	if c.blind.Load() {
		cmd := redis.NewStringCmd(ctx)
		cmd.SetErr(&net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED})
		return cmd
	}
	return c.Client.Info(ctx, section...)
}

// TestUnknownUptimeIsNotCompetedFor: a follower that cannot learn how long
// Redis has been up must not take the lease, since a Redis that just
// restarted has lost the lease of a leader that still works.
func TestUnknownUptimeIsNotCompetedFor(t *testing.T) {
	t.Parallel()
	srv := storetest.StartRedis(t)
	opts := fast("ujet", t)
	opts.TTL = 2 * time.Second
	c := &blindClient{Client: client(t, srv.URL())}
	c.blind.Store(true)
	a := start(t, leader.New(c, "wb:leader:ujet", opts), func(ctx context.Context) error { <-ctx.Done(); return nil })
	time.Sleep(500 * time.Millisecond)
	if a.e.Leading() {
		t.Fatal("took the lease without knowing Redis's uptime")
	}
	c.blind.Store(false)
	waitUntil(t, 8*time.Second, "a leads once the uptime is known", a.e.Leading)
	// Redis's own uptime, not ours: StartRedis takes a moment under load.
	if up := uptime(t, c.Client); up < opts.TTL {
		t.Errorf("led when Redis had been up %v, within a TTL (%v)", up, opts.TTL)
	}
}

// uptime is how long Redis says it has been up, in whole seconds.
func uptime(t *testing.T, c *redis.Client) time.Duration {
	t.Helper()
	info := c.Info(t.Context(), "server").Val()
	m := regexp.MustCompile(`uptime_in_seconds:(\d+)`).FindStringSubmatch(info)
	if m == nil {
		t.Fatalf("no uptime in INFO: %q", info)
	}
	up, _ := strconv.Atoi(m[1])
	return time.Duration(up) * time.Second
}

// TestRedisRestartAndLeaderDies: Redis restarts empty while the leader is
// gone; the follower waits out a TTL of Redis uptime, then takes over.
func TestRedisRestartAndLeaderDies(t *testing.T) {
	t.Parallel()
	srv := storetest.StartRedis(t)
	key := "wb:leader:ujet"
	f := newFleet()
	opts := fast("ujet", t)
	opts.TTL = time.Second
	ca := client(t, srv.URL())
	a := start(t, leader.New(ca, key, opts), f.work("a", 0))
	waitUntil(t, 15*time.Second, "a leads", a.e.Leading) // a fresh Redis makes it wait a TTL
	b := start(t, leader.New(client(t, srv.URL()), key, opts), f.work("b", 0))
	ca.Close()
	srv.Kill()
	srv.Start()
	waitUntil(t, 5*time.Second, "b takes over", b.e.Leading)
	if up := uptime(t, client(t, srv.URL())); up < opts.TTL {
		t.Errorf("b started when Redis had been up %v, before a's lease could have ended", up)
	}
	if stopA, startB := f.stopOf("a"), f.startOf("b"); stopA.IsZero() || !stopA.Before(startB) {
		t.Errorf("a stopped at %v, b started at %v: overlap", stopA, startB)
	}
}

func TestLocalAlwaysLeadsAndRestartsWork(t *testing.T) {
	t.Parallel()
	l := leader.NewLocal("ujet", 20*time.Millisecond, logger(t))
	if !l.Leading() {
		t.Error("Local does not lead")
	}
	var runs atomic.Int32
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = l.Run(ctx, func(ctx context.Context) error {
			if runs.Add(1) < 3 {
				return context.DeadlineExceeded // fails early: restarted
			}
			<-ctx.Done()
			return nil
		})
	}()
	waitUntil(t, 2*time.Second, "work restarted twice", func() bool { return runs.Load() == 3 })
	var roles []leader.Role = []leader.Role{l, leader.NewLocal("connect", 0, nil)}
	st := leader.Status(roles...)
	if st["leader"] != true || len(st["leads"].([]string)) != 2 {
		t.Errorf("Status = %v", st)
	}
	cancel()
	select {
	case <-done:
	case <-time.After(time.Second):
		t.Fatal("Run did not return after cancel")
	}
}
