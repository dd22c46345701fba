package cache

import (
	"context"
	"sync"
)

// subscriberBuffer is how many events a subscriber may have pending before
// its oldest pending event is dropped (see Event on coalescing).
const subscriberBuffer = 16

// hub fans events out to local subscribers. Every Store implementation in
// this package uses one; it never blocks a publisher on a slow subscriber.
type hub struct {
	mu     sync.Mutex
	subs   map[chan Event]struct{}
	closed bool
	done   chan struct{} // closed by close
}

func newHub() *hub {
	return &hub{subs: map[chan Event]struct{}{}, done: make(chan struct{})}
}

// subscribe registers a subscriber whose channel closes when ctx ends or the
// hub closes. The goroutine watching ctx exits in both cases.
func (h *hub) subscribe(ctx context.Context) <-chan Event {
	ch := make(chan Event, subscriberBuffer)
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		close(ch)
		return ch
	}
	h.subs[ch] = struct{}{}
	h.mu.Unlock()
	go func() {
		select {
		case <-ctx.Done():
			h.unsubscribe(ch)
		case <-h.done:
		}
	}()
	return ch
}

func (h *hub) unsubscribe(ch chan Event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.subs[ch]; ok {
		delete(h.subs, ch)
		close(ch)
	}
}

// publish sends ev to every subscriber without blocking.
func (h *hub) publish(ev Event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for ch := range h.subs {
		notify(ch, ev)
	}
}

// close closes every subscription; later subscriptions are closed at once.
func (h *hub) close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return
	}
	h.closed = true
	close(h.done)
	for ch := range h.subs {
		delete(h.subs, ch)
		close(ch)
	}
}

// notify sends ev without blocking. When ch is full, its oldest event is
// dropped so that the newest one is always delivered.
func notify(ch chan Event, ev Event) {
	for {
		select {
		case ch <- ev:
			return
		default:
		}
		select {
		case <-ch:
		default:
		}
	}
}
