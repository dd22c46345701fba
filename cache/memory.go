package cache

import (
	"context"
	"sort"
	"sync"

	"github.com/wallboard/wallboard/model"
)

// subscriberBuffer is how many events a subscriber may have pending before
// newer events are dropped for it (see Event on coalescing).
const subscriberBuffer = 16

// Memory is an in-process Store: the default, for a single server.
type Memory struct {
	mu      sync.Mutex
	sources map[string]model.SourceState
	subs    map[chan Event]struct{}
	closed  bool
}

// NewMemory returns an empty in-process store.
func NewMemory() *Memory {
	return &Memory{sources: map[string]model.SourceState{}, subs: map[chan Event]struct{}{}}
}

// Kind implements Store.
func (m *Memory) Kind() string { return "memory" }

// Put implements Store.
func (m *Memory) Put(ctx context.Context, st model.SourceState) (model.SourceState, error) {
	if err := ctx.Err(); err != nil {
		return st, err
	}
	st = cloneState(st)
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return st, ErrClosed
	}
	st.Version = m.sources[st.Source].Version + 1
	m.sources[st.Source] = st
	ev := Event{Source: st.Source, Version: st.Version}
	for ch := range m.subs {
		notify(ch, ev)
	}
	return cloneState(st), nil
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

// Snapshot implements Store.
func (m *Memory) Snapshot(ctx context.Context) ([]model.SourceState, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil, ErrClosed
	}
	out := make([]model.SourceState, 0, len(m.sources))
	for _, s := range m.sources {
		out = append(out, cloneState(s))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Source < out[j].Source })
	return out, nil
}

// Subscribe implements Store.
func (m *Memory) Subscribe(ctx context.Context) <-chan Event {
	ch := make(chan Event, subscriberBuffer)
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		close(ch)
		return ch
	}
	m.subs[ch] = struct{}{}
	m.mu.Unlock()
	go func() {
		<-ctx.Done()
		m.unsubscribe(ch)
	}()
	return ch
}

func (m *Memory) unsubscribe(ch chan Event) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.subs[ch]; ok {
		delete(m.subs, ch)
		close(ch)
	}
}

// Close implements Store.
func (m *Memory) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil
	}
	m.closed = true
	for ch := range m.subs {
		delete(m.subs, ch)
		close(ch)
	}
	return nil
}

// cloneState copies the slices of st so that callers never share memory with
// the store.
func cloneState(st model.SourceState) model.SourceState {
	st.Agents = append([]model.Agent(nil), st.Agents...)
	for i := range st.Agents {
		st.Agents[i].Teams = append([]string(nil), st.Agents[i].Teams...)
	}
	st.Queues = append([]model.Queue(nil), st.Queues...)
	return st
}
