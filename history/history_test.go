package history_test

import (
	"context"
	"encoding/json"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wallboard/wallboard/cache"
	"github.com/wallboard/wallboard/cache/storetest"
	"github.com/wallboard/wallboard/history"
	"github.com/wallboard/wallboard/model"
)

var t0 = time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)

func f(v float64) *float64 { return &v }

// stores returns factories of each Store implementation: each call of a
// factory returns a store on the same backend (two samplers' view).
func stores(t *testing.T) map[string]func(opts history.Options) history.Store {
	url := storetest.RedisURL(t)
	prefix := storetest.Prefix(t, url)
	c := storetest.Client(t, url)
	var mem *history.Memory
	return map[string]func(history.Options) history.Store{
		"memory": func(o history.Options) history.Store {
			if mem == nil {
				mem = history.NewMemory(o)
			}
			return mem
		},
		"redis": func(o history.Options) history.Store { return history.NewRedis(c, prefix, o) },
	}
}

func TestStores(t *testing.T) {
	for name, newStore := range stores(t) {
		t.Run(name, func(t *testing.T) {
			ctx := t.Context()
			opts := history.Options{Retention: 10 * time.Minute}
			a, b := newStore(opts), newStore(opts)

			// Null SLA stays null, zero stays zero.
			if err := a.Append(ctx, "queue:u:1", history.Sample{At: t0.Add(5 * time.Second), Waiting: 3, LongestWaitSeconds: 42.5, SLACall: nil, SLAChat: f(0)}); err != nil {
				t.Fatal(err)
			}
			// Same minute from another sampler: replaces, does not double.
			if err := b.Append(ctx, "queue:u:1", history.Sample{At: t0.Add(50 * time.Second), Waiting: 4, LongestWaitSeconds: 50, SLAChat: f(0)}); err != nil {
				t.Fatal(err)
			}
			got, err := a.Range(ctx, "queue:u:1", time.Time{})
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 1 {
				t.Fatalf("two appends in one minute gave %d samples", len(got))
			}
			s := got[0]
			if !s.At.Equal(t0) || s.Waiting != 4 || s.LongestWaitSeconds != 50 || s.SLACall != nil || s.SLAChat == nil || *s.SLAChat != 0 {
				t.Errorf("sample = %+v, want at %v waiting 4, longest 50, call SLA null, chat SLA 0", s, t0)
			}

			// 30 minutes of samples with a 10-minute retention.
			for i := range 30 {
				sla := float64(i)
				if err := a.Append(ctx, "board:all", history.Sample{At: t0.Add(time.Duration(i) * time.Minute), Waiting: i, SLACall: &sla}); err != nil {
					t.Fatal(err)
				}
			}
			got, err = b.Range(ctx, "board:all", time.Time{})
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 10 || got[0].Waiting != 20 || got[9].Waiting != 29 {
				t.Fatalf("after 30 minutes with 10 kept: %d samples, %+v", len(got), got)
			}
			for i := 1; i < len(got); i++ {
				if !got[i].At.After(got[i-1].At) {
					t.Fatalf("samples out of order: %v then %v", got[i-1].At, got[i].At)
				}
			}
			got, _ = a.Range(ctx, "board:all", t0.Add(27*time.Minute))
			if len(got) != 3 || got[0].Waiting != 27 {
				t.Errorf("Range since minute 27: %d samples", len(got))
			}
			got, _ = a.Range(ctx, "board:none", time.Time{})
			if len(got) != 0 {
				t.Errorf("unknown series has %d samples", len(got))
			}
		})
	}
}

func TestRedisTrimsAndExpires(t *testing.T) {
	url := storetest.RedisURL(t)
	prefix := storetest.Prefix(t, url)
	c := storetest.Client(t, url)
	st := history.NewRedis(c, prefix, history.Options{Retention: time.Hour})
	for i := range 100 {
		if err := st.Append(t.Context(), "board:all", history.Sample{At: t0.Add(time.Duration(i) * time.Minute)}); err != nil {
			t.Fatal(err)
		}
	}
	key := prefix + "history:board:all"
	if n := c.ZCard(t.Context(), key).Val(); n != 60 {
		t.Errorf("Redis keeps %d samples for a one-hour retention, want 60", n)
	}
	if ttl := c.PTTL(t.Context(), key).Val(); ttl <= 0 || ttl > time.Hour+time.Minute {
		t.Errorf("series TTL %v, want about an hour", ttl)
	}
}

