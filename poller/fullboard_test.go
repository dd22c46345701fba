package poller

import (
	"testing"
	"time"

	"github.com/wallboard/wallboard/internal/testlog"
	"github.com/wallboard/wallboard/model"
	"github.com/wallboard/wallboard/simulator"
)

// TestFullBoardFirst starts a poller with the default settings against a
// server at UJET's real limit of one request a second: the live lists and
// both SLA lists are the first four requests, so every figure tile (agents
// by state, logged in, waiting, longest wait, call and chat SLA) has data
// before any reference data is read. It logs how long that took, and when
// the names and today's counts followed.
func TestFullBoardFirst(t *testing.T) {
	t.Parallel()
	sim := startSim(t, simulator.Options{Seed: 4, Agents: 60}, time.Second)
	start := time.Now()
	rec := sim.run(t, Config{}, 10*time.Second, &testlog.Buffer{})
	full := func(st model.SourceState) bool {
		if len(st.Agents) == 0 || st.Fresh["agents"].IsZero() || st.Fresh["queues"].IsZero() {
			return false
		}
		call, chat := false, false
		for _, q := range st.Queues {
			if q.SLAPercent != nil {
				call = call || q.Channel == "call"
				chat = chat || q.Channel == "chat"
			}
		}
		return call && chat
	}
	rec.waitFor(t, 20*time.Second, "live lists and both SLA lists", full)
	t.Logf("full board (agents, queues, call and chat SLA) %v after start", time.Since(start).Round(10*time.Millisecond))
	reqs := sim.handler.Requests()
	want := []string{epAgentsStatus, epMenusStatus, "menus/sla", "menus/sla"}
	for i, w := range want {
		if i >= len(reqs) {
			t.Fatalf("only %d requests before a full board, want the live lists and the SLA first", len(reqs))
		}
		if reqs[i].Path != w {
			t.Fatalf("request %d is %v, want %s: the live lists and the SLA go first", i, reqs[i].Path, w)
		}
	}
	rec.waitFor(t, 2*time.Minute, "names and today's counts", func(st model.SourceState) bool {
		return !st.Fresh["reference"].IsZero() && !st.Fresh["day_counts"].IsZero()
	})
	t.Logf("names and today's counts %v after start", time.Since(start).Round(10*time.Millisecond))
	checkSpacing(t, sim.arrivals(), time.Second)
}
