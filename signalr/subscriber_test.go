package signalr_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wallboard/wallboard/internal/fixture"
	"github.com/wallboard/wallboard/internal/testlog"
	"github.com/wallboard/wallboard/model"
	"github.com/wallboard/wallboard/signalr"
	"github.com/wallboard/wallboard/simulator"
	"github.com/wallboard/wallboard/simulator/connect"
)

// recordingSink keeps every Put.
type recordingSink struct {
	mu   sync.Mutex
	puts []put
}

type put struct {
	at time.Time
	st model.SourceState
}

func (r *recordingSink) Put(_ context.Context, st model.SourceState) (model.SourceState, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.puts = append(r.puts, put{time.Now(), st})
	st.Version = uint64(len(r.puts))
	return st, nil
}

func (r *recordingSink) last() (model.SourceState, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.puts) == 0 {
		return model.SourceState{}, false
	}
	return r.puts[len(r.puts)-1].st, true
}

func (r *recordingSink) all() []put {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]put(nil), r.puts...)
}

type rig struct {
	center *simulator.Center
	srv    *connect.Server
	ts     *httptest.Server
	sink   *recordingSink
	logs   *testlog.Buffer
	log    *slog.Logger
	cancel context.CancelFunc
	ctx    context.Context
}

const testPassword = "S3cret-Pa55word!"

// subsPerConnection are the subscriptions of one connection by default:
// agents, queues and queue groups.
const subsPerConnection = 3

func newRig(t *testing.T, o connect.Options, agents ...int) *rig {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	n := 12
	if len(agents) > 0 {
		n = agents[0]
	}
	center := simulator.New(simulator.Options{Seed: 7, Agents: n, Speed: 30})
	if o.Password == "" {
		o.Password = testPassword
	}
	o.User = `CORP\wallboard`
	srv := connect.NewServer(center, o)
	ts := httptest.NewServer(srv)
	logs := &testlog.Buffer{}
	r := &rig{center: center, srv: srv, ts: ts, sink: &recordingSink{}, logs: logs, cancel: cancel, ctx: ctx,
		log: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))}
	done := make(chan struct{})
	go func() { defer close(done); _ = srv.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		<-done
		ts.Close()
		if strings.Contains(logs.String(), testPassword) || strings.Contains(logs.String(), "eyJ") {
			t.Errorf("a password or token reached the log:\n%s", logs.String())
		}
	})
	return r
}

func (r *rig) config() signalr.Config {
	return signalr.Config{
		URL: r.ts.URL, ClientID: connect.DefaultClientID, User: `CORP\wallboard`, Password: testPassword,
		Heartbeat: -1, RetryMin: 100 * time.Millisecond, RetryMax: time.Second, ResyncTimeout: 2 * time.Second,
	}
}

// start runs a subscriber; the returned channel yields Run's result.
func (r *rig) start(t *testing.T, cfg signalr.Config) (context.CancelFunc, <-chan error) {
	t.Helper()
	sub, err := signalr.New(cfg, r.sink, r.log)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(r.ctx)
	res := make(chan error, 1)
	done := make(chan struct{})
	go func() { defer close(done); res <- sub.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Error("Run did not return after cancel")
		}
	})
	return cancel, res
}

// advance moves the model to now.
func (r *rig) advance() { r.center.Advance(time.Now()) }

// waitTruth advances the model and waits until the sink shows its truth.
func (r *rig) waitTruth(t *testing.T, within time.Duration) model.SourceState {
	t.Helper()
	deadline := time.Now().Add(within)
	var diff string
	for time.Now().Before(deadline) {
		truth := r.center.Truth()
		time.Sleep(150 * time.Millisecond)
		st, ok := r.sink.last()
		if ok && st.OK {
			if diff = compare(truth, st); diff == "" {
				return st
			}
		}
	}
	st, _ := r.sink.last()
	t.Fatalf("sink never matched the simulator's truth: %s\nhealth: %+v", diff, st.Health)
	return st
}

