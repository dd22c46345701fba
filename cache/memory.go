package cache

import (
	"context"
	"maps"
	"sort"
	"sync"
	"time"

	"github.com/wallboard/wallboard/model"
)

// Memory is an in-process Store: the default, for a single server.
type Memory struct {
	mu      sync.Mutex
	sources map[string]model.SourceState
	hub     *hub
	closed  bool
	ledgers map[string]map[string]string
	msgs    messages
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

// messages is Memory's floor messages.
type messages struct {
	list    []model.Message // oldest first
	log     []model.MessageLogEntry
	version uint64
}

// PostMessage implements Messages.
func (m *Memory) PostMessage(ctx context.Context, msg model.Message) (model.Message, error) {
	msg, err := msg.Normalize()
	if err != nil {
		return msg, err
	}
	msg.ID = newMessageID()
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return msg, ErrClosed
	}
	live := m.msgs.list[:0:0]
	for _, o := range m.msgs.list {
		if o.Active(msg.Posted) {
			live = append(live, o)
		}
	}
	m.msgs.list = append(live, cloneMessage(msg))
	m.logMessage(model.MessageLogEntry{Action: "posted", By: msg.Author, At: msg.Posted, Message: cloneMessage(msg)})
	return cloneMessage(msg), nil
}

// RemoveMessage implements Messages.
func (m *Memory) RemoveMessage(ctx context.Context, id, by string, at time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return ErrClosed
	}
	for i, o := range m.msgs.list {
		if o.ID == id && o.Active(at) {
			m.msgs.list = append(m.msgs.list[:i:i], m.msgs.list[i+1:]...)
			m.logMessage(model.MessageLogEntry{Action: "removed", By: by, At: at, Message: o})
			return nil
		}
	}
	return ErrNoMessage
}

// logMessage records e, bumps the version and notifies; m.mu is held.
func (m *Memory) logMessage(e model.MessageLogEntry) {
	m.msgs.log = append([]model.MessageLogEntry{e}, m.msgs.log...)
	if len(m.msgs.log) > model.MessageLogSize {
		m.msgs.log = m.msgs.log[:model.MessageLogSize]
	}
	m.msgs.version++
	m.hub.publish(Event{Source: MessagesSource, Version: m.msgs.version})
}

// Messages implements Messages.
func (m *Memory) Messages(ctx context.Context, now time.Time) ([]model.Message, uint64, error) {
	if err := ctx.Err(); err != nil {
		return nil, 0, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil, 0, ErrClosed
	}
	var out []model.Message
	for _, o := range m.msgs.list {
		if o.Active(now) {
			out = append(out, cloneMessage(o))
		}
	}
	return out, m.msgs.version, nil
}

// MessageLog implements Messages.
func (m *Memory) MessageLog(ctx context.Context) ([]model.MessageLogEntry, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil, ErrClosed
	}
	out := make([]model.MessageLogEntry, len(m.msgs.log))
	for i, e := range m.msgs.log {
		e.Message = cloneMessage(e.Message)
		out[i] = e
	}
	return out, nil
}

func cloneMessage(m model.Message) model.Message {
	m.Boards = append([]string(nil), m.Boards...)
	return m
}
