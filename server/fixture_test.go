package server

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wallboard/wallboard/cache"
	"github.com/wallboard/wallboard/model"
)

// flakyStore is a real in-process store whose Snapshot can be made to fail,
// as Redis does when it goes away.
type flakyStore struct {
	*cache.Memory
	down atomic.Bool
}

func newFlakyStore() *flakyStore { return &flakyStore{Memory: cache.NewMemory()} }

func (f *flakyStore) Snapshot(ctx context.Context) ([]model.SourceState, error) {
	if f.down.Load() {
		return nil, errors.New("dial tcp 10.0.0.9:6379: connect: connection refused")
	}
	return f.Memory.Snapshot(ctx)
}

func ptr[T any](v T) *T { return &v }

// fixture is a source state with nAgents agents and nQueues queues in a mix of
// statuses, colours, holds, channels and SLAs, some null.
func fixture(now time.Time, nAgents, nQueues int) model.SourceState {
	statuses := []struct {
		name, color string
		state       model.State
	}{
		{"Available", "green", model.StateAvailable},
		{"In-call", "light_blue", model.StateBusy},
		{"In-chat", "indigo", model.StateBusy},
		{"Wrap-up", "purple", model.StateWrapUp},
		{"Break", "brown", model.StateAway},
		{"Coaching", "#e91e63", model.StateAway},
		{"Meal", "blue_grey", model.StateAway},
		{"Offline", "grey", model.StateOffline},
	}
	st := model.SourceState{Health: model.Health{Source: "ujet", Kind: "ujet", OK: true, UpdatedAt: now.Add(-2 * time.Second)}}
	first := []string{"Ana", "Ben", "Chloé", "Dmitri", "Eva", "Farid", "Grace", "Hiro", "Ines", "Jonas", "Kemal", "Lena", "Mateo", "Nora", "Omar", "Priya"}
	last := []string{"Schmidt", "Okafor", "Lindqvist", "Moreau", "Tanaka", "García", "Novak", "Rossi"}
	for i := range nAgents {
		s := statuses[i%len(statuses)]
		a := model.Agent{
			Source: "ujet", ID: fmt.Sprint(1000 + i),
			Name:  fmt.Sprintf("%s %s", first[i%len(first)], last[(i/len(first))%len(last)]),
			Teams: []string{"Support"}, State: s.state, Status: s.name, StatusColor: s.color,
			Since: ptr(now.Add(-time.Duration(30+i*17) * time.Second)),
		}
		if s.state == model.StateBusy && i%3 == 0 {
			a.OnHold = true
			a.HoldSince = ptr(now.Add(-time.Duration(10+i) * time.Second))
		}
		st.Agents = append(st.Agents, a)
	}
	langs := []string{"en", "de", "fr", "es"}
	names := []string{"Sales", "Support", "Billing", "Returns", "VIP", "Technical", "Onboarding", "Claims"}
	for i := range nQueues {
		q := model.Queue{
			Source: "ujet", ID: fmt.Sprint(i + 1),
			Name: names[i%len(names)] + " / " + fmt.Sprint(i/len(names)+1), Lang: langs[i%len(langs)],
			Channel: []string{"call", "chat"}[i%2], Waiting: i % 4,
		}
		if q.Waiting > 0 {
			q.OldestSince = ptr(now.Add(-time.Duration(20+i*11) * time.Second))
			q.AverageWaitSeconds = float64(15 + i*5)
		}
		if i%5 != 4 {
			q.SLAPercent = ptr(float64(55 + (i*7)%45))
		}
		st.Queues = append(st.Queues, q)
	}
	return st
}

func mustPut(t testing.TB, s cache.Store, st model.SourceState) {
	t.Helper()
	if _, err := s.Put(context.Background(), st); err != nil {
		t.Fatalf("put: %v", err)
	}
}
