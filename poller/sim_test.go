package poller

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wallboard/wallboard/internal/testlog"
	"github.com/wallboard/wallboard/model"
	"github.com/wallboard/wallboard/simulator"
	"github.com/wallboard/wallboard/simulator/ujet"
)

const simToken = "sim-T0ken-that-must-not-leak"

// simUJET is the project's UJET simulator on loopback. Speed is tiny so that
// the center hardly changes by itself while its clock follows the wall
// clock: tests compare the board with the center's truth and make the
// changes they want themselves.
type simUJET struct {
	center  *simulator.Center
	handler *ujet.Handler
	url     string
}

func startSim(t *testing.T, o simulator.Options, rateLimit time.Duration, opts ...func(*ujet.Options)) *simUJET {
	t.Helper()
	o.Speed = 0.0001
	center := simulator.New(o)
	uo := ujet.Options{Subdomain: "acme", Token: simToken, RateLimit: rateLimit, SlowDelay: 1500 * time.Millisecond}
	for _, f := range opts {
		f(&uo)
	}
	h := ujet.NewHandler(center, uo)
	srv := httptest.NewServer(h)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { center.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done; srv.Close() })
	return &simUJET{center: center, handler: h, url: srv.URL + ujet.Prefix}
}

func (s *simUJET) run(t *testing.T, cfg Config, httpTimeout time.Duration, logs *testlog.Buffer) *recorder {
	t.Helper()
	rec, _ := s.start(t, cfg, httpTimeout, logs)
	return rec
}

// start is run that also returns a function stopping the poller, as a
// replica does when it stops leading; it is called again at cleanup.
func (s *simUJET) start(t *testing.T, cfg Config, httpTimeout time.Duration, logs *testlog.Buffer) (*recorder, func()) {
	t.Helper()
	c, err := NewClient(ClientConfig{BaseURL: s.url, Subdomain: "acme", Token: simToken, HTTPClient: &http.Client{Timeout: httpTimeout}})
	if err != nil {
		t.Fatal(err)
	}
	rec := newRecorder()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { New(c, rec, cfg, testLogger(logs)).Run(ctx); close(done) }()
	stop := sync.OnceFunc(func() { cancel(); <-done })
	t.Cleanup(stop)
	return rec, stop
}

func (s *simUJET) arrivals() []time.Time {
	var out []time.Time
	for _, r := range s.handler.Requests() {
		out = append(out, r.At)
	}
	return out
}

func fullName(a simulator.Agent) string { return strings.TrimSpace(a.FirstName + " " + a.LastName) }

// everyAgentNamed reports whether st has every agent of the truth with its name.
func everyAgentNamed(tr simulator.Truth) func(model.SourceState) bool {
	return func(st model.SourceState) bool {
		if !st.OK || len(st.Agents) != len(tr.Agents) {
			return false
		}
		for _, a := range tr.Agents {
			if m, ok := findAgent(st, fmt.Sprint(a.ID)); !ok || m.Name != fullName(a) {
				return false
			}
		}
		return true
	}
}

// TestSimulatorAtRealLimit polls the simulator at its real limit of one
// request per second with the default settings.
func TestSimulatorAtRealLimit(t *testing.T) {
	t.Parallel()
	sim := startSim(t, simulator.Options{Seed: 7, Agents: 30}, time.Second)
	logs := &testlog.Buffer{}
	rec := sim.run(t, Config{}, 10*time.Second, logs)
	rec.waitFor(t, 2*time.Minute, "every agent with its name at 1 request per second", everyAgentNamed(sim.center.Truth()))
	reqs := sim.handler.Requests()
	if len(reqs) < 4 {
		t.Errorf("only %d requests", len(reqs))
	}
	for _, r := range reqs {
		if r.Status != http.StatusOK {
			t.Errorf("%s answered %d", r.Path, r.Status)
		}
	}
	checkSpacing(t, sim.arrivals(), time.Second)
	if strings.Contains(logs.String(), simToken) {
		t.Error("token in logs")
	}
}