func TestMemoryForgetsDeadSeries(t *testing.T) {
	m := history.NewMemory(history.Options{Retention: 10 * time.Minute})
	ctx := t.Context()
	m.Append(ctx, "queue:u:gone", history.Sample{At: t0})
	for i := range 30 {
		m.Append(ctx, "board:all", history.Sample{At: t0.Add(time.Duration(i) * time.Minute)})
	}
	if got, _ := m.Range(ctx, "queue:u:gone", time.Time{}); len(got) != 0 {
		t.Errorf("a series without samples for longer than the retention still has %d", len(got))
	}
}

func testState() model.SourceState {
	oldest := t0.Add(-90 * time.Second)
	return model.SourceState{
		Health: model.Health{Source: "ujet", Kind: "ujet", OK: true, UpdatedAt: t0},
		Queues: []model.Queue{
			{Source: "ujet", ID: "1", Name: "Sales", Channel: "call", Waiting: 2, OldestSince: &oldest, SLAPercent: f(80)},
			{Source: "ujet", ID: "2", Name: "Support", Channel: "chat", Waiting: 1, SLAPercent: nil},
		},
		QueueGroups: []model.QueueGroup{
			{Source: "ujet", ID: "20", Name: "Shipping", Channel: "call", SLAPercent: f(91.5)},
			{Source: "ujet", ID: "20", Name: "Shipping", Channel: "chat"},
		},
	}
}

func TestSamplerWithRedis(t *testing.T) {
	url := storetest.RedisURL(t)
	prefix := storetest.Prefix(t, url)
	live, err := cache.NewRedis(t.Context(), cache.RedisOptions{URL: url, Prefix: prefix})
	if err != nil {
		t.Fatal(err)
	}
	defer live.Close()
	if _, err := live.Put(t.Context(), testState()); err != nil {
		t.Fatal(err)
	}
	hist := history.NewRedis(live.Client(), prefix, history.Options{})
	// Two samplers (a leadership change within the minute) write one sample.
	for _, at := range []time.Time{t0, t0.Add(20 * time.Second), t0.Add(time.Minute)} {
		if err := history.NewSampler(live, hist, history.SamplerOptions{}).SampleAt(t.Context(), at); err != nil {
			t.Fatal(err)
		}
	}
	checkSampled(t, hist)
}

func TestSamplerWithMemory(t *testing.T) {
	live := cache.NewMemory()
	defer live.Close()
	if _, err := live.Put(t.Context(), testState()); err != nil {
		t.Fatal(err)
	}
	hist := history.NewMemory(history.Options{})
	s := history.NewSampler(live, hist, history.SamplerOptions{})
	for _, at := range []time.Time{t0, t0.Add(20 * time.Second), t0.Add(time.Minute)} {
		if err := s.SampleAt(t.Context(), at); err != nil {
			t.Fatal(err)
		}
	}
	checkSampled(t, hist)
}

