// Package storetest is the test suite every cache.Store implementation must
// pass, and helpers that give tests a real Redis server.
package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/wallboard/wallboard/cache"
	"github.com/wallboard/wallboard/model"
)

// eventTimeout bounds how long the suite waits for an event that must come.
const eventTimeout = 5 * time.Second

// Run runs the shared suite against stores made by newStore. Each call of
// newStore must return a new, empty store; the suite closes it.
func Run(t *testing.T, newStore func(t *testing.T) cache.Store) {
	t.Run("PutSnapshotVersions", func(t *testing.T) { testPutSnapshot(t, newStore(t)) })
	t.Run("SnapshotSorted", func(t *testing.T) { testSorted(t, newStore(t)) })
	t.Run("DeepCopyIsolation", func(t *testing.T) { testIsolation(t, newStore(t)) })
	t.Run("SubscribeAfterPut", func(t *testing.T) { testSubscribe(t, newStore(t)) })
	t.Run("SlowSubscriberGetsLatest", func(t *testing.T) { testCoalescing(t, newStore(t)) })
	t.Run("CancelClosesSubscription", func(t *testing.T) { testCancel(t, newStore(t)) })
	t.Run("CloseClosesSubscriptions", func(t *testing.T) { testClose(t, newStore(t)) })
	t.Run("Ledger", func(t *testing.T) { testLedger(t, newStore(t)) })
}

// RunReplicas runs the part of the suite that needs two stores on one
// backend (two replicas sharing a Redis prefix). newPair returns two new
// stores that share an empty backend; the suite closes them.
func RunReplicas(t *testing.T, newPair func(t *testing.T) (a, b cache.Store)) {
	t.Run("ReplicasSeeEachOther", func(t *testing.T) {
		a, b := newPair(t)
		testReplicas(t, a, b)
	})
	t.Run("ReplicasShareLedgers", func(t *testing.T) {
		a, b := newPair(t)
		testLedgerReplicas(t, a, b)
	})
}

// State returns a source state with n agents and m queues, with every
// optional field set on some of them, for tests and benchmarks.
func State(source string, n, m int) model.SourceState {
	t0 := time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
	st := model.SourceState{
		Health: model.Health{Source: source, Kind: "ujet", OK: true, UpdatedAt: t0},
		Agents: make([]model.Agent, 0, n),
		Queues: make([]model.Queue, 0, m),
	}
	states := model.States()
	for i := range n {
		since := t0.Add(-time.Duration(i) * time.Second)
		a := model.Agent{
			Source: source, ID: fmt.Sprint(1000 + i), Name: fmt.Sprintf("Agent <%d> Ünïcode", i),
			Teams: []string{"Team " + fmt.Sprint(i%5)}, State: states[i%len(states)],
			Status: "Custom " + fmt.Sprint(i%7), StatusColor: "#00ff00", Since: &since,
		}
		if i%4 == 0 {
			hold := since.Add(time.Second)
			a.OnHold, a.HoldSince = true, &hold
		}
		st.Agents = append(st.Agents, a)
	}
	for i := range m {
		q := model.Queue{
			Source: source, ID: fmt.Sprint(i), Name: fmt.Sprintf("Sales / Line %d", i), Lang: "en",
			Channel: []string{"call", "chat"}[i%2], Waiting: i % 6, AverageWaitSeconds: float64(i) / 3,
		}
		if q.Waiting > 0 {
			o := t0.Add(-time.Duration(i) * time.Minute)
			q.OldestSince = &o
		}
		if i%3 != 0 { // every third queue keeps a null SLA
			sla := 80 + float64(i)/10
			q.SLAPercent = &sla
			ans := i * 2
			q.Answered = &ans
		}
		st.Queues = append(st.Queues, q)
	}
	// Two queue groups, one with a null chat SLA.
	for i, name := range []string{"Shipping", "Customer Support"} {
		for _, ch := range []string{"call", "chat"} {
			g := model.QueueGroup{Source: source, ID: fmt.Sprint(20 + i), Name: name, Channel: ch}
			if i == 0 || ch == "call" {
				sla := 90 + float64(i)
				g.SLAPercent = &sla
			}
			st.QueueGroups = append(st.QueueGroups, g)
		}
	}
	return st
}

