package poller

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wallboard/wallboard/internal/testlog"
	"github.com/wallboard/wallboard/model"
)

// Tests against the fake server use a 100 ms limit and a 110 ms interval:
// the same 10% margin as the real 1 s limit and 1.1 s default.
const (
	fastGap      = 100 * time.Millisecond
	fastInterval = 110 * time.Millisecond
)

func fastConfig() Config {
	return Config{Interval: fastInterval, SLAEvery: time.Second, ReferenceEvery: time.Hour, PerPage: 100}
}

// liveTenant has n agents of which 1-4 and n are logged in, and two queues
// with someone waiting.
func liveTenant(n int) *tenant {
	tn := newTenant(n)
	tn.live = []map[string]any{
		{"id": 1, "status": "Available", "status_id": 0, "status_updated_at": "2026-01-01T09:00:00.000Z", "on_hold": false, "on_hold_duration": 0},
		{"id": "2", "status": "In-call", "status_id": -7, "status_updated_at": "2026-01-01T09:01:00.000Z", "on_hold": true, "on_hold_duration": 30},
		{"id": 3, "status": "Coaching", "status_id": "5", "status_updated_at": nil, "on_hold": nil, "on_hold_duration": nil, "extra": []any{1}},
		{"id": 4, "status": nil, "status_id": -6, "status_updated_at": "2026-01-01T09:02:00Z", "on_hold": false},
		{"id": n, "status": "In-chat", "status_id": -8, "status_updated_at": "2026-01-01T09:03:00.000Z", "on_hold": false, "on_hold_duration": 0},
	}
	tn.queues = []map[string]any{
		{"menu_id": 2, "lang": "en", "menu_path_id": 102, "menu_path": "Support/Billing", "comm_type": "Call", "in_queue_count": 2,
			"oldest_in_queue": "2026-01-01T09:04:00.000Z", "oldest_duration_in_queue": 300, "total_queue_duration": 400, "average_queue_duration": 200},
		{"menu_id": "3", "lang": "en", "menu_path_id": "103", "menu_path": "Support/Shipping", "comm_type": "Chat", "in_queue_count": "1",
			"oldest_in_queue": nil, "oldest_duration_in_queue": 60, "total_queue_duration": 60, "average_queue_duration": 60.5},
	}
	return tn
}

// loaded reports whether a state of liveTenant(n) has every agent named,
// the SLA and the reference data read to its end.
func loaded(n int) func(model.SourceState) bool {
	return func(st model.SourceState) bool {
		a, ok := findAgent(st, fmt.Sprint(n))
		q, qok := findQueue(st, "103:en:chat")
		return st.OK && ok && a.Name == fmt.Sprintf("First%d Last%d", n, n) && qok && q.SLAPercent != nil && !st.Fresh["reference"].IsZero()
	}
}

