package model

import (
	"testing"
	"time"
)

func TestStatusMapFoldsNamesAndFallsBack(t *testing.T) {
	m := NewStatusMap(DefaultUJETStatuses(), map[string]State{"Training": StateBusy}, "")
	cases := map[string]State{
		"Available": StateAvailable, "available": StateAvailable, "In-call": StateBusy, "in call": StateBusy,
		"WRAP_UP": StateWrapUp, "Offline": StateOffline, "Training": StateBusy,
		"Coaching": StateAway, // custom, not mapped: the fallback
		"":         StateUnknown,
	}
	for name, want := range cases {
		if got := m.State(name); got != want {
			t.Errorf("State(%q) = %s, want %s", name, got, want)
		}
	}
	if got := NewStatusMap(nil, nil, StateUnknown).State("Whatever"); got != StateUnknown {
		t.Errorf("explicit fallback: %s", got)
	}
}

func TestMergeSortsAndTotalsKeepUnknownSLAUnknown(t *testing.T) {
	now := time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
	ago := func(d time.Duration) *time.Time { t := now.Add(-d); return &t }
	pct := func(v float64) *float64 { return &v }
	b := Merge("all", "All", now, []SourceState{
		{Health: Health{Source: "ujet", OK: true}, Agents: []Agent{
			{Source: "ujet", ID: "2", Name: "Zoë", State: StateBusy},
			{Source: "ujet", ID: "1", Name: "Ana", State: StateAvailable},
		}, Queues: []Queue{
			{Source: "ujet", ID: "q2", Name: "Sales", Channel: "chat", Waiting: 2, OldestSince: ago(30 * time.Second), SLAPercent: pct(50)},
			{Source: "ujet", ID: "q1", Name: "Sales", Channel: "call", Waiting: 3, OldestSince: ago(90 * time.Second), SLAPercent: pct(80)},
			{Source: "ujet", ID: "q3", Name: "Billing", Channel: "call", SLAPercent: nil},
		}},
		{Health: Health{Source: "connect", OK: false, Error: "Connect: reconnecting"}, Agents: []Agent{
			{Source: "connect", ID: "7", Name: "Ana", State: StateOffline},
		}},
	})
	var names []string
	for _, a := range b.Agents {
		names = append(names, a.Source+"/"+a.Name)
	}
	if got := names; len(got) != 3 || got[0] != "connect/Ana" || got[1] != "ujet/Ana" || got[2] != "ujet/Zoë" {
		t.Errorf("agents in order %v", got)
	}
	if b.Queues[0].ID != "q3" || b.Queues[1].ID != "q1" || b.Queues[2].ID != "q2" {
		t.Errorf("queues in order %s %s %s", b.Queues[0].ID, b.Queues[1].ID, b.Queues[2].ID)
	}
	if b.Sources[0].Source != "connect" || !b.Stale() {
		t.Errorf("sources %+v: a source down makes the board stale", b.Sources)
	}
	tot := b.Totals()
	if tot.CallsWaiting != 3 || tot.ChatsWaiting != 2 {
		t.Errorf("waiting calls %d chats %d", tot.CallsWaiting, tot.ChatsWaiting)
	}
	if tot.LongestSince == nil || !tot.LongestSince.Equal(*ago(90 * time.Second)) {
		t.Errorf("longest wait since %v", tot.LongestSince)
	}
	// Billing's unknown SLA is left out, not counted as 0.
	if tot.SLACall == nil || *tot.SLACall != 80 || tot.SLAChat == nil || *tot.SLAChat != 50 {
		t.Errorf("SLA call %v chat %v", tot.SLACall, tot.SLAChat)
	}
	if tot.AgentsLoggedIn != 2 || tot.AgentsByState[StateOffline] != 1 {
		t.Errorf("logged in %d, offline %d", tot.AgentsLoggedIn, tot.AgentsByState[StateOffline])
	}
	if empty := Merge("x", "", now, nil).Totals(); empty.SLACall != nil || empty.LongestSince != nil {
		t.Errorf("nothing known: %+v", empty)
	}
}

func TestStatusMapLookup(t *testing.T) {
	m := NewStatusMap(map[string]State{"In Call": StateBusy}, map[string]State{"Training": StateAway}, StateAway)
	for name, want := range map[string]struct {
		s  State
		ok bool
	}{"inCall": {StateBusy, true}, "training": {StateAway, true}, "Lunch": {StateUnknown, false}, " ": {StateUnknown, false}} {
		if s, ok := m.Lookup(name); (ok && s != want.s) || ok != want.ok {
			t.Errorf("Lookup(%q) = %s, %v; want %s, %v", name, s, ok, want.s, want.ok)
		}
	}
}

func TestTotalsSLAWeightedOrMean(t *testing.T) {
	pct := func(v float64) *float64 { return &v }
	n := func(v int) *int { return &v }
	busy := Queue{ID: "1", Channel: "call", SLAPercent: pct(90), Answered: n(495), Abandoned: n(5)}
	quiet := Queue{ID: "2", Channel: "call", SLAPercent: pct(0), Answered: n(1), Abandoned: n(1)}
	closed := Queue{ID: "3", Channel: "call", SLAPercent: pct(10), Answered: n(0), Abandoned: n(0), Closed: true, Waiting: 1}
	tot := Board{Queues: []Queue{busy, quiet, closed}}.Totals()
	if tot.SLACallMethod != SLAWeighted || tot.SLACall == nil || *tot.SLACall < 89 || *tot.SLACall > 90 {
		t.Errorf("weighted SLA %v %s, want about 89.6 weighted", tot.SLACall, tot.SLACallMethod)
	}
	if *tot.Answered != 496 || *tot.Abandoned != 6 || tot.AbandonRate == nil || *tot.AbandonRate < 1.19 || *tot.AbandonRate > 1.2 {
		t.Errorf("counts %d/%d rate %v", *tot.Answered, *tot.Abandoned, tot.AbandonRate)
	}
	if tot.CallsWaiting != 1 {
		t.Errorf("a closed queue's waiting contact is not counted: %d", tot.CallsWaiting)
	}
	quiet.Answered, quiet.Abandoned = nil, nil // a vendor without counts
	tot = Board{Queues: []Queue{busy, quiet}}.Totals()
	if tot.SLACallMethod != SLAMean || *tot.SLACall != 45 {
		t.Errorf("SLA %v %s, want 45 mean", *tot.SLACall, tot.SLACallMethod)
	}
	if tot.SLAChat != nil || tot.SLAChatMethod != "" {
		t.Errorf("chat SLA %v %q without chat queues", tot.SLAChat, tot.SLAChatMethod)
	}
	if tot = (Board{}).Totals(); tot.Answered != nil || tot.AbandonRate != nil {
		t.Error("counts without any queue having them")
	}
}