func bg(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func closeAtEnd(t *testing.T, s cache.Store) {
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
}

// canonical is st as JSON with the version cleared and nil slices empty,
// so that stores that round-trip through JSON compare equal to the input.
func canonical(t *testing.T, st model.SourceState) string {
	t.Helper()
	st.Version = 0
	if st.Agents == nil {
		st.Agents = []model.Agent{}
	}
	if st.Queues == nil {
		st.Queues = []model.Queue{}
	}
	agents := make([]model.Agent, len(st.Agents))
	copy(agents, st.Agents)
	for i := range agents {
		if agents[i].Teams == nil {
			agents[i].Teams = []string{}
		}
	}
	st.Agents = agents
	b, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func mustPut(t *testing.T, s cache.Store, st model.SourceState) model.SourceState {
	t.Helper()
	got, err := s.Put(bg(t), st)
	if err != nil {
		t.Fatalf("Put(%q): %v", st.Source, err)
	}
	return got
}

func mustSnapshot(t *testing.T, s cache.Store) []model.SourceState {
	t.Helper()
	got, err := s.Snapshot(bg(t))
	if err != nil {
		t.Fatalf("Snapshot: %v", err)
	}
	return got
}

func find(states []model.SourceState, source string) (model.SourceState, bool) {
	for _, st := range states {
		if st.Source == source {
			return st, true
		}
	}
	return model.SourceState{}, false
}

func testPutSnapshot(t *testing.T, s cache.Store) {
	closeAtEnd(t, s)
	if got := mustSnapshot(t, s); len(got) != 0 {
		t.Fatalf("new store has %d sources, want 0", len(got))
	}
	a1 := mustPut(t, s, State("a", 3, 2))
	if a1.Version == 0 {
		t.Fatalf("Put returned version 0")
	}
	a2in := State("a", 5, 4)
	a2in.Version = 12345 // callers' versions are ignored
	a2 := mustPut(t, s, a2in)
	b1 := mustPut(t, s, State("b", 1, 1))
	if a2.Version <= a1.Version {
		t.Errorf("second Put of a: version %d, not above %d", a2.Version, a1.Version)
	}
	if b1.Version == 0 {
		t.Errorf("Put of b returned version 0")
	}
	snap := mustSnapshot(t, s)
	if len(snap) != 2 {
		t.Fatalf("snapshot has %d sources, want 2", len(snap))
	}
	got, _ := find(snap, "a")
	if got.Version != a2.Version {
		t.Errorf("snapshot version of a = %d, Put returned %d", got.Version, a2.Version)
	}
	if want := canonical(t, a2in); canonical(t, got) != want {
		t.Errorf("snapshot of a differs from the last Put:\n got %s\nwant %s", canonical(t, got), want)
	}
	if canonical(t, a2) != canonical(t, a2in) {
		t.Errorf("Put returned a different state:\n got %s\nwant %s", canonical(t, a2), canonical(t, a2in))
	}
	// Nulls stay null.
	for _, q := range got.Queues {
		if q.ID == "0" && q.SLAPercent != nil {
			t.Errorf("queue 0 SLA = %v, want null", *q.SLAPercent)
		}
	}
}

func testSorted(t *testing.T, s cache.Store) {
	closeAtEnd(t, s)
	for _, src := range []string{"zeta", "alpha", "mid", "Beta"} {
		mustPut(t, s, State(src, 1, 1))
	}
	snap := mustSnapshot(t, s)
	var names []string
	for _, st := range snap {
		names = append(names, st.Source)
	}
	want := []string{"Beta", "alpha", "mid", "zeta"}
	if fmt.Sprint(names) != fmt.Sprint(want) {
		t.Errorf("snapshot order %v, want %v", names, want)
	}
}

func testIsolation(t *testing.T, s cache.Store) {
	closeAtEnd(t, s)
	in := State("a", 4, 3)
	want := canonical(t, in)
	out := mustPut(t, s, in)
	// Mutate what was put and what Put returned, deep inside.
	for _, st := range []model.SourceState{in, out} {
		st.Agents[0].Name = "changed"
		st.Agents[0].Teams[0] = "changed"
		*st.Agents[0].Since = time.Time{}
		*st.Agents[0].HoldSince = time.Time{}
		*st.Queues[1].SLAPercent = -1
		*st.Queues[1].OldestSince = time.Time{}
		*st.Queues[1].Answered = -1
	}
	snap := mustSnapshot(t, s)
	if got := canonical(t, snap[0]); got != want {
		t.Fatalf("store changed by callers' writes:\n got %s\nwant %s", got, want)
	}
	snap[0].Agents[0].Teams[0] = "changed"
	*snap[0].Queues[1].SLAPercent = -1
	*snap[0].Agents[0].Since = time.Time{}
	if got := canonical(t, mustSnapshot(t, s)[0]); got != want {
		t.Fatalf("store changed through a snapshot:\n got %s\nwant %s", got, want)
	}
}

// waitEvent reads ch until an event for source at or after version arrives.
func waitEvent(t *testing.T, ch <-chan cache.Event, source string, version uint64) {
	t.Helper()
	timeout := time.After(eventTimeout)
	for {
		select {
		case ev, ok := <-ch:
			if !ok {
				t.Fatalf("subscription closed while waiting for %s@%d", source, version)
			}
			if ev.Source == source && ev.Version >= version {
				return
			}
		case <-timeout:
			t.Fatalf("no event for %s at or after version %d within %v", source, version, eventTimeout)
		}
	}
}

// waitClosed reads ch until it is closed.
func waitClosed(t *testing.T, ch <-chan cache.Event) {
	t.Helper()
	timeout := time.After(eventTimeout)
	for {
		select {
		case _, ok := <-ch:
			if !ok {
				return
			}
		case <-timeout:
			t.Fatalf("subscription not closed within %v", eventTimeout)
		}
	}
}

func testSubscribe(t *testing.T, s cache.Store) {
	closeAtEnd(t, s)
	ch := s.Subscribe(bg(t))
	st := mustPut(t, s, State("a", 1, 1))
	waitEvent(t, ch, "a", st.Version)
	st = mustPut(t, s, State("b", 1, 1))
	waitEvent(t, ch, "b", st.Version)
}

func testCoalescing(t *testing.T, s cache.Store) {
	closeAtEnd(t, s)
	ch := s.Subscribe(bg(t))
	// Nobody reads ch while 200 changes happen: Put must not block on it.
	done := make(chan model.SourceState, 1)
	go func() {
		var last model.SourceState
		for i := range 200 {
			st := State("a", 1, 1)
			st.Queues[0].Waiting = i
			var err error
			if last, err = s.Put(context.Background(), st); err != nil {
				t.Errorf("Put %d: %v", i, err)
				break
			}
		}
		done <- last
	}()
	var last model.SourceState
	select {
	case last = <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("200 Puts with an unread subscription did not finish: Put blocks on slow subscribers")
	}
	waitEvent(t, ch, "a", last.Version)
	if got, _ := find(mustSnapshot(t, s), "a"); got.Queues[0].Waiting != 199 {
		t.Errorf("snapshot after the latest event has waiting %d, want 199", got.Queues[0].Waiting)
	}
}

func testCancel(t *testing.T, s cache.Store) {
	closeAtEnd(t, s)
	ctx, cancel := context.WithCancel(context.Background())
	ch := s.Subscribe(ctx)
	other := s.Subscribe(bg(t))
	cancel()
	waitClosed(t, ch)
	// The other subscription still works.
	st := mustPut(t, s, State("a", 1, 1))
	waitEvent(t, other, "a", st.Version)
}

func testClose(t *testing.T, s cache.Store) {
	ch1 := s.Subscribe(bg(t))
	ch2 := s.Subscribe(bg(t))
	mustPut(t, s, State("a", 1, 1))
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	waitClosed(t, ch1)
	waitClosed(t, ch2)
	waitClosed(t, s.Subscribe(bg(t)))
	if _, err := s.Put(bg(t), State("a", 1, 1)); !errors.Is(err, cache.ErrClosed) {
		t.Errorf("Put after Close: %v, want ErrClosed", err)
	}
	if _, err := s.Snapshot(bg(t)); !errors.Is(err, cache.ErrClosed) {
		t.Errorf("Snapshot after Close: %v, want ErrClosed", err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func testReplicas(t *testing.T, a, b cache.Store) {
	closeAtEnd(t, a)
	closeAtEnd(t, b)
	chA := a.Subscribe(bg(t))
	chB := b.Subscribe(bg(t))

	in := State("ujet", 3, 2)
	put := mustPut(t, a, in)
	waitEvent(t, chB, "ujet", put.Version)
	waitEvent(t, chA, "ujet", put.Version)
	got, ok := find(mustSnapshot(t, b), "ujet")
	if !ok || got.Version != put.Version || canonical(t, got) != canonical(t, in) {
		t.Fatalf("replica b does not see a's Put: found %v, version %d want %d", ok, got.Version, put.Version)
	}

	put2 := mustPut(t, b, State("connect", 2, 2))
	waitEvent(t, chA, "connect", put2.Version)
	if _, ok := find(mustSnapshot(t, a), "connect"); !ok {
		t.Fatalf("replica a does not see b's Put")
	}

	// Both write one source (a leadership change): versions keep increasing.
	put3 := mustPut(t, b, State("ujet", 1, 1))
	if put3.Version <= put.Version {
		t.Errorf("version after b's Put %d, not above a's %d", put3.Version, put.Version)
	}
	waitEvent(t, chA, "ujet", put3.Version)
	if got, _ := find(mustSnapshot(t, a), "ujet"); got.Version != put3.Version || len(got.Agents) != 1 {
		t.Errorf("a sees ujet version %d with %d agents, want %d with 1", got.Version, len(got.Agents), put3.Version)
	}
}

func testLedger(t *testing.T, s cache.Store) {
	closeAtEnd(t, s)
	ctx := bg(t)
	got, err := s.LedgerLoad(ctx, "ujet-day:ujet")
	if err != nil || len(got) != 0 {
		t.Fatalf("new ledger = %v, %v; want empty", got, err)
	}
	set := map[string]string{"call:1": "a|Ünï", "chat:1": "b", "cursor": "2026-11-28T09:00:00Z"}
	if err := s.LedgerStore(ctx, "ujet-day:ujet", set, nil); err != nil {
		t.Fatal(err)
	}
	set["call:1"] = "changed" // the store keeps its own copy
	if err := s.LedgerStore(ctx, "ujet-day:ujet", map[string]string{"call:2": "c", "chat:1": "b2"}, []string{"cursor", "nothing"}); err != nil {
		t.Fatal(err)
	}
	if err := s.LedgerStore(ctx, "ujet-day:other", map[string]string{"x": "y"}, nil); err != nil {
		t.Fatal(err)
	}
	got, err = s.LedgerLoad(ctx, "ujet-day:ujet")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"call:1": "a|Ünï", "call:2": "c", "chat:1": "b2"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("ledger = %v, want %v", got, want)
	}
	got["call:1"] = "mutated"
	if again, _ := s.LedgerLoad(ctx, "ujet-day:ujet"); again["call:1"] != "a|Ünï" {
		t.Errorf("a loaded ledger shares memory with the store: %v", again)
	}

	// LedgerUpdate writes only to a ledger that exists.
	found, err := s.LedgerUpdate(ctx, "ujet-day:ujet", map[string]string{"call:3": "d"}, []string{"call:2"})
	if err != nil || !found {
		t.Fatalf("update of an existing ledger = %v, %v", found, err)
	}
	if got, _ := s.LedgerLoad(ctx, "ujet-day:ujet"); fmt.Sprint(got) != fmt.Sprint(map[string]string{"call:1": "a|Ünï", "call:3": "d", "chat:1": "b2"}) {
		t.Errorf("ledger after update = %v", got)
	}
	found, err = s.LedgerUpdate(ctx, "ujet-day:missing", map[string]string{"call:1": "x"}, []string{"y"})
	if err != nil || found {
		t.Fatalf("update of a missing ledger = %v, %v; want not found", found, err)
	}
	if got, _ := s.LedgerLoad(ctx, "ujet-day:missing"); len(got) != 0 {
		t.Errorf("an update created the missing ledger: %v", got)
	}
	// A ledger emptied by its deletes no longer exists.
	if err := s.LedgerStore(ctx, "ujet-day:other", nil, []string{"x"}); err != nil {
		t.Fatal(err)
	}
	if found, err := s.LedgerUpdate(ctx, "ujet-day:other", map[string]string{"x": "z"}, nil); err != nil || found {
		t.Errorf("update of an emptied ledger = %v, %v; want not found", found, err)
	}
	// Many entries in one update (a whole busy day).
	many := map[string]string{}
	var drop []string
	for i := range 5000 {
		many[fmt.Sprint("call:m", i)] = "v"
		drop = append(drop, fmt.Sprint("gone:", i))
	}
	if found, err := s.LedgerUpdate(ctx, "ujet-day:ujet", many, drop); err != nil || !found {
		t.Fatalf("update of 5000 entries = %v, %v", found, err)
	}
	if got, _ := s.LedgerLoad(ctx, "ujet-day:ujet"); len(got) != 5003 || got["call:m4999"] != "v" {
		t.Errorf("after a large update the ledger has %d entries, want 5003", len(got))
	}
}

func testLedgerReplicas(t *testing.T, a, b cache.Store) {
	closeAtEnd(t, a)
	closeAtEnd(t, b)
	ctx := bg(t)
	if err := a.LedgerStore(ctx, "ujet-day:ujet", map[string]string{"call:1": "h", "cursor": "c1"}, nil); err != nil {
		t.Fatal(err)
	}
	// The next leader carries on: the same entry again, one more, the cursor moved.
	if err := b.LedgerStore(ctx, "ujet-day:ujet", map[string]string{"call:1": "h", "call:2": "a", "cursor": "c2"}, nil); err != nil {
		t.Fatal(err)
	}
	got, err := a.LedgerLoad(ctx, "ujet-day:ujet")
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]string{"call:1": "h", "call:2": "a", "cursor": "c2"}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("replica a sees %v, want %v", got, want)
	}
}
