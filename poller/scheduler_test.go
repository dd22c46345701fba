package poller

import (
	"context"
	"sort"
	"sync"
	"testing"
	"time"
)

func TestSchedulerSpacesRequests(t *testing.T) {
	const interval = 50 * time.Millisecond
	s := NewScheduler(interval)
	ctx := context.Background()
	var mu sync.Mutex
	var starts, ends []time.Time
	inFlight := 0
	var wg sync.WaitGroup
	for range 4 { // concurrent callers still get one request at a time
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 3 {
				if err := s.Wait(ctx); err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				inFlight++
				if inFlight > 1 {
					t.Error("two requests in flight")
				}
				starts = append(starts, time.Now())
				mu.Unlock()
				time.Sleep(5 * time.Millisecond)
				mu.Lock()
				inFlight--
				ends = append(ends, time.Now())
				mu.Unlock()
				s.Done()
			}
		}()
	}
	wg.Wait()
	sort.Slice(starts, func(i, j int) bool { return starts[i].Before(starts[j]) })
	checkSpacing(t, starts, interval)
}

func TestSchedulerWaitsAfterSlowResponse(t *testing.T) {
	const interval = 110 * time.Millisecond
	s := NewScheduler(interval)
	ctx := context.Background()
	s.Wait(ctx)
	time.Sleep(300 * time.Millisecond) // a slow response: it may have reached the server late
	end := time.Now()
	s.Done()
	s.Wait(ctx)
	if d := time.Since(end); d < 100*time.Millisecond {
		t.Errorf("next request %v after a slow response, want at least 10/11 of the interval", d)
	}
	s.Done()
}

func TestSchedulerPause(t *testing.T) {
	s := NewScheduler(10 * time.Millisecond)
	ctx := context.Background()
	s.Wait(ctx)
	s.Done()
	until := time.Now().Add(300 * time.Millisecond)
	s.PauseUntil(until)
	s.PauseUntil(time.Now()) // an earlier pause does not shorten it
	s.Wait(ctx)
	if now := time.Now(); now.Before(until) {
		t.Errorf("request %v before the pause ended", until.Sub(now))
	}
	s.Done()

	ctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	s.PauseUntil(time.Now().Add(time.Hour))
	start := time.Now()
	if err := s.Wait(ctx); err == nil {
		t.Error("Wait during a pause returned before its context ended")
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("Wait took %v to notice its context ended", d)
	}
}