func TestPollerNormalizesTenant(t *testing.T) {
	t.Parallel()
	f := newFakeUJET(t, fastGap)
	liveTenant(250).serve(f)
	rec := startPoller(t, f, fastConfig(), nil)
	st := rec.waitFor(t, 10*time.Second, "every page of agents and the SLA", loaded(250))

	if first := rec.all()[0]; first.OK || first.Error == "" || len(first.Agents) != 0 || len(first.Queues) != 0 || !first.UpdatedAt.IsZero() {
		t.Errorf("first state = ok %v, error %q, %d agents, %d queues, updated %v; want not OK, an error, no data, no update time",
			first.OK, first.Error, len(first.Agents), len(first.Queues), first.UpdatedAt)
	}
	if st.Source != "ujet" || st.Kind != "ujet" || st.UpdatedAt.IsZero() || st.Error != "" {
		t.Errorf("health = %+v", st.Health)
	}
	if len(st.Agents) != 250 {
		t.Errorf("got %d agents, want all 250 of 3 pages", len(st.Agents))
	}
	want := map[string]struct {
		name, status, color string
		state               model.State
		teams               string
		onHold              bool
		since               string
	}{
		"1":   {"First1 Last1", "Available", "green", model.StateAvailable, "Billing Team", false, "2026-01-01T09:00:00Z"},
		"2":   {"First2 Last2", "In-call", "light_blue", model.StateBusy, "Shipping Team", true, "2026-01-01T09:01:00Z"},
		"3":   {"First3 Last3", "Coaching", "#ff8800", model.StateAway, "Billing Team", false, ""},
		"4":   {"First4 Last4", "Wrap-up", "purple", model.StateWrapUp, "Shipping Team", false, "2026-01-01T09:02:00Z"},
		"250": {"First250 Last250", "In-chat", "indigo", model.StateBusy, "Shipping Team", false, "2026-01-01T09:03:00Z"},
		"7":   {"First7 Last7", "Offline", "grey", model.StateOffline, "Billing Team", false, "2026-01-01T08:00:00Z"},
	}
	for id, w := range want {
		a, ok := findAgent(st, id)
		if !ok {
			t.Errorf("agent %s missing", id)
			continue
		}
		since := ""
		if a.Since != nil {
			since = a.Since.UTC().Format(time.RFC3339)
		}
		if a.Source != "ujet" || a.Name != w.name || a.Status != w.status || a.StatusColor != w.color || a.State != w.state ||
			strings.Join(a.Teams, ",") != w.teams || a.OnHold != w.onHold || since != w.since {
			t.Errorf("agent %s = %+v (since %s), want %+v", id, a, since, w)
		}
	}
	if a, _ := findAgent(st, "2"); a.HoldSince == nil || absDur(time.Since(*a.HoldSince)-30*time.Second) > 3*time.Second {
		t.Errorf("agent 2 hold since %v, want about 30 s ago", a.HoldSince)
	}
	if a, _ := findAgent(st, "1"); a.HoldSince != nil {
		t.Errorf("agent 1 not on hold has hold since %v", a.HoldSince)
	}

	f96, f0, f88 := 96.5, 0.0, 88.0
	oldest := time.Date(2026, 1, 1, 9, 4, 0, 0, time.UTC)
	queues := map[string]struct {
		name, lang, channel string
		waiting             int
		sla                 *float64
		avg                 float64
	}{
		"102:en:call": {"Support/Billing", "en", "call", 2, &f96, 200},
		"102:es:call": {"Support/Billing", "es", "call", 0, nil, 0},
		"102:en:chat": {"Support/Billing", "en", "chat", 0, &f0, 0},
		"103:en:chat": {"Support/Shipping", "en", "chat", 1, &f88, 60.5},
		"m4:en:call":  {"Sales", "en", "call", 0, nil, 0}, // known only from menus
	}
	if len(st.Queues) != len(queues) {
		t.Errorf("got %d queues, want %d: %+v", len(st.Queues), len(queues), st.Queues)
	}
	for id, w := range queues {
		q, ok := findQueue(st, id)
		if !ok {
			t.Errorf("queue %s missing; queues: %+v", id, st.Queues)
			continue
		}
		if q.Name != w.name || q.Lang != w.lang || q.Channel != w.channel || q.Waiting != w.waiting || q.AverageWaitSeconds != w.avg ||
			(q.SLAPercent == nil) != (w.sla == nil) || (w.sla != nil && *q.SLAPercent != *w.sla) {
			t.Errorf("queue %s = %+v (sla %v), want %+v (sla %v)", id, q, ptrStr(q.SLAPercent), w, ptrStr(w.sla))
		}
		if w.waiting == 0 && q.OldestSince != nil {
			t.Errorf("queue %s with nobody waiting has oldest_since %v", id, q.OldestSince)
		}
	}
	if q, _ := findQueue(st, "102:en:call"); q.OldestSince == nil || !q.OldestSince.Equal(oldest) {
		t.Errorf("queue 102:en:call oldest since %v, want %v (oldest_in_queue)", q.OldestSince, oldest)
	}
	if q, _ := findQueue(st, "103:en:chat"); q.OldestSince == nil || absDur(time.Since(*q.OldestSince)-60*time.Second) > 3*time.Second {
		t.Errorf("queue 103:en:chat oldest since %v, want about 60 s ago (oldest_duration_in_queue)", q.OldestSince)
	}

	// Nobody waits any more: the queues stay, with nobody waiting.
	f.set("menus/current_status", []any{})
	st = rec.waitFor(t, 5*time.Second, "empty queues", func(st model.SourceState) bool {
		q, ok := findQueue(st, "102:en:call")
		return ok && q.Waiting == 0
	})
	if len(st.Queues) != len(queues) {
		t.Errorf("after the queues emptied: %d queues, want %d", len(st.Queues), len(queues))
	}
	if q, _ := findQueue(st, "103:en:chat"); q.Waiting != 0 || q.OldestSince != nil || q.SLAPercent == nil {
		t.Errorf("emptied queue = %+v", q)
	}

	log := f.log()
	checkSpacing(t, arrivalTimes(log), fastGap)
	pages := 0
	for _, a := range log {
		if a.status == 429 {
			t.Errorf("server answered 429 to %s", a.path)
		}
		if a.path == "agents" {
			pages++
		}
	}
	if pages != 3 {
		t.Errorf("fetched %d pages of agents, want 3", pages)
	}
}

