package cache

import (
	"context"
	"maps"
	"sort"
	"sync"

	"github.com/wallboard/wallboard/model"
)

// Memory is an in-process Store: the default, for a single server.
type Memory struct {
	mu      sync.Mutex
	sources map[string]model.SourceState
	hub     *hub
	closed  bool
	ledgers map[string]map[string]string
}

// NewMemory returns an empty in-process store.
func NewMemory() *Memory {
	return &Memory{sources: map[string]model.SourceState{}, hub: newHub()}
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
	m.hub.publish(Event{Source: st.Source, Version: st.Version})
	return cloneState(st), nil
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
	return m.hub.subscribe(ctx)
}

// Close implements Store.
func (m *Memory) Close() error {
	m.mu.Lock()
	m.closed = true
	m.mu.Unlock()
	m.hub.close()
	return nil
}

// cloneState deep-copies st so that callers never share memory with the
// store: slices and every pointer field.
func cloneState(st model.SourceState) model.SourceState {
	if st.Agents != nil {
		st.Agents = append([]model.Agent{}, st.Agents...)
	}
	for i := range st.Agents {
		a := &st.Agents[i]
		if a.Teams != nil {
			a.Teams = append([]string{}, a.Teams...)
		}
		a.Since = clonePtr(a.Since)
		a.HoldSince = clonePtr(a.HoldSince)
	}
	if st.Queues != nil {
		st.Queues = append([]model.Queue{}, st.Queues...)
	}
	for i := range st.Queues {
		q := &st.Queues[i]
		q.OldestSince = clonePtr(q.OldestSince)
		q.SLAPercent = clonePtr(q.SLAPercent)
		q.Answered = clonePtr(q.Answered)
		q.Abandoned = clonePtr(q.Abandoned)
		q.AverageHandleSeconds = clonePtr(q.AverageHandleSeconds)
		q.AverageAnswerSeconds = clonePtr(q.AverageAnswerSeconds)
		q.OpensAt = clonePtr(q.OpensAt)
	}
	st.Fresh = maps.Clone(st.Fresh)
	if st.Days != nil {
		st.Days = append([]model.DayCounts{}, st.Days...)
		for i := range st.Days {
			d := &st.Days[i]
			d.Queues = maps.Clone(d.Queues)
			for k, v := range d.Queues {
				v.AverageHandleSeconds = clonePtr(v.AverageHandleSeconds)
				v.AverageAnswerSeconds = clonePtr(v.AverageAnswerSeconds)
				d.Queues[k] = v
			}
		}
	}
	return st
}

func clonePtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}
