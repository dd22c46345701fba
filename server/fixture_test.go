package server

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wallboard/wallboard/cache"
	fixtures "github.com/wallboard/wallboard/internal/fixture"
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
// statuses, colours, holds, channels and SLAs, some null (fixture.State).
func fixture(now time.Time, nAgents, nQueues int) model.SourceState {
	return fixtures.State(now, nAgents, nQueues)
}

func mustPut(t testing.TB, s cache.Store, st model.SourceState) {
	t.Helper()
	if _, err := s.Put(context.Background(), st); err != nil {
		t.Fatalf("put: %v", err)
	}
}
