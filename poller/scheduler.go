package poller

import (
	"context"
	"sync"
	"time"
)

// Scheduler owns a source's whole request budget: every request, retries
// included, waits for it. It grants one request at a time and spaces them so
// that the server never sees two closer than the interval:
//
//   - a request starts no earlier than interval after the previous one
//     started, and
//   - no earlier than 10/11 of the interval after the previous response
//     arrived, so that a slow request (which may have reached the server
//     late) cannot be followed too closely by a fast one. With the default
//     1.1 s interval that is a full second after the response: the previous
//     request reached the server before its response left.
//
// Pause holds every request back until a time (a 429's Retry-After).
type Scheduler struct {
	interval time.Duration

	mu       sync.Mutex
	next     time.Time // earliest start of the next request
	inFlight bool
	free     chan struct{} // signalled when a request ends
}

// NewScheduler returns a scheduler granting one request per interval.
func NewScheduler(interval time.Duration) *Scheduler {
	if interval <= 0 {
		interval = DefaultInterval
	}
	return &Scheduler{interval: interval, free: make(chan struct{}, 1)}
}

// Interval is the minimum spacing between two requests.
func (s *Scheduler) Interval() time.Duration { return s.interval }

// Wait blocks until a request may start, then reserves it: the caller must
// call Done when the response has arrived (or the request failed). It returns
// ctx's error if ctx ends first.
func (s *Scheduler) Wait(ctx context.Context) error {
	for {
		s.mu.Lock()
		now := time.Now()
		if !s.inFlight && !now.Before(s.next) {
			s.inFlight = true
			s.next = now.Add(s.interval)
			s.mu.Unlock()
			return nil
		}
		var wait <-chan time.Time
		var t *time.Timer
		if !s.inFlight {
			t = time.NewTimer(s.next.Sub(now))
			wait = t.C
		}
		s.mu.Unlock()
		select {
		case <-ctx.Done():
			if t != nil {
				t.Stop()
			}
			return ctx.Err()
		case <-wait:
		case <-s.free:
			if t != nil {
				t.Stop()
			}
		}
	}
}

// Done ends the request Wait granted.
func (s *Scheduler) Done() {
	s.mu.Lock()
	after := time.Now().Add(s.interval * 10 / 11)
	if after.After(s.next) {
		s.next = after
	}
	s.inFlight = false
	s.mu.Unlock()
	select {
	case s.free <- struct{}{}:
	default:
	}
}

// Return gives back the request Wait granted without making it: the next
// request may start at t.
func (s *Scheduler) Return(t time.Time) {
	s.mu.Lock()
	s.next = t
	s.inFlight = false
	s.mu.Unlock()
	select {
	case s.free <- struct{}{}:
	default:
	}
}

// PauseUntil holds every request back until t.
func (s *Scheduler) PauseUntil(t time.Time) {
	s.mu.Lock()
	if t.After(s.next) {
		s.next = t
	}
	s.mu.Unlock()
}

// Next is the earliest time the next request may start.
func (s *Scheduler) Next() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.next
}
