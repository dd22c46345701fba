package history

import (
	"context"
	"sort"
	"sync"
	"time"
)

// Memory is an in-process Store, for a single server.
type Memory struct {
	opts Options

	mu        sync.Mutex
	series    map[string][]Sample // oldest first, one per step
	lastSweep time.Time
}

// NewMemory returns an empty in-process store.
func NewMemory(opts Options) *Memory {
	return &Memory{opts: opts.withDefaults(), series: map[string][]Sample{}}
}

// Append implements Store.
func (m *Memory) Append(ctx context.Context, key string, s Sample) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s = cloneSample(s)
	s.At = s.At.Truncate(m.opts.Resolution).UTC()
	m.mu.Lock()
	defer m.mu.Unlock()
	ss := m.series[key]
	i := sort.Search(len(ss), func(i int) bool { return !ss[i].At.Before(s.At) })
	if i < len(ss) && ss[i].At.Equal(s.At) {
		ss[i] = s
	} else {
		ss = append(ss, Sample{})
		copy(ss[i+1:], ss[i:])
		ss[i] = s
	}
	cut := s.At.Add(-m.opts.Retention)
	j := sort.Search(len(ss), func(i int) bool { return ss[i].At.After(cut) })
	if j > 0 {
		ss = append([]Sample(nil), ss[j:]...)
	}
	m.series[key] = ss
	// Now and then forget series that nothing has appended to for a whole
	// retention period (a queue that was removed).
	if s.At.Sub(m.lastSweep) > m.opts.Retention/10 {
		m.lastSweep = s.At
		for k, ss := range m.series {
			if len(ss) == 0 || !ss[len(ss)-1].At.After(cut) {
				delete(m.series, k)
			}
		}
	}
	return nil
}

// Range implements Store.
func (m *Memory) Range(ctx context.Context, key string, since time.Time) ([]Sample, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	ss := m.series[key]
	i := sort.Search(len(ss), func(i int) bool { return !ss[i].At.Before(since) })
	out := make([]Sample, 0, len(ss)-i)
	for _, s := range ss[i:] {
		out = append(out, cloneSample(s))
	}
	return out, nil
}

func cloneSample(s Sample) Sample {
	s.SLACall = clone(s.SLACall)
	s.SLAChat = clone(s.SLAChat)
	return s
}