// compare returns "" when st shows exactly truth's agents and queues.
func compare(truth simulator.Truth, st model.SourceState) string {
	if len(st.Agents) != len(truth.Agents) {
		return fmt.Sprintf("%d agents, want %d", len(st.Agents), len(truth.Agents))
	}
	agents := map[string]model.Agent{}
	for _, a := range st.Agents {
		agents[a.ID] = a
	}
	for _, ta := range truth.Agents {
		a, ok := agents[strconv.Itoa(ta.ID)]
		if !ok {
			return fmt.Sprintf("agent %d missing", ta.ID)
		}
		status, reason, suspended := connect.ConnectStatus(ta)
		// The card shows the reason code, else the status (sent as a name or
		// a number).
		statusOK := model.FoldStatus(a.Status) == model.FoldStatus(status)
		if reason != "" {
			statusOK = a.Status == reason
		}
		if a.State != fixture.SimulatorState(ta) || !statusOK || a.Reason != reason || a.Suspended != suspended || a.OnHold != ta.OnHold {
			return fmt.Sprintf("agent %d = %s/%s/%q/%v/hold %v, want %s (%s)/%s/%q/%v/hold %v", ta.ID, a.State, a.Status, a.Reason, a.Suspended, a.OnHold, fixture.SimulatorState(ta), ta.StatusName, status, reason, suspended, ta.OnHold)
		}
		if want := strings.TrimSpace(ta.FirstName + " " + ta.LastName); a.Name != want {
			return fmt.Sprintf("agent %d named %q, want %q", ta.ID, a.Name, want)
		}
	}
	if len(st.Queues) != len(truth.Queues) {
		return fmt.Sprintf("%d queues, want %d", len(st.Queues), len(truth.Queues))
	}
	queues := map[string]model.Queue{}
	for _, q := range st.Queues {
		queues[q.Name+"|"+q.Channel] = q
	}
	for _, tq := range truth.Queues {
		q, ok := queues[connect.QueueName(tq.Path, tq.Lang)+"|"+tq.Channel]
		if !ok {
			return fmt.Sprintf("queue %s %s %s missing", tq.Path, tq.Lang, tq.Channel)
		}
		if q.Waiting != len(tq.Waiting) {
			return fmt.Sprintf("queue %s: %d waiting, want %d", q.Name, q.Waiting, len(tq.Waiting))
		}
		if len(tq.Waiting) > 0 {
			w := append([]time.Time(nil), tq.Waiting...)
			sort.Slice(w, func(i, j int) bool { return w[i].Before(w[j]) })
			if q.OldestSince == nil || !q.OldestSince.Equal(w[0].Truncate(time.Millisecond)) {
				return fmt.Sprintf("queue %s: oldest %v, want %v", q.Name, q.OldestSince, w[0])
			}
		}
	}
	return ""
}

func TestNTLMTokenSubscribeAndFollowTruth(t *testing.T) {
	r := newRig(t, connect.Options{})
	r.start(t, r.config())
	r.waitTruth(t, 10*time.Second)
	for i := 0; i < 4; i++ {
		r.advance()
		r.waitTruth(t, 5*time.Second)
	}
	st := r.srv.Stats()
	if st.TokensIssued < 1 || r.srv.Subscriptions() != subsPerConnection || st.Diffs == 0 {
		t.Fatalf("server stats %+v, subscriptions %d", st, r.srv.Subscriptions())
	}
	if !strings.Contains(r.logs.String(), "connect: web api") {
		t.Error("GET /info was not read")
	}
}