func absDur(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}

func ptrStr(p *float64) string {
	if p == nil {
		return "nil"
	}
	return fmt.Sprint(*p)
}

func TestLiveDataIsNeverStarved(t *testing.T) {
	t.Parallel()
	f := newFakeUJET(t, fastGap)
	tn := liveTenant(250)
	tn.serve(f)
	cfg := fastConfig()
	cfg.PerPage = 40 // 7 pages of agents
	rec := startPoller(t, f, cfg, nil)
	rec.waitFor(t, 15*time.Second, "every page of agents", loaded(250))
	log := f.log()
	checkSpacing(t, arrivalTimes(log), fastGap)
	// Between two requests for other data there is always a live one,
	// except for the two SLA lists at start: with both live lists they fill
	// the board.
	prevOther := false
	for i, a := range log {
		other := a.path != epAgentsStatus && a.path != epMenusStatus
		if i == 3 && a.path == "menus/sla" && log[2].path == "menus/sla" {
			other = false
		}
		if other && prevOther {
			t.Errorf("request %d (%s) follows another non-live request", i, a.path)
		}
		prevOther = other
	}
	if log[0].path != epAgentsStatus || log[1].path != epMenusStatus {
		t.Errorf("first requests are %s, %s; want both live lists first", log[0].path, log[1].path)
	}
}

func TestUnknownIDsRefreshReferenceData(t *testing.T) {
	t.Parallel()
	f := newFakeUJET(t, fastGap)
	tn := liveTenant(20)
	tn.serve(f)
	rec := startPoller(t, f, fastConfig(), nil) // reference data every hour only
	rec.waitFor(t, 10*time.Second, "first load", loaded(20))
	before := len(f.log())

	tn.agents = append(tn.agents, map[string]any{"id": 300, "first_name": "New", "last_name": "Person", "teams": nil})
	tn.statuses = append(tn.statuses, map[string]any{"id": 7, "name": "Training", "color": "teal"})
	tn.live = append(tn.live, map[string]any{"id": 300, "status": "Training", "status_id": 7, "on_hold": false})
	tn.menus = append(tn.menus, map[string]any{"id": 9, "name": "Returns", "parent_id": nil,
		"agent_assignments": []any{map[string]any{"lang": "fr", "channel_type": "chat"}}})
	tn.queues = append(tn.queues, map[string]any{"menu_id": 9, "lang": "fr", "menu_path_id": 109, "menu_path": "Returns", "comm_type": "Chat", "in_queue_count": 1})
	tn.serve(f)

	st := rec.waitFor(t, 10*time.Second, "the new agent's name and status colour", func(st model.SourceState) bool {
		a, ok := findAgent(st, "300")
		return ok && a.Name == "New Person" && a.StatusColor == "teal"
	})
	if a, _ := findAgent(st, "300"); a.State != model.StateAway || len(a.Teams) != 0 {
		t.Errorf("new agent = %+v", a)
	}
	// The new menu's queue stays once nobody waits in it.
	f.set("menus/current_status", []any{})
	rec.waitFor(t, 5*time.Second, "the new queue with nobody waiting", func(st model.SourceState) bool {
		q, ok := findQueue(st, "109:fr:chat")
		return ok && q.Waiting == 0 && q.Name == "Returns"
	})
	refetched := map[string]bool{}
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline) && !refetched["menus"]; time.Sleep(50 * time.Millisecond) {
		for _, a := range f.log()[before:] {
			refetched[a.path] = true
		}
	}
	for _, p := range []string{"agents", "user_statuses", "menus"} {
		if !refetched[p] {
			t.Errorf("%s not fetched again after unknown ids appeared", p)
		}
	}
	checkSpacing(t, arrivalTimes(f.log()), fastGap)
}