func TestSimulatorBoardMatchesTruth(t *testing.T) {
	t.Parallel()
	// 2 pages of agents at the simulator's maximum of 100; seed 4 has agents on hold.
	sim := startSim(t, simulator.Options{Seed: 4, Agents: 130}, fastGap)
	cfg := fastConfig()
	rec := sim.run(t, cfg, 2*time.Second, &testlog.Buffer{})
	tr := sim.center.Truth()
	bothSLA := func(st model.SourceState) bool {
		if !everyAgentNamed(tr)(st) {
			return false
		}
		for _, q := range st.Queues {
			if strings.HasPrefix(q.ID, "m") { // menu paths not yet matched by the SLA lists
				return false
			}
		}
		return len(st.Queues) >= len(tr.Queues) && len(st.QueueGroups) == 2*len(tr.QueueGroups)
	}
	st := rec.waitFor(t, 10*time.Second, "every agent, every queue and every queue group", bothSLA)
	tr = sim.center.Truth()
	now := time.Now()

	colors := map[int]string{}
	for _, s := range tr.Statuses {
		colors[s.ID] = s.Color
	}
	onHold, custom := 0, 0
	for _, a := range tr.Agents {
		m, _ := findAgent(st, fmt.Sprint(a.ID))
		if !a.LoggedIn {
			if m.State != model.StateOffline {
				t.Errorf("logged-out agent %d is %s", a.ID, m.State)
			}
			continue
		}
		if m.Status != a.StatusName || m.StatusColor != colors[a.StatusID] || m.State != cfg.withDefaults().StatusMap.State(a.StatusName) {
			t.Errorf("agent %d = %q %q %s, want %q %q", a.ID, m.Status, m.StatusColor, m.State, a.StatusName, colors[a.StatusID])
		}
		if m.Since == nil || absDur(m.Since.Sub(a.StatusSince)) > time.Millisecond {
			t.Errorf("agent %d since %v, want %v", a.ID, m.Since, a.StatusSince)
		}
		if m.OnHold != a.OnHold {
			t.Errorf("agent %d on hold %v, want %v", a.ID, m.OnHold, a.OnHold)
		}
		if a.OnHold {
			onHold++
			if m.HoldSince == nil || absDur(m.HoldSince.Sub(*a.HoldSince)) > 2*time.Second {
				t.Errorf("agent %d hold since %v, want %v", a.ID, m.HoldSince, a.HoldSince)
			}
		}
		if a.StatusID > 0 {
			custom++
		}
		var teams []string
		for _, id := range a.TeamIDs {
			for _, tm := range tr.Teams {
				if tm.ID == id {
					teams = append(teams, tm.Name)
				}
			}
		}
		if strings.Join(m.Teams, ",") != strings.Join(teams, ",") {
			t.Errorf("agent %d teams %v, want %v", a.ID, m.Teams, teams)
		}
	}
	t.Logf("%d agents, %d on hold, %d in custom statuses, %d queues", len(tr.Agents), onHold, custom, len(tr.Queues))
	if onHold == 0 || custom == 0 {
		t.Errorf("the scenario has %d agents on hold and %d in custom statuses; pick a seed with both", onHold, custom)
	}

	nilSLA := 0
	for _, ch := range []string{"call", "chat"} {
		for _, s := range tr.SLA(ch, cfg.withDefaults().SLAMinutes, now) {
			id := fmt.Sprintf("%d:%s:%s", s.MenuPathID, s.Lang, ch)
			q, ok := findQueue(st, id)
			if !ok {
				t.Errorf("queue %s (%s) missing", id, s.Path)
				continue
			}
			if s.Percent == nil {
				nilSLA++
				if q.SLAPercent != nil {
					t.Errorf("queue %s SLA %v, want nil (null)", id, *q.SLAPercent)
				}
			} else if q.SLAPercent == nil || math.Abs(*q.SLAPercent-math.Round(*s.Percent*10)/10) > 0.051 {
				t.Errorf("queue %s SLA %s, want %.1f", id, ptrStr(q.SLAPercent), *s.Percent)
			}
			if q.Name != s.Path {
				t.Errorf("queue %s name %q, want %q", id, q.Name, s.Path)
			}
		}
	}
	for _, tq := range tr.Queues {
		q, _ := findQueue(st, fmt.Sprintf("%d:%s:%s", tq.MenuPathID, tq.Lang, tq.Channel))
		if q.Waiting != len(tq.Waiting) {
			t.Errorf("queue %s waiting %d, want %d", q.ID, q.Waiting, len(tq.Waiting))
		}
		if len(tq.Waiting) > 0 && (q.OldestSince == nil || absDur(q.OldestSince.Sub(tq.Waiting[0])) > time.Millisecond) {
			t.Errorf("queue %s oldest since %v, want %v", q.ID, q.OldestSince, tq.Waiting[0])
		}
	}
	t.Logf("%d queue SLAs null", nilSLA)

	// Queue groups, per channel, with their SLA; null stays null.
	for _, ch := range []string{"call", "chat"} {
		for _, g := range tr.SLAByGroup(ch, cfg.withDefaults().SLAMinutes, now) {
			var got *model.QueueGroup
			for i := range st.QueueGroups {
				if q := &st.QueueGroups[i]; q.ID == fmt.Sprint(g.GroupID) && q.Channel == ch {
					got = q
				}
			}
			switch {
			case got == nil:
				t.Errorf("queue group %d (%s) %s missing", g.GroupID, g.Name, ch)
			case got.Name != g.Name:
				t.Errorf("queue group %d name %q, want %q", g.GroupID, got.Name, g.Name)
			case g.Percent == nil && got.SLAPercent != nil:
				t.Errorf("queue group %s %s SLA %v, want nil (null)", g.Name, ch, *got.SLAPercent)
			case g.Percent != nil && (got.SLAPercent == nil || math.Abs(*got.SLAPercent-math.Round(*g.Percent*10)/10) > 0.051):
				t.Errorf("queue group %s %s SLA %s, want %.1f", g.Name, ch, ptrStr(got.SLAPercent), *g.Percent)
			}
		}
	}

	// The board follows changes.
	agent := tr.Agents[0]
	if err := sim.center.SetAgentStatus(agent.ID, "Team Meeting"); err != nil {
		t.Fatal(err)
	}
	tq := tr.Queues[len(tr.Queues)-1]
	if err := sim.center.Enqueue(tq.MenuPathID, tq.Lang, tq.Channel); err != nil {
		t.Fatal(err)
	}
	want := sim.center.Truth()
	var wantWaiting int
	for _, q := range want.Queues {
		if q.MenuPathID == tq.MenuPathID && q.Lang == tq.Lang && q.Channel == tq.Channel {
			wantWaiting = len(q.Waiting)
		}
	}
	rec.waitFor(t, 3*time.Second, "the agent's new status and the queue's new contact", func(st model.SourceState) bool {
		a, _ := findAgent(st, fmt.Sprint(agent.ID))
		q, _ := findQueue(st, fmt.Sprintf("%d:%s:%s", tq.MenuPathID, tq.Lang, tq.Channel))
		return a.Status == "Team Meeting" && a.StatusColor == "deep_purple" && a.State == model.StateAway && q.Waiting == wantWaiting
	})
	checkSpacing(t, sim.arrivals(), fastGap)
	for _, r := range sim.handler.Requests() {
		if r.Status != http.StatusOK {
			t.Errorf("%s answered %d", r.Path, r.Status)
		}
	}
}