func checkSampled(t *testing.T, hist history.Store) {
	t.Helper()
	ctx := t.Context()
	q1, _ := hist.Range(ctx, history.QueueKey("ujet", "1"), time.Time{})
	q2, _ := hist.Range(ctx, history.QueueKey("ujet", "2"), time.Time{})
	board, _ := hist.Range(ctx, history.BoardKey("all"), time.Time{})
	if len(q1) != 2 || len(q2) != 2 || len(board) != 2 {
		t.Fatalf("samples per series: %d, %d, %d, want 2 (two minutes)", len(q1), len(q2), len(board))
	}
	// Second minute: the oldest call waited 150 s at t0+60s.
	if s := q1[1]; s.Waiting != 2 || s.LongestWaitSeconds != 150 || s.SLACall == nil || *s.SLACall != 80 || s.SLAChat != nil {
		t.Errorf("call queue sample %+v", s)
	}
	if s := q2[0]; s.Waiting != 1 || s.LongestWaitSeconds != 0 || s.SLAChat != nil || s.SLACall != nil {
		t.Errorf("chat queue with null SLA: sample %+v", s)
	}
	if s := board[0]; s.Waiting != 3 || s.SLACall == nil || *s.SLACall != 80 || s.SLAChat != nil || s.Stale {
		t.Errorf("board sample %+v", s)
	}

	b := model.Merge("all", "All", t0, []model.SourceState{testState()})
	h, err := history.ForBoard(ctx, hist, b, t0.Add(30*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	data, _ := json.Marshal(h)
	js := string(data)
	for _, want := range []string{`"board":"all"`, `"sla_chat":null`, `"sla_call":80`, `"name":"Support"`, `"longest_wait_seconds":150`} {
		if !strings.Contains(js, want) {
			t.Errorf("history JSON lacks %s: %s", want, js)
		}
	}
	if len(h.Samples) != 1 || len(h.Queues) != 2 || len(h.Queues[0].Samples) != 1 {
		t.Errorf("ForBoard since the second minute: %s", js)
	}
	// A queue group: one series with its call and chat SLA, null kept.
	if len(h.Groups) != 1 || h.Groups[0].Name != "Shipping" || len(h.Groups[0].Samples) != 1 {
		t.Fatalf("queue group history: %s", js)
	}
	if s := h.Groups[0].Samples[0]; s.SLACall == nil || *s.SLACall != 91.5 || s.SLAChat != nil {
		t.Errorf("queue group sample %+v, want call 91.5 and chat null", s)
	}
}

type failingSnapshot struct{ calls atomic.Int32 }

func (f *failingSnapshot) Snapshot(context.Context) ([]model.SourceState, error) {
	f.calls.Add(1)
	return nil, cache.ErrClosed
}

func TestSamplerRunSamplesEachInterval(t *testing.T) {
	live := cache.NewMemory()
	defer live.Close()
	live.Put(t.Context(), testState())
	hist := history.NewMemory(history.Options{Resolution: 50 * time.Millisecond})
	s := history.NewSampler(live, hist, history.SamplerOptions{Interval: 50 * time.Millisecond})
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	time.Sleep(280 * time.Millisecond)
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	got, _ := hist.Range(t.Context(), history.BoardKey("all"), time.Time{})
	if len(got) < 4 || len(got) > 7 {
		t.Errorf("Run for 280 ms at 50 ms made %d samples", len(got))
	}

	// A snapshot that fails is not fatal: Run keeps trying.
	fs := &failingSnapshot{}
	ctx, cancel = context.WithTimeout(t.Context(), 130*time.Millisecond)
	defer cancel()
	_ = history.NewSampler(fs, hist, history.SamplerOptions{Interval: 50 * time.Millisecond, Logger: nil}).Run(ctx)
	if fs.calls.Load() < 2 {
		t.Errorf("Run stopped trying after a failed snapshot (%d calls)", fs.calls.Load())
	}
}

func TestBoardSampleKeepsDayCounts(t *testing.T) {
	n := func(v int) *int { return &v }
	now := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
	b := model.Board{Queues: []model.Queue{
		{ID: "1", Channel: "call", Answered: n(10), Abandoned: n(2)},
		{ID: "2", Channel: "chat", Answered: n(5), Abandoned: n(1)},
	}}
	s := history.BoardSample(b, now)
	if s.Answered == nil || *s.Answered != 15 || s.Abandoned == nil || *s.Abandoned != 3 {
		t.Errorf("board sample counts %v/%v, want 15/3", s.Answered, s.Abandoned)
	}
	if s := history.BoardSample(model.Board{}, now); s.Answered != nil {
		t.Error("a board without counts samples some")
	}
}