// An id that the reference lists never contain triggers one refresh, not a
// refresh loop.
func TestUnknownIDRefreshesOnce(t *testing.T) {
	t.Parallel()
	f := newFakeUJET(t, fastGap)
	tn := liveTenant(20)
	tn.live = append(tn.live, map[string]any{"id": 999, "status": "Available", "status_id": 0})
	tn.serve(f)
	rec := startPoller(t, f, fastConfig(), nil)
	rec.waitFor(t, 10*time.Second, "first load", loaded(20))
	time.Sleep(1500 * time.Millisecond)
	st, _ := rec.last()
	if a, ok := findAgent(st, "999"); !ok || a.Name != "Agent 999" {
		t.Errorf("agent without reference data = %+v, want named \"Agent 999\"", a)
	}
	statuses := 0
	for _, a := range f.log() {
		if a.path == "user_statuses" {
			statuses++
		}
	}
	if statuses > 3 {
		t.Errorf("user_statuses fetched %d times for one unknown agent, want at most 3", statuses)
	}
}

func TestFaultsKeepLastGoodDataAndRecover(t *testing.T) {
	t.Parallel()
	hostile := `{"error":"bad credentials for acme:` + fakeToken + `"}`
	cases := []struct {
		name  string
		fault fakeFault
		want  string
	}{
		{"401", fakeFault{status: 401, body: hostile, count: 3}, "UJET: 401 unauthorized"},
		{"429", fakeFault{status: 429, body: `{"error":"slow down"}`, retryAfter: "1", count: 2}, "UJET: rate limited"},
		{"500", fakeFault{status: 500, body: `{"error":"boom"}`, count: 4}, "UJET: server error 500"},
		{"502 HTML", fakeFault{status: 502, ctype: "text/html", body: "<html><body><h1>Bad Gateway</h1></body></html>", count: 2}, "UJET: server error 502"},
		{"200 HTML", fakeFault{ctype: "text/html; charset=utf-8", body: "<!DOCTYPE html><html>Maintenance</html>", count: 2}, "UJET: HTML page instead of JSON from agents/current_status"},
		{"HTML as JSON", fakeFault{body: "<html>oops</html>", count: 2}, "UJET: HTML page instead of JSON from agents/current_status"},
		{"malformed", fakeFault{body: `[{"id": 1, "status": "Avail`, count: 2}, "UJET: malformed JSON from agents/current_status"},
		{"object", fakeFault{body: `{"data": []}`, count: 2}, "UJET: malformed JSON from agents/current_status"},
		{"timeout", fakeFault{delay: 1500 * time.Millisecond, body: `[]`, count: 1}, "UJET: timeout"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFakeUJET(t, fastGap)
			liveTenant(20).serve(f)
			logs := &testlog.Buffer{}
			c, err := NewClient(ClientConfig{BaseURL: f.baseURL(), Subdomain: f.user, Token: f.token, HTTPClient: &http.Client{Timeout: 700 * time.Millisecond}})
			if err != nil {
				t.Fatal(err)
			}
			rec := newRecorder()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			done := make(chan struct{})
			go func() { New(c, rec, fastConfig(), testLogger(logs)).Run(ctx); close(done) }()
			defer func() { cancel(); <-done }()

			good := rec.waitFor(t, 10*time.Second, "first load", loaded(20))
			fault := tc.fault
			fault.path = epAgentsStatus
			f.inject(fault)
			bad := rec.waitFor(t, 10*time.Second, "the fault", func(st model.SourceState) bool { return !st.OK })
			if bad.Error != tc.want {
				t.Errorf("error = %q, want %q", bad.Error, tc.want)
			}
			if len(bad.Agents) != len(good.Agents) || len(bad.Queues) != len(good.Queues) {
				t.Errorf("during the fault: %d agents, %d queues; want the last good %d, %d", len(bad.Agents), len(bad.Queues), len(good.Agents), len(good.Queues))
			}
			if a, _ := findAgent(bad, "2"); a.Name != "First2 Last2" || a.Status != "In-call" {
				t.Errorf("during the fault agent 2 = %+v, want the last good data", a)
			}
			if bad.UpdatedAt.After(good.UpdatedAt.Add(2*time.Second)) || bad.UpdatedAt.IsZero() {
				t.Errorf("during the fault updated_at = %v, want the last good poll (about %v)", bad.UpdatedAt, good.UpdatedAt)
			}
			rec.waitFor(t, 15*time.Second, "recovery", func(st model.SourceState) bool { return st.OK && st.Error == "" && len(st.Agents) == 20 })
			time.Sleep(150 * time.Millisecond)

			log := f.log()
			checkSpacing(t, arrivalTimes(log), fastGap)
			for i, a := range log {
				if a.status == 429 && i+1 < len(log) {
					if d := log[i+1].at.Sub(a.at); d < time.Second {
						t.Errorf("request after a 429 with Retry-After: 1 came %v later", d)
					}
				}
			}
			out := logs.String()
			if strings.Contains(out, fakeToken) {
				t.Errorf("token in logs:\n%s", out)
			}
			if n := strings.Count(out, "level=WARN"); n != 1 {
				t.Errorf("%d warnings logged for one fault, want 1:\n%s", n, out)
			}
			if n := strings.Count(out, "data is current again"); n != 1 {
				t.Errorf("%d recovery lines logged, want 1:\n%s", n, out)
			}
		})
	}
}