func TestSimulatorFaults(t *testing.T) {
	t.Parallel()
	// No warm-up: no contact was handled yet, so every SLA is null.
	sim := startSim(t, simulator.Options{Seed: 7, Agents: 20, WarmUp: -1}, fastGap)
	logs := &testlog.Buffer{}
	rec := sim.run(t, fastConfig(), 700*time.Millisecond, logs)
	tr := sim.center.Truth()
	good := rec.waitFor(t, 10*time.Second, "first load", func(st model.SourceState) bool {
		if !everyAgentNamed(tr)(st) || len(st.Queues) != len(tr.Queues) || len(st.QueueGroups) != 2*len(tr.QueueGroups) {
			return false
		}
		for _, q := range st.Queues {
			if strings.HasPrefix(q.ID, "m") {
				return false
			}
		}
		return true
	})
	for _, q := range good.Queues {
		if q.SLAPercent != nil || q.Waiting != 0 {
			t.Errorf("queue %s before any contact: SLA %s, waiting %d; want nil (null) and 0", q.ID, ptrStr(q.SLAPercent), q.Waiting)
		}
	}
	for _, g := range good.QueueGroups {
		if g.SLAPercent != nil {
			t.Errorf("queue group %s %s before any contact: SLA %s, want nil (null)", g.Name, g.Channel, ptrStr(g.SLAPercent))
		}
	}

	faults := []struct {
		kind ujet.FaultKind
		path string
		want string // "" for faults that must not break anything
	}{
		{ujet.FaultStatus500, epAgentsStatus, "UJET: server error 500"},
		{ujet.FaultUnauthorized, epMenusStatus, "UJET: 401 unauthorized"},
		{ujet.FaultTooMany, epAgentsStatus, "UJET: rate limited"},
		{ujet.FaultMalformedJSON, epMenusStatus, "UJET: malformed JSON from menus/current_status"},
		{ujet.FaultHTML, epAgentsStatus, "UJET: server error 502"},
		{ujet.FaultHTMLOK, epAgentsStatus, "UJET: HTML page instead of JSON from agents/current_status"},
		{ujet.FaultSlow, epAgentsStatus, "UJET: timeout"},
		{ujet.FaultHTMLOK, "menus/sla", "UJET: HTML page instead of JSON from menus/sla"},
		{ujet.FaultNullFields, epAgentsStatus, ""},
		{ujet.FaultExtraFields, epMenusStatus, ""},
		{ujet.FaultNullFields, epMenusStatus, ""},
		{ujet.FaultExtraFields, epAgentsStatus, ""},
	}
	for _, f := range faults {
		before, beforeReq := len(rec.all()), len(sim.handler.Requests())
		sim.handler.Inject(ujet.Fault{Path: f.path, Kind: f.kind, Count: 1})
		if f.want == "" {
			// Wait until the fault was served, then check nothing broke.
			for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
				if faultServed(sim.handler.Requests()[beforeReq:], f.path) {
					break
				}
			}
			time.Sleep(50 * time.Millisecond)
			for _, st := range rec.all()[before:] {
				if !st.OK {
					t.Errorf("fault %d on %s: state not OK: %q", f.kind, f.path, st.Error)
				}
			}
			continue
		}
		bad := rec.waitFor(t, 5*time.Second, fmt.Sprintf("fault %d on %s", f.kind, f.path), func(st model.SourceState) bool { return !st.OK })
		if bad.Error != f.want {
			t.Errorf("fault %d on %s: error %q, want %q", f.kind, f.path, bad.Error, f.want)
		}
		if len(bad.Agents) != len(good.Agents) || len(bad.Queues) < len(good.Queues) {
			t.Errorf("fault %d: %d agents and %d queues kept, want %d and %d", f.kind, len(bad.Agents), len(bad.Queues), len(good.Agents), len(good.Queues))
		}
		rec.waitFor(t, 10*time.Second, "recovery", func(st model.SourceState) bool { return st.OK && everyAgentNamed(tr)(st) })
	}
	reqs := sim.handler.Requests()
	checkSpacing(t, sim.arrivals(), fastGap)
	for i, r := range reqs {
		if r.Status == http.StatusTooManyRequests && i+1 < len(reqs) {
			if d := reqs[i+1].At.Sub(r.At); d < 2*time.Second {
				t.Errorf("request after a 429 with Retry-After: 2 came %v later", d)
			}
		}
	}
	out := logs.String()
	if strings.Contains(out, simToken) {
		t.Errorf("token in logs:\n%s", out)
	}
	if n := strings.Count(out, "level=WARN"); n != 8 {
		t.Errorf("%d warnings for 8 faults:\n%s", n, out)
	}
}

// faultServed reports whether a request to path among reqs was answered.
func faultServed(reqs []ujet.Request, path string) bool {
	for _, r := range reqs {
		if r.Path == path && r.Status != 0 {
			return true
		}
	}
	return false
}