func TestWrongPasswordIsReportedAndKeepsRetrying(t *testing.T) {
	r := newRig(t, connect.Options{})
	cfg := r.config()
	cfg.Password = "wrong-" + testPassword[:3]
	r.start(t, cfg)
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if st, ok := r.sink.last(); ok && !st.OK && strings.HasPrefix(st.Error, "Connect: 401") {
			if strings.Contains(st.Error, cfg.Password) {
				t.Fatal("error shows the password")
			}
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	st, _ := r.sink.last()
	t.Fatalf("health = %+v, want a Connect: 401 error", st.Health)
}

func TestBearerTokenFromConfig(t *testing.T) {
	r := newRig(t, connect.Options{})
	cfg := r.config()
	cfg.User, cfg.Password = "", ""
	cfg.Token = r.srv.IssueToken()
	cfg.URL = r.ts.URL + "/webapi/api" // the API root form is accepted too
	r.start(t, cfg)
	r.waitTruth(t, 10*time.Second)
	if n := r.srv.Stats().TokensIssued; n != 0 {
		t.Fatalf("token endpoint used %d times with a configured token", n)
	}
}

func TestTokenExpiryMidStreamWithoutGap(t *testing.T) {
	r := newRig(t, connect.Options{TokenLifetime: 2 * time.Second})
	r.start(t, r.config())
	r.waitTruth(t, 10*time.Second)
	start := time.Now()
	for time.Since(start) < 7*time.Second {
		r.advance()
		time.Sleep(100 * time.Millisecond)
	}
	r.waitTruth(t, 5*time.Second)
	var lastOK time.Time
	for _, p := range r.sink.all() {
		if !p.at.After(start) {
			if p.st.OK {
				lastOK = p.at
			}
			continue
		}
		if !p.st.OK {
			t.Fatalf("health went bad at %v: %s", p.at.Sub(start), p.st.Error)
		}
		if gap := p.at.Sub(lastOK); gap > 5*time.Second {
			t.Fatalf("no update for %v", gap)
		}
		lastOK = p.at
	}
	if gap := time.Since(lastOK); gap > 5*time.Second {
		t.Fatalf("no update for the last %v", gap)
	}
	st := r.srv.Stats()
	if st.TokensIssued < 3 || st.Connections < 3 {
		t.Fatalf("tokens issued %d, connections %d: want renewals", st.TokensIssued, st.Connections)
	}
	if n := r.srv.Subscriptions(); n != subsPerConnection {
		t.Fatalf("%d subscriptions left, want the %d of the current connection", n, subsPerConnection)
	}
}

func TestHubRestartReconnectsAndResyncs(t *testing.T) {
	r := newRig(t, connect.Options{})
	r.start(t, r.config())
	r.waitTruth(t, 10*time.Second)
	before := r.srv.Stats().Connections
	r.srv.KillConnections()
	// The model moves on while the hub is down: contacts leave queues and
	// agents change; none of that arrives as a diff.
	for i := 0; i < 5; i++ {
		time.Sleep(60 * time.Millisecond)
		r.advance()
	}
	r.waitTruth(t, 10*time.Second)
	if r.srv.Stats().Connections <= before || r.srv.Subscriptions() != subsPerConnection {
		t.Fatalf("connections %d (before %d), subscriptions %d", r.srv.Stats().Connections, before, r.srv.Subscriptions())
	}
	sawReconnecting := false
	for _, p := range r.sink.all() {
		if !p.st.OK && p.st.Error == "Connect: reconnecting" {
			sawReconnecting = true
			if len(p.st.Agents) == 0 {
				t.Fatal("reconnecting state blanked the agents")
			}
		}
	}
	if !sawReconnecting {
		t.Fatal("health never said Connect: reconnecting")
	}
	for i := 0; i < 3; i++ {
		r.advance()
		r.waitTruth(t, 5*time.Second)
	}
}

func TestUnauthorizedSubscriptionReauthenticatesAndRetries(t *testing.T) {
	r := newRig(t, connect.Options{})
	r.srv.FailNext("/v2/subscriptions/queues", http.StatusUnauthorized)
	r.start(t, r.config())
	r.waitTruth(t, 10*time.Second)
	if n := r.srv.Stats().TokensIssued; n < 2 {
		t.Fatalf("tokens issued %d, want a second one after the 401", n)
	}
	if n := r.srv.Subscriptions(); n != subsPerConnection {
		t.Fatalf("%d subscriptions, want %d (no leftovers from the failed batch)", n, subsPerConnection)
	}
}

// countingObserver records what a subscriber tells its Observer.
type countingObserver struct {
	mu     sync.Mutex
	counts map[string]int // "kind/result" and "event"
}

func (o *countingObserver) ObserveMessage(kind, result string) { o.add(kind + "/" + result) }
func (o *countingObserver) ObserveConnection(event string)     { o.add(event) }
func (o *countingObserver) add(k string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.counts[k]++
}
func (o *countingObserver) get(k string) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.counts[k]
}

