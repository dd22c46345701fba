// Package history keeps, per queue and per board, what waited, the longest
// wait and the SLA once a minute for the last day, for sparklines; and per
// queue group, its call and chat SLA. A Sampler
// (run on the elected leader) reads the live snapshot and appends one Sample
// per series; a Store keeps them, in Redis shared by every replica or in
// memory for a single server.
package history

import (
	"context"
	"time"

	"github.com/wallboard/wallboard/model"
)

// Defaults of Options.
const (
	DefaultRetention  = 24 * time.Hour
	DefaultResolution = time.Minute
)

// Sample is one series' figures at one moment.
type Sample struct {
	At                 time.Time `json:"at"` // start of the minute (of the store's resolution)
	Waiting            int       `json:"waiting"`
	LongestWaitSeconds float64   `json:"longest_wait_seconds"`
	SLACall            *float64  `json:"sla_call"` // nil when unknown: never 0 for unknown
	SLAChat            *float64  `json:"sla_chat"`
	Stale              bool      `json:"stale,omitempty"` // a source of the figures was failing
	// Answered and Abandoned are the day counts at the sample (a queue's,
	// or a board's total over its queues), when the vendor gives them (the
	// forecast's arrivals are their growth).
	Answered  *int `json:"answered,omitempty"`
	Abandoned *int `json:"abandoned,omitempty"`
}

// Store keeps series of samples, at most one per resolution step (a later
// Append for the same step replaces the earlier one, so two samplers never
// double a minute), for the retention period.
type Store interface {
	// Append adds s to the series key, replacing a sample of the same step
	// and dropping samples older than the retention before s.
	Append(ctx context.Context, key string, s Sample) error
	// Range returns the samples of key at or after since, oldest first.
	Range(ctx context.Context, key string, since time.Time) ([]Sample, error)
}

// Options configure a Store.
type Options struct {
	// Retention is how far back samples are kept. Default DefaultRetention.
	Retention time.Duration
	// Resolution is the step of a series: one sample per step. Default
	// DefaultResolution (a minute).
	Resolution time.Duration
}

func (o Options) withDefaults() Options {
	if o.Retention <= 0 {
		o.Retention = DefaultRetention
	}
	if o.Resolution <= 0 {
		o.Resolution = DefaultResolution
	}
	return o
}

// QueueKey is the series key of a queue.
func QueueKey(source, id string) string { return "queue:" + source + ":" + id }

// GroupKey is the series key of a queue group.
func GroupKey(source, id string) string { return "group:" + source + ":" + id }

// GroupSamples are the samples of a source's queue groups at now, by group
// id: one sample per group with its call and chat SLA together.
func GroupSamples(groups []model.QueueGroup, now time.Time, stale bool) map[string]Sample {
	out := map[string]Sample{}
	for _, g := range groups {
		s, ok := out[g.ID]
		if !ok {
			s = Sample{At: now, Stale: stale}
		}
		switch g.Channel {
		case "call":
			s.SLACall = clone(g.SLAPercent)
		case "chat":
			s.SLAChat = clone(g.SLAPercent)
		}
		out[g.ID] = s
	}
	return out
}

// BoardKey is the series key of a board.
func BoardKey(id string) string { return "board:" + id }

// QueueSample is the sample of q at now.
func QueueSample(q model.Queue, now time.Time, stale bool) Sample {
	s := Sample{At: now, Waiting: q.Waiting, LongestWaitSeconds: waitSeconds(q.OldestSince, now), Stale: stale,
		Answered: clone(q.Answered), Abandoned: clone(q.Abandoned)}
	switch q.Channel {
	case "call":
		s.SLACall = clone(q.SLAPercent)
	case "chat":
		s.SLAChat = clone(q.SLAPercent)
	}
	return s
}

// BoardSample is the sample of the board b at now: the totals its tiles show.
func BoardSample(b model.Board, now time.Time) Sample {
	t := b.Totals()
	return Sample{
		At:                 now,
		Waiting:            t.CallsWaiting + t.ChatsWaiting + t.OtherWaiting,
		LongestWaitSeconds: waitSeconds(t.LongestSince, now),
		SLACall:            clone(t.SLACall),
		SLAChat:            clone(t.SLAChat),
		Stale:              b.Stale(),
		Answered:           clone(t.Answered),
		Abandoned:          clone(t.Abandoned),
	}
}

func waitSeconds(since *time.Time, now time.Time) float64 {
	if since == nil {
		return 0
	}
	return max(0, now.Sub(*since).Seconds())
}

func clone[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

// BoardHistory is the JSON of GET /api/v1/boards/{id}/history: the board's
// series and one per queue of the board.
type BoardHistory struct {
	Board   string         `json:"board"`
	Since   time.Time      `json:"since"`
	Samples []Sample       `json:"samples"`
	Queues  []QueueHistory `json:"queues"`
	Groups  []GroupHistory `json:"groups"`
}

// GroupHistory is one queue group's series (call and chat SLA) in a
// BoardHistory.
type GroupHistory struct {
	Source  string   `json:"source"`
	ID      string   `json:"id"`
	Name    string   `json:"name"`
	Samples []Sample `json:"samples"`
}

// QueueHistory is one queue's series in a BoardHistory.
type QueueHistory struct {
	Source  string   `json:"source"`
	ID      string   `json:"id"`
	Name    string   `json:"name"`
	Lang    string   `json:"lang"`
	Channel string   `json:"channel"`
	Samples []Sample `json:"samples"`
}

// ForBoard reads the series of board b and of each of its queues since since.
func ForBoard(ctx context.Context, st Store, b model.Board, since time.Time) (BoardHistory, error) {
	keys := []string{BoardKey(b.ID)}
	for _, q := range b.Queues {
		keys = append(keys, QueueKey(q.Source, q.ID))
	}
	var groups []model.QueueGroup // one per source and id
	seen := map[string]bool{}
	for _, g := range b.QueueGroups {
		if k := GroupKey(g.Source, g.ID); !seen[k] {
			seen[k] = true
			groups = append(groups, g)
			keys = append(keys, k)
		}
	}
	series, err := rangeMany(ctx, st, keys, since)
	if err != nil {
		return BoardHistory{}, err
	}
	h := BoardHistory{Board: b.ID, Since: since, Samples: nonNil(series[keys[0]]), Queues: []QueueHistory{}, Groups: []GroupHistory{}}
	for _, g := range groups {
		h.Groups = append(h.Groups, GroupHistory{Source: g.Source, ID: g.ID, Name: g.Name, Samples: nonNil(series[GroupKey(g.Source, g.ID)])})
	}
	for _, q := range b.Queues {
		h.Queues = append(h.Queues, QueueHistory{
			Source: q.Source, ID: q.ID, Name: q.Name, Lang: q.Lang, Channel: q.Channel,
			Samples: nonNil(series[QueueKey(q.Source, q.ID)]),
		})
	}
	return h, nil
}

// manyRanger is a Store that reads several series at once (Redis).
type manyRanger interface {
	RangeMany(ctx context.Context, keys []string, since time.Time) (map[string][]Sample, error)
}

func rangeMany(ctx context.Context, st Store, keys []string, since time.Time) (map[string][]Sample, error) {
	if m, ok := st.(manyRanger); ok {
		return m.RangeMany(ctx, keys, since)
	}
	out := make(map[string][]Sample, len(keys))
	for _, k := range keys {
		s, err := st.Range(ctx, k, since)
		if err != nil {
			return nil, err
		}
		out[k] = s
	}
	return out, nil
}

func nonNil(s []Sample) []Sample {
	if s == nil {
		return []Sample{}
	}
	return s
}
