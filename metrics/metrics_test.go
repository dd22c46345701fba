package metrics_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/wallboard/wallboard/cache"
	"github.com/wallboard/wallboard/cache/storetest"
	"github.com/wallboard/wallboard/metrics"
	"github.com/wallboard/wallboard/model"
)

// TestSourcesShowStaleDataAndAStoreThatIsAway: a source whose poller fails
// is down with the age of its last good data; when Redis goes away the
// store is down and no source is reported, rather than old figures.
func TestSourcesShowStaleDataAndAStoreThatIsAway(t *testing.T) {
	t.Parallel()
	srv := storetest.StartRedis(t)
	ctx := context.Background()
	store, err := cache.NewRedis(ctx, cache.RedisOptions{URL: srv.URL(), Prefix: "wb:"})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	now := time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
	put := func(st model.SourceState) {
		t.Helper()
		if _, err := store.Put(ctx, st); err != nil {
			t.Fatal(err)
		}
	}
	put(model.SourceState{
		Health: model.Health{Source: "ujet", Kind: "ujet", OK: true, UpdatedAt: now.Add(-2 * time.Second)},
		Agents: []model.Agent{{Source: "ujet", ID: "1"}, {Source: "ujet", ID: "2"}},
		Queues: []model.Queue{{Source: "ujet", ID: "10"}},
	})
	put(model.SourceState{
		Health: model.Health{Source: "connect", Kind: "connect", OK: false, UpdatedAt: now.Add(-90 * time.Second), Error: "Clarity Connect: hub unreachable"},
		Agents: []model.Agent{{Source: "connect", ID: "7"}},
	})

	reg := metrics.NewRegistry()
	if err := metrics.RegisterSources(reg, store, func() time.Time { return now }); err != nil {
		t.Fatal(err)
	}
	want := `
# HELP wallboard_source_up 1 when the source's data is current, 0 when the board shows it stale.
# TYPE wallboard_source_up gauge
wallboard_source_up{kind="connect",source="connect"} 0
wallboard_source_up{kind="ujet",source="ujet"} 1
# HELP wallboard_source_data_age_seconds Seconds since the source's data was last good.
# TYPE wallboard_source_data_age_seconds gauge
wallboard_source_data_age_seconds{kind="connect",source="connect"} 90
wallboard_source_data_age_seconds{kind="ujet",source="ujet"} 2
# HELP wallboard_source_agents Agents the source reports.
# TYPE wallboard_source_agents gauge
wallboard_source_agents{kind="connect",source="connect"} 1
wallboard_source_agents{kind="ujet",source="ujet"} 2
# HELP wallboard_store_up 1 when the store (Redis or in-process) answered the last scrape's read.
# TYPE wallboard_store_up gauge
wallboard_store_up 1
`
	names := []string{"wallboard_source_up", "wallboard_source_data_age_seconds", "wallboard_source_agents", "wallboard_store_up"}
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), names...); err != nil {
		t.Error(err)
	}

	srv.Kill()
	want = `
# HELP wallboard_store_up 1 when the store (Redis or in-process) answered the last scrape's read.
# TYPE wallboard_store_up gauge
wallboard_store_up 0
`
	start := time.Now()
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), names...); err != nil {
		t.Error(err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("a scrape with Redis away took %v", d)
	}
}

// TestUJETRequestsByEndpointAndStatus: responses count under their status,
// failures without a response under "error".
func TestUJETRequestsByEndpointAndStatus(t *testing.T) {
	t.Parallel()
	reg := metrics.NewRegistry()
	u, err := metrics.NewUJET(reg)
	if err != nil {
		t.Fatal(err)
	}
	u.ObserveRequest("agents/current_status", 200, 80*time.Millisecond)
	u.ObserveRequest("agents/current_status", 200, 90*time.Millisecond)
	u.ObserveRequest("agents/current_status", 429, 10*time.Millisecond)
	u.ObserveRequest("menus/sla", 0, 10*time.Second)
	want := `
# HELP wallboard_ujet_requests_total Requests made to the UJET Manager API, by endpoint and HTTP status ("error": no response).
# TYPE wallboard_ujet_requests_total counter
wallboard_ujet_requests_total{code="200",endpoint="agents/current_status"} 2
wallboard_ujet_requests_total{code="429",endpoint="agents/current_status"} 1
wallboard_ujet_requests_total{code="error",endpoint="menus/sla"} 1
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "wallboard_ujet_requests_total"); err != nil {
		t.Error(err)
	}
	if _, err := metrics.NewUJET(reg); err == nil {
		t.Error("registering the UJET metrics twice gave no error")
	}
}

func TestAlertCounters(t *testing.T) {
	reg := metrics.NewRegistry()
	a, err := metrics.NewAlerts(reg)
	if err != nil {
		t.Fatal(err)
	}
	a.AlertSent("floor", "start")
	a.AlertSent("floor", "start")
	a.AlertFailed("floor", "end")
	a.AlertSuppressed("floor", "duplicate")
	want := `
# HELP wallboard_alerts_sent_total Webhook alerts delivered, per board and event (start, end of a breach); one per webhook.
# TYPE wallboard_alerts_sent_total counter
wallboard_alerts_sent_total{board="floor",event="start"} 2
# HELP wallboard_alerts_failed_total Webhook alerts given up after their retries, per board and event.
# TYPE wallboard_alerts_failed_total counter
wallboard_alerts_failed_total{board="floor",event="end"} 1
# HELP wallboard_alerts_suppressed_total Alerts not sent, per board and reason: debounce (shorter than the hold), duplicate (another replica told it).
# TYPE wallboard_alerts_suppressed_total counter
wallboard_alerts_suppressed_total{board="floor",reason="duplicate"} 1
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "wallboard_alerts_sent_total", "wallboard_alerts_failed_total", "wallboard_alerts_suppressed_total"); err != nil {
		t.Error(err)
	}
}