func TestMalformedAndUnknownDiffsAreLoggedOnceAndSkipped(t *testing.T) {
	r := newRig(t, connect.Options{})
	obs := &countingObserver{counts: map[string]int{}}
	cfg := r.config()
	cfg.Observer = obs
	r.start(t, cfg)
	r.waitTruth(t, 10*time.Second)
	for i := 0; i < 3; i++ {
		r.srv.SendRaw("agentUpdate", json.RawMessage(`{"id":1001,"metrics":[1,2,3]}`))
		r.srv.SendRaw("agentUpdate", json.RawMessage(`{"id":1001,"sessions":{"audio":{"addedSessions":[{"no":"id"}]}}}`))
		r.srv.SendRaw("queueUpdate", json.RawMessage(`{"hello":"world"}`))
		r.srv.SendRaw("queueUpdate", json.RawMessage(`[42,"x"]`))
		r.srv.SendRaw("mysteryUpdate", json.RawMessage(`{"id":1}`))
	}
	connections := r.srv.Stats().Connections
	skipped := func() int {
		n := 0
		for _, k := range []string{"agent/malformed", "agent/unknown_shape", "queue/malformed", "queue/unknown_shape"} {
			n += obs.get(k)
		}
		return n
	}
	// The last frames sent are an unknown method's: wait for them.
	deadline := time.Now().Add(10 * time.Second)
	for strings.Count(r.logs.String(), "unknown client method") < 3 || skipped() < 12 {
		if time.Now().After(deadline) {
			t.Fatalf("the sent frames never all arrived: %v\n%s", obs.counts, r.logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	// The hub connection survives an unknown method: the subscriber does not
	// answer a push with a completion the hub never asked for.
	r.advance()
	r.waitTruth(t, 5*time.Second)
	if n := r.srv.Stats().Connections; n != connections || obs.get("lost") != 0 {
		t.Errorf("connections %d → %d, lost %d: the unknown method cost the connection", connections, n, obs.get("lost"))
	}
	logs := r.logs.String()
	count := func(s string) int { return strings.Count(logs, s) }
	warns := 0
	for _, line := range strings.Split(logs, "\n") {
		if strings.Contains(line, "level=WARN") && strings.Contains(line, "skipped gold data") {
			warns++
		}
	}
	if warns != 2 {
		t.Errorf("%d warnings for skipped gold data, want 2 (agent malformed, queue unknown-shape):\n%s", warns, logs)
	}
	if n := count("unknown client method"); n < 1 {
		t.Error("unknown hub method not logged")
	}
	if !strings.Contains(logs, "kind=agent") || !strings.Contains(logs, "kind=queue") {
		t.Error("warnings do not say which kind was skipped")
	}
	// Every skipped message is counted for the operator, not only the first.
	if skipped() != 12 || obs.get("agent/merged") == 0 || obs.get("queue/merged") == 0 || obs.get("connected") < 1 {
		t.Errorf("observed %v; want 12 skipped, some merged, connected", obs.counts)
	}
}

func TestShutdownDeletesSubscriptions(t *testing.T) {
	r := newRig(t, connect.Options{})
	cancel, res := r.start(t, r.config())
	r.waitTruth(t, 10*time.Second)
	if r.srv.Subscriptions() != subsPerConnection {
		t.Fatalf("%d subscriptions before shutdown", r.srv.Subscriptions())
	}
	cancel()
	select {
	case err := <-res:
		if err != nil {
			t.Fatalf("Run = %v, want nil", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return")
	}
	if n := r.srv.Subscriptions(); n != 0 {
		t.Fatalf("%d subscriptions left after shutdown", n)
	}
	if d := r.srv.Stats().SubscriptionsDeleted; d < subsPerConnection {
		t.Fatalf("%d subscriptions deleted, want %d", d, subsPerConnection)
	}
}

func TestManyAgentsSubscribeInChunks(t *testing.T) {
	r := newRig(t, connect.Options{}, 450)
	r.start(t, r.config())
	r.waitTruth(t, 15*time.Second)
	// 450 agents in chunks of 200, the queues and the queue groups.
	if n := r.srv.Subscriptions(); n != 5 {
		t.Fatalf("%d subscriptions, want 5", n)
	}
	r.advance()
	r.waitTruth(t, 5*time.Second)
}

// waitFor polls the sink until ok accepts its last state.
func (r *rig) waitFor(t *testing.T, within time.Duration, what string, ok func(model.SourceState) bool) model.SourceState {
	t.Helper()
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		if st, found := r.sink.last(); found && st.OK && ok(st) {
			return st
		}
		time.Sleep(50 * time.Millisecond)
	}
	st, _ := r.sink.last()
	t.Fatalf("never saw %s; last state: %+v groups %+v", what, st.Health, st.QueueGroups)
	return st
}

// groupsMatchQueues reports whether the groups show, per channel, the sums
// of their queues' waiting, answered and abandoned counts.
func groupsMatchQueues(st model.SourceState, members map[string][]int) string {
	if len(st.QueueGroups) == 0 {
		return "no queue groups"
	}
	for _, g := range st.QueueGroups {
		var waiting, answered, abandoned int
		for _, qid := range members[g.ID] {
			for _, q := range st.Queues {
				if q.ID == fmt.Sprintf("%d:%s", qid, map[string]string{"call": "audio", "chat": "instantMessage"}[g.Channel]) {
					waiting += q.Waiting
					if q.Answered != nil {
						answered += *q.Answered
					}
					if q.Abandoned != nil {
						abandoned += *q.Abandoned
					}
				}
			}
		}
		if g.Waiting == nil || *g.Waiting != waiting || g.Answered == nil || *g.Answered != answered || g.Abandoned == nil || *g.Abandoned != abandoned || g.SLAPercent != nil {
			return fmt.Sprintf("group %s %s: %+v, want waiting %d answered %d abandoned %d", g.ID, g.Channel, g, waiting, answered, abandoned)
		}
	}
	return ""
}

// Queue groups come from subscriptions/queues/groupBy (by group by default,
// or by team), named from the MBU structure, with their queues' sums and no
// SLA; they follow the queues as the model moves.
func TestQueueGroupsFollowTheirQueues(t *testing.T) {
	for _, c := range []struct {
		by        string
		groupType string
		names     []string
	}{
		{signalr.GroupByGroup, "group", []string{"Contact Center"}},
		{signalr.GroupByTeam, "team", []string{"Billing", "Español", "Sales & Orders", "Technical Support"}},
	} {
		t.Run(c.by, func(t *testing.T) {
			r := newRig(t, connect.Options{})
			cfg := r.config()
			cfg.QueueGroups = c.by
			r.start(t, cfg)
			members := map[string][]int{}
			for _, tm := range r.center.Truth().Teams {
				members["team/"+strconv.Itoa(tm.ID)] = r.srv.GroupQueueIDs("team", tm.ID)
			}
			members["group/1"] = r.srv.GroupQueueIDs("group", 1)
			for i := 0; i < 3; i++ {
				r.advance()
				st := r.waitFor(t, 10*time.Second, "groups matching their queues", func(st model.SourceState) bool {
					return groupsMatchQueues(st, members) == ""
				})
				names := map[string]bool{}
				for _, g := range st.QueueGroups {
					names[g.Name] = true
					if g.Source != "connect" || !strings.HasPrefix(g.ID, c.by+"/") {
						t.Fatalf("group %+v", g)
					}
				}
				got := make([]string, 0, len(names))
				for n := range names {
					got = append(got, n)
				}
				sort.Strings(got)
				if strings.Join(got, "|") != strings.Join(c.names, "|") {
					t.Fatalf("group names %q, want %q", got, c.names)
				}
			}
		})
	}
}

// With groups off there is no groupBy subscription and no group.
func TestQueueGroupsOff(t *testing.T) {
	r := newRig(t, connect.Options{})
	cfg := r.config()
	cfg.QueueGroups = signalr.GroupByNone
	r.start(t, cfg)
	st := r.waitTruth(t, 10*time.Second)
	if len(st.QueueGroups) != 0 || r.srv.Subscriptions() != 2 {
		t.Fatalf("groups %+v, subscriptions %d", st.QueueGroups, r.srv.Subscriptions())
	}
	if _, err := signalr.New(signalr.Config{URL: "http://x", Token: "t", QueueGroups: "department"}, r.sink, nil); err == nil {
		t.Fatal("an unknown grouping was accepted")
	}
}

// Alerts are subscribed to only when asked for; each is counted and logged
// at debug level, and nothing else changes.
func TestAlertsAreCountedAndLogged(t *testing.T) {
	for _, on := range []bool{false, true} {
		t.Run(fmt.Sprint(on), func(t *testing.T) {
			r := newRig(t, connect.Options{})
			obs := &countingObserver{counts: map[string]int{}}
			cfg := r.config()
			cfg.Observer, cfg.Alerts = obs, on
			r.start(t, cfg)
			r.waitTruth(t, 10*time.Second)
			reached := r.srv.SendAlert(map[string]any{"name": "Long wait", "queueId": 101, "marker": "alert-7f3a"})
			if !on {
				if reached != 0 || r.srv.Subscriptions() != subsPerConnection {
					t.Fatalf("alerts reached %d connections, %d subscriptions, without --connect-alerts", reached, r.srv.Subscriptions())
				}
				return
			}
			if reached != 1 || r.srv.Subscriptions() != subsPerConnection+1 {
				t.Fatalf("alert reached %d connections, %d subscriptions", reached, r.srv.Subscriptions())
			}
			deadline := time.Now().Add(5 * time.Second)
			for obs.get("alert/merged") < 1 {
				if time.Now().After(deadline) {
					t.Fatalf("alert never counted: %v", obs.counts)
				}
				time.Sleep(20 * time.Millisecond)
			}
			if !strings.Contains(r.logs.String(), "alert-7f3a") || !strings.Contains(r.logs.String(), "level=DEBUG msg=\"connect: alert\"") {
				t.Fatalf("alert not in the debug log:\n%s", r.logs.String())
			}
			r.advance()
			r.waitTruth(t, 5*time.Second)
		})
	}
}

// A hub whose client methods have other names: set them, and everything
// flows; the default names would hear nothing.
func TestMethodNamesOverride(t *testing.T) {
	names := map[string]string{"agent": "AgentChanged", "queue": "queueChanged", "queueGroup": "groupChanged", "alert": "onAlert"}
	r := newRig(t, connect.Options{Methods: names})
	obs := &countingObserver{counts: map[string]int{}}
	cfg := r.config()
	cfg.Observer, cfg.Alerts = obs, true
	cfg.Methods = signalr.Methods{Agent: "agentchanged", Queue: "queueChanged", QueueGroup: "groupChanged", Alert: "onAlert"} // hubs compare names without case
	r.start(t, cfg)
	r.waitTruth(t, 10*time.Second)
	r.waitFor(t, 5*time.Second, "queue groups", func(st model.SourceState) bool { return len(st.QueueGroups) > 0 })
	r.srv.SendAlert(map[string]any{"name": "x"})
	deadline := time.Now().Add(5 * time.Second)
	for obs.get("alert/merged") < 1 {
		if time.Now().After(deadline) {
			t.Fatalf("alert never counted: %v", obs.counts)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if strings.Contains(r.logs.String(), "unknown client method") {
		t.Fatalf("a renamed method was unknown:\n%s", r.logs.String())
	}
}