// With the wrong token nothing ever works: the board says so, the poller
// keeps trying with back-off, and the token is in no log line.
func TestWrongTokenBeforeFirstSuccess(t *testing.T) {
	t.Parallel()
	f := newFakeUJET(t, fastGap)
	liveTenant(20).serve(f)
	logs := &testlog.Buffer{}
	c, err := NewClient(ClientConfig{BaseURL: f.baseURL(), Subdomain: f.user, Token: "wrong-" + fakeToken})
	if err != nil {
		t.Fatal(err)
	}
	rec := newRecorder()
	ctx, cancel := context.WithTimeout(context.Background(), 2500*time.Millisecond)
	defer cancel()
	if err := New(c, rec, fastConfig(), testLogger(logs)).Run(ctx); err != nil {
		t.Errorf("Run = %v, want nil when its context ends", err)
	}
	states := rec.all()
	if len(states) < 2 {
		t.Fatalf("%d states written, want a waiting state and an error state", len(states))
	}
	for _, st := range states {
		if st.OK || len(st.Agents) != 0 || len(st.Queues) != 0 || !st.UpdatedAt.IsZero() {
			t.Errorf("state without any success = %+v", st)
		}
	}
	if last := states[len(states)-1]; last.Error != "UJET: 401 unauthorized" {
		t.Errorf("error = %q, want UJET: 401 unauthorized", last.Error)
	}
	log := f.log()
	checkSpacing(t, arrivalTimes(log), fastGap)
	if len(log) < 4 || len(log) > 15 {
		t.Errorf("%d requests in 2.5 s of 401s, want retries with back-off (4..15)", len(log))
	}
	out := logs.String()
	if strings.Contains(out, fakeToken) {
		t.Errorf("token in logs:\n%s", out)
	}
	if n := strings.Count(out, "level=WARN"); n != 1 {
		t.Errorf("%d warnings for one persistent fault, want 1:\n%s", n, out)
	}
}

