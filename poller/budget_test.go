package poller

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wallboard/wallboard/budget"
	"github.com/wallboard/wallboard/cache/storetest"
	"github.com/wallboard/wallboard/internal/testlog"
	"github.com/wallboard/wallboard/simulator"
)

// TestSharedBudgetHoldsAcrossPollers runs two pollers of one customer at
// once, as two replicas do for a moment when both believe they lead. With
// the budget they share in Redis, the UJET server still never sees two
// requests within a second, never answers 429, and both get the data.
func TestSharedBudgetHoldsAcrossPollers(t *testing.T) {
	t.Parallel()
	srv := storetest.StartRedis(t)
	sim := startSim(t, simulator.Options{Seed: 7, Agents: 30}, time.Second)
	logs := &testlog.Buffer{}
	var recs []*recorder
	for range 2 {
		client := storetest.Client(t, srv.URL()) // one connection pool per "replica"
		b := budget.NewRedis(client, "wb:budget:ujet:acme", DefaultInterval)
		recs = append(recs, sim.run(t, Config{Budget: b}, 10*time.Second, logs))
	}
	for _, rec := range recs {
		rec.waitFor(t, 40*time.Second, "every agent with its name, two pollers sharing 1 request per second", everyAgentNamed(sim.center.Truth()))
	}
	reqs := sim.handler.Requests()
	for _, r := range reqs {
		if r.Status != http.StatusOK {
			t.Errorf("%s answered %d", r.Path, r.Status)
		}
	}
	checkSpacing(t, sim.arrivals(), time.Second)
	t.Logf("%d requests from two pollers over %v", len(reqs), reqs[len(reqs)-1].At.Sub(reqs[0].At).Round(time.Millisecond))
	if strings.Contains(logs.String(), simToken) {
		t.Error("token in logs")
	}
}

// TestBudgetAwayFallsBackToOwnSpacing: when Redis cannot be asked, the
// poller says so once and goes on at its own 1 request per second.
func TestBudgetAwayFallsBackToOwnSpacing(t *testing.T) {
	t.Parallel()
	srv := storetest.StartRedis(t)
	client := storetest.Client(t, srv.URL())
	srv.Kill()
	sim := startSim(t, simulator.Options{Seed: 7, Agents: 30}, time.Second)
	logs := &testlog.Buffer{}
	rec := sim.run(t, Config{Budget: budget.NewRedis(client, "wb:budget:ujet:acme", DefaultInterval)}, 10*time.Second, logs)
	rec.waitFor(t, 10*time.Second, "every agent with its name while Redis is away", everyAgentNamed(sim.center.Truth()))
	checkSpacing(t, sim.arrivals(), time.Second)
	if n := strings.Count(logs.String(), "shared request budget unavailable"); n != 1 {
		t.Errorf("said %d times that the budget is unavailable, want once:\n%s", n, logs)
	}
}
