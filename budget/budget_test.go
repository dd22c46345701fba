package budget_test

import (
	"context"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/wallboard/wallboard/budget"
	"github.com/wallboard/wallboard/cache/storetest"
)

// take calls Take in a loop, sleeping what it says, until ctx ends, and
// records when each request was granted.
func take(ctx context.Context, t *testing.T, b *budget.Redis, mu *sync.Mutex, granted *[]time.Time) {
	for ctx.Err() == nil {
		wait, err := b.Take(ctx)
		if err != nil {
			if ctx.Err() == nil {
				t.Errorf("Take: %v", err)
			}
			return
		}
		if wait == 0 {
			mu.Lock()
			*granted = append(*granted, time.Now())
			mu.Unlock()
			continue
		}
		select {
		case <-ctx.Done():
		case <-time.After(wait):
		}
	}
}

// TestProcessesShareOneBudget: four pollers in two "processes" (each its own
// Redis connection) ask for one budget at once. Together they get one
// request per interval: never two closer, and no slot lost.
func TestProcessesShareOneBudget(t *testing.T) {
	t.Parallel()
	srv := storetest.StartRedis(t)
	const interval = 200 * time.Millisecond
	const run = 3 * time.Second
	var mu sync.Mutex
	var granted []time.Time
	ctx, cancel := context.WithTimeout(t.Context(), run)
	defer cancel()
	var wg sync.WaitGroup
	for range 2 {
		c := storetest.Client(t, srv.URL())
		for range 2 {
			b := budget.NewRedis(c, "wb:budget:ujet:acme", interval)
			wg.Go(func() { take(ctx, t, b, &mu, &granted) })
		}
	}
	// Another customer's budget is its own.
	var other []time.Time
	ob := budget.NewRedis(storetest.Client(t, srv.URL()), "wb:budget:ujet:globex", interval)
	wg.Go(func() { take(ctx, t, ob, &mu, &other) })
	wg.Wait()

	sort.Slice(granted, func(i, j int) bool { return granted[i].Before(granted[j]) })
	// Grants are timed by Redis's clock; the replies reach us a little
	// apart, so allow a few milliseconds.
	const slack = 15 * time.Millisecond
	for i := 1; i < len(granted); i++ {
		if d := granted[i].Sub(granted[i-1]); d < interval-slack {
			t.Errorf("grants %d and %d only %v apart, want %v", i-1, i, d, interval)
		}
	}
	want := int(run / interval)
	if len(granted) < want-2 || len(granted) > want+1 {
		t.Errorf("%d grants in %v at one per %v, want about %d", len(granted), run, interval, want)
	}
	if len(other) < want-2 {
		t.Errorf("the other customer got %d grants, want about %d: budgets are not per customer", len(other), want)
	}
}

// TestRedisAwayIsAnErrorQuickly: Take must not hold a poller up for long
// when Redis is away, and says which budget it could not ask.
func TestRedisAwayIsAnErrorQuickly(t *testing.T) {
	t.Parallel()
	srv := storetest.StartRedis(t)
	b := budget.NewRedis(storetest.Client(t, srv.URL()), "wb:budget:ujet:acme", time.Second)
	srv.Kill()
	start := time.Now()
	wait, err := b.Take(t.Context())
	if err == nil {
		t.Fatalf("Take with Redis away: wait %v, no error", wait)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("Take with Redis away took %v", d)
	}
	t.Logf("error: %v", err)
}