// A new leader (another replica, or this one again) carries on from the state
// in the store: the board is never blanked, carried names fill in until the
// reference data loads, and the first request waits a full interval.
func TestCarriesOnFromPreviousState(t *testing.T) {
	t.Parallel()
	f := newFakeUJET(t, fastGap)
	liveTenant(20).serve(f)
	f.inject(fakeFault{path: "agents", status: 503, body: "down", count: 1000}) // names never load
	t0 := time.Now().Add(-time.Minute).UTC()
	sla := 50.0
	prev := model.SourceState{
		Health: model.Health{Source: "ujet", Kind: "ujet", OK: true, UpdatedAt: t0},
		Agents: []model.Agent{
			{Source: "ujet", ID: "1", Name: "Carried Name", Teams: []string{"Carried Team"}, State: model.StateAvailable, Status: "Available"},
			{Source: "ujet", ID: "77", Name: "Gone Home", State: model.StateAvailable, Status: "Available"},
		},
		Queues: []model.Queue{{Source: "ujet", ID: "555:en:call", Name: "Old Queue", Lang: "en", Channel: "call", Waiting: 3, SLAPercent: &sla}},
	}
	c, err := NewClient(ClientConfig{BaseURL: f.baseURL(), Subdomain: f.user, Token: f.token})
	if err != nil {
		t.Fatal(err)
	}
	rec := newRecorder()
	rec.prev = []model.SourceState{prev}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	start := time.Now()
	go func() { New(c, rec, fastConfig(), nil).Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()

	st := rec.waitFor(t, 5*time.Second, "live data with carried names", func(st model.SourceState) bool {
		_, ok := findAgent(st, "2")
		_, qok := findQueue(st, "102:en:call")
		return ok && qok
	})
	if a, _ := findAgent(st, "1"); a.Name != "Carried Name" || strings.Join(a.Teams, ",") != "Carried Team" || a.Status != "Available" {
		t.Errorf("agent 1 = %+v, want the carried name and team with live status", a)
	}
	if a, ok := findAgent(st, "77"); !ok || a.Name != "Gone Home" || a.State != model.StateOffline {
		t.Errorf("agent 77 (not logged in) = %+v, %v; want carried, offline", a, ok)
	}
	if a, _ := findAgent(st, "2"); a.Name != "Agent 2" {
		t.Errorf("agent 2 with neither reference nor carried name = %q", a.Name)
	}
	// The carried queue stays, with nobody waiting; its SLA is the carried
	// one until this run's SLA lists (which lack it) load, then null.
	if q, ok := findQueue(st, "555:en:call"); !ok || q.Waiting != 0 || (q.SLAPercent != nil && *q.SLAPercent != 50) {
		t.Errorf("carried queue = %+v (SLA %s), %v; want kept with nobody waiting", q, ptrStr(q.SLAPercent), ok)
	}
	for i, s := range rec.all() {
		if len(s.Agents) == 0 {
			t.Errorf("state %d has no agents: the board was blanked", i)
		}
		if s.UpdatedAt.Before(t0) {
			t.Errorf("state %d updated_at %v older than the carried state's", i, s.UpdatedAt)
		}
	}
	if first := f.log()[0].at; first.Sub(start) < fastInterval {
		t.Errorf("first request %v after start, want at least one interval after the previous leader", first.Sub(start))
	}
}

// Leader election runs the same Poller again after it lost and regained the
// lease: the second run starts afresh but never blanks the board.
func TestRunAgain(t *testing.T) {
	t.Parallel()
	f := newFakeUJET(t, fastGap)
	liveTenant(20).serve(f)
	c, err := NewClient(ClientConfig{BaseURL: f.baseURL(), Subdomain: f.user, Token: f.token})
	if err != nil {
		t.Fatal(err)
	}
	rec := newRecorder()
	p := New(c, rec, fastConfig(), nil)
	for run := range 2 {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		before := len(rec.all())
		go func() { done <- p.Run(ctx) }()
		rec.waitFor(t, 10*time.Second, fmt.Sprintf("run %d loaded", run), func(st model.SourceState) bool {
			return len(rec.all()) > before && loaded(20)(st)
		})
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run %d returned %v", run, err)
		}
		if run == 1 {
			for i, st := range rec.all()[before:] {
				if len(st.Agents) == 0 {
					t.Errorf("second run's state %d has no agents", i)
				}
			}
		}
	}
	checkSpacing(t, arrivalTimes(f.log()), fastGap)
}

// Queue groups are optional: a tenant whose token may not read them (403)
// is asked once, and the board stays current and unmarked.
func TestQueueGroupsForbiddenLeavesBoardCurrent(t *testing.T) {
	t.Parallel()
	f := newFakeUJET(t, fastGap)
	liveTenant(20).serve(f)
	f.inject(fakeFault{path: epGroupSLA, status: 403, body: `{"error":"Forbidden"}`, count: 1000})
	logs := &testlog.Buffer{}
	rec := startPoller(t, f, fastConfig(), logs)
	rec.waitFor(t, 5*time.Second, "every agent and queue", loaded(20))
	time.Sleep(20 * fastInterval)
	st, _ := rec.last()
	if !st.OK || st.Error != "" || len(st.QueueGroups) != 0 {
		t.Errorf("after a 403 on queue groups: ok %v, error %q, %d groups; want ok, no error, none", st.OK, st.Error, len(st.QueueGroups))
	}
	n := 0
	for _, a := range f.log() {
		if a.path == epGroupSLA {
			n++
		}
	}
	if n != 1 {
		t.Errorf("queue groups asked %d times, want once", n)
	}
	for _, s := range rec.all() {
		if !s.OK && s.Error != "UJET: connecting" {
			t.Errorf("the board was marked %q for the optional queue groups", s.Error)
		}
	}
}
