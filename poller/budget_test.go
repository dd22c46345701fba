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
// requests within a second and never answers 429; one of the two gets the
// whole board, and once it stops, as a replica that no longer leads does,
// the other gets it too.
//
// The budget promises the limit, not fairness: the poller that made the
// last request wakes on its own spacing just as the budget frees, while the
// other wakes at the retry time Redis gave it, a round trip later, so the
// holder tends to keep the budget for many requests in a row. Waiting for
// both to load while both run would wait on that race (on a busy machine it
// took over 40 s); leader election ends the overlap in production.
func TestSharedBudgetHoldsAcrossPollers(t *testing.T) {
	t.Parallel()
	srv := storetest.StartRedis(t)
	sim := startSim(t, simulator.Options{Seed: 7, Agents: 30}, time.Second)
	logs := &testlog.Buffer{}
	var recs [2]*recorder
	var stops [2]func()
	for i := range recs {
		client := storetest.Client(t, srv.URL()) // one connection pool per "replica"
		b := budget.NewRedis(client, "wb:budget:ujet:acme", DefaultInterval)
		recs[i], stops[i] = sim.start(t, Config{Budget: b}, 10*time.Second, logs)
	}
	named := everyAgentNamed(sim.center.Truth())
	first := waitForEither(t, 2*time.Minute, "either poller to have every agent with its name, two pollers sharing 1 request per second", named, recs[0], recs[1])
	overlap := len(sim.handler.Requests())
	stops[first]()
	recs[1-first].waitFor(t, 2*time.Minute, "the other poller to have every agent with its name once the first stopped", named)
	t.Logf("poller %d had every name after %d requests from both; the other %d requests later", first, overlap, len(sim.handler.Requests())-overlap)
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
	rec.waitFor(t, 2*time.Minute, "every agent with its name while Redis is away", everyAgentNamed(sim.center.Truth()))
	checkSpacing(t, sim.arrivals(), time.Second)
	if n := strings.Count(logs.String(), "shared request budget unavailable"); n != 1 {
		t.Errorf("said %d times that the budget is unavailable, want once:\n%s", n, logs)
	}
}
