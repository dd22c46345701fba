package poller

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wallboard/wallboard/internal/testlog"
	"github.com/wallboard/wallboard/model"
)

// fakeUJET is a UJET Manager API on loopback for tests: canned data per
// endpoint, Basic auth, a rate limit answered with 429, queued faults and a
// log of every arrival.
type fakeUJET struct {
	srv    *httptest.Server
	user   string
	token  string
	minGap time.Duration // closer arrivals get 429

	mu       sync.Mutex
	data     map[string]any // endpoint → JSON value; list endpoints paginate []any
	slaData  map[string]any // channel → menus/sla value
	faults   []fakeFault
	arrivals []arrival
}

type arrival struct {
	at     time.Time
	path   string
	query  string
	status int
}

// fakeFault makes the next count requests to path (""=any) fail.
type fakeFault struct {
	path       string
	status     int    // 0: 200
	body       string // raw body
	ctype      string
	retryAfter string
	delay      time.Duration
	count      int
}

const fakeToken = "s3cr3t-T0KEN-value"

func newFakeUJET(t *testing.T, minGap time.Duration) *fakeUJET {
	f := &fakeUJET{user: "acme", token: fakeToken, minGap: minGap, data: map[string]any{}, slaData: map[string]any{}}
	f.srv = httptest.NewServer(f)
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeUJET) baseURL() string { return f.srv.URL + "/manager/api/v1" }

func (f *fakeUJET) set(endpoint string, v any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.data[endpoint] = roundTrip(v)
}

func (f *fakeUJET) setSLA(channel string, v any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.slaData[channel] = roundTrip(v)
}

func (f *fakeUJET) inject(ff fakeFault) {
	if ff.count <= 0 {
		ff.count = 1
	}
	f.mu.Lock()
	f.faults = append(f.faults, ff)
	f.mu.Unlock()
}

func (f *fakeUJET) log() []arrival {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]arrival(nil), f.arrivals...)
}

// roundTrip turns Go values into generic JSON values.
func roundTrip(v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		panic(err)
	}
	return out
}

func (f *fakeUJET) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	now := time.Now()
	endpoint := strings.TrimPrefix(r.URL.Path, "/manager/api/v1/")
	f.mu.Lock()
	limited := len(f.arrivals) > 0 && now.Sub(f.arrivals[len(f.arrivals)-1].at) < f.minGap
	f.arrivals = append(f.arrivals, arrival{at: now, path: endpoint, query: r.URL.RawQuery})
	n := len(f.arrivals) - 1
	user, pass, ok := r.BasicAuth()
	authorized := ok && user == f.user && pass == f.token
	var fault *fakeFault
	if !limited && authorized {
		for i := range f.faults {
			if f.faults[i].path == "" || f.faults[i].path == endpoint {
				ff := f.faults[i]
				fault = &ff
				f.faults[i].count--
				if f.faults[i].count <= 0 {
					f.faults = append(f.faults[:i], f.faults[i+1:]...)
				}
				break
			}
		}
	}
	var body any
	found := false
	if endpoint == "menus/sla" {
		body, found = f.slaData[r.URL.Query().Get("channel")]
	} else {
		body, found = f.data[endpoint]
	}
	f.mu.Unlock()

	status := func() int {
		switch {
		case limited:
			w.Header().Set("Retry-After", "1")
			http.Error(w, `{"error":"Too Many Requests"}`, http.StatusTooManyRequests)
			return 429
		case !authorized:
			w.Header().Set("WWW-Authenticate", `Basic realm="UJET"`)
			http.Error(w, `{"error":"Unauthorized"}`, http.StatusUnauthorized)
			return 401
		case fault != nil:
			if fault.delay > 0 {
				select {
				case <-time.After(fault.delay):
				case <-r.Context().Done():
					return 0
				}
			}
			if fault.retryAfter != "" {
				w.Header().Set("Retry-After", fault.retryAfter)
			}
			ctype := fault.ctype
			if ctype == "" {
				ctype = "application/json"
			}
			w.Header().Set("Content-Type", ctype)
			code := fault.status
			if code == 0 {
				code = 200
			}
			w.WriteHeader(code)
			fmt.Fprint(w, fault.body)
			return code
		case !found:
			http.Error(w, `{"error":"Not Found"}`, http.StatusNotFound)
			return 404
		}
		if list, ok := body.([]any); ok && (endpoint == "agents" || endpoint == "menus" || endpoint == "teams") {
			page, _ := strconv.Atoi(r.URL.Query().Get("page"))
			per, _ := strconv.Atoi(r.URL.Query().Get("per"))
			page, per = max(page, 1), max(per, 1)
			from := min((page-1)*per, len(list))
			body = list[from:min(from+per, len(list))]
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		json.NewEncoder(w).Encode(body)
		return 200
	}()
	f.mu.Lock()
	f.arrivals[n].status = status
	f.mu.Unlock()
}

// checkSpacing fails t when two arrivals are closer than gap.
func checkSpacing(t *testing.T, at []time.Time, gap time.Duration) {
	t.Helper()
	for i := 1; i < len(at); i++ {
		if d := at[i].Sub(at[i-1]); d < gap {
			t.Errorf("requests %d and %d arrived %v apart, want at least %v", i-1, i, d, gap)
		}
	}
}

func arrivalTimes(log []arrival) []time.Time {
	out := make([]time.Time, len(log))
	for i, a := range log {
		out[i] = a.at
	}
	return out
}

// recorder is a Sink that keeps every state it is given. Like a store, it
// offers the latest states through Snapshot; prev is what it held before.
type recorder struct {
	mu     sync.Mutex
	prev   []model.SourceState
	states []model.SourceState
	signal chan struct{}
}

func (r *recorder) Snapshot(ctx context.Context) ([]model.SourceState, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.states) > 0 {
		return []model.SourceState{r.states[len(r.states)-1]}, nil
	}
	return append([]model.SourceState(nil), r.prev...), nil
}

func newRecorder() *recorder { return &recorder{signal: make(chan struct{}, 1)} }

func (r *recorder) Put(ctx context.Context, st model.SourceState) (model.SourceState, error) {
	r.mu.Lock()
	st.Version = uint64(len(r.states) + 1)
	r.states = append(r.states, st)
	r.mu.Unlock()
	select {
	case r.signal <- struct{}{}:
	default:
	}
	return st, nil
}

func (r *recorder) all() []model.SourceState {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]model.SourceState(nil), r.states...)
}

func (r *recorder) last() (model.SourceState, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.states) == 0 {
		return model.SourceState{}, false
	}
	return r.states[len(r.states)-1], true
}

// waitFor waits until the latest state satisfies ok, or fails t after d.
func (r *recorder) waitFor(t *testing.T, d time.Duration, what string, ok func(model.SourceState) bool) model.SourceState {
	t.Helper()
	deadline := time.After(d)
	for {
		if st, have := r.last(); have && ok(st) {
			return st
		}
		select {
		case <-r.signal:
		case <-deadline:
			st, _ := r.last()
			t.Fatalf("timed out after %v waiting for %s; last state: ok=%v error=%q agents=%d queues=%d", d, what, st.OK, st.Error, len(st.Agents), len(st.Queues))
			return st
		}
	}
}

// waitForEither waits until the latest state of a or of b satisfies ok and
// returns which (0 for a, 1 for b), or fails t after d.
func waitForEither(t *testing.T, d time.Duration, what string, ok func(model.SourceState) bool, a, b *recorder) int {
	t.Helper()
	deadline := time.After(d)
	for {
		for i, r := range []*recorder{a, b} {
			if st, have := r.last(); have && ok(st) {
				return i
			}
		}
		select {
		case <-a.signal:
		case <-b.signal:
		case <-deadline:
			sa, _ := a.last()
			sb, _ := b.last()
			t.Fatalf("timed out after %v waiting for %s; last states: ok=%v error=%q agents=%d queues=%d and ok=%v error=%q agents=%d queues=%d",
				d, what, sa.OK, sa.Error, len(sa.Agents), len(sa.Queues), sb.OK, sb.Error, len(sb.Agents), len(sb.Queues))
			return -1
		}
	}
}

func testLogger(buf *testlog.Buffer) *slog.Logger {
	return slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// startPoller runs a poller against f until the test ends.
func startPoller(t *testing.T, f *fakeUJET, cfg Config, logs *testlog.Buffer) *recorder {
	t.Helper()
	c, err := NewClient(ClientConfig{BaseURL: f.baseURL(), Subdomain: f.user, Token: f.token, HTTPClient: &http.Client{Timeout: 2 * time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	rec := newRecorder()
	if logs == nil {
		logs = &testlog.Buffer{}
	}
	p := New(c, rec, cfg, testLogger(logs))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run returned %v, want nil", err)
			}
		case <-time.After(5 * time.Second):
			t.Error("Run did not return after its context ended")
		}
	})
	return rec
}

// tenant is canned data for a fake UJET tenant.
type tenant struct {
	agents   []map[string]any
	live     []map[string]any
	statuses []map[string]any
	teams    []map[string]any
	menus    []map[string]any
	queues   []map[string]any
	slaCall  []map[string]any
	slaChat  []map[string]any
}

// newTenant has n agents (ids 1..n), the docs' user statuses, two teams and
// a menu tree Support/{Billing,Shipping} (calls and chats in en, calls in es)
// plus Sales (calls, en).
func newTenant(n int) *tenant {
	tn := &tenant{
		statuses: []map[string]any{
			{"id": 0, "name": "Available", "color": "green", "wfm_id": 11},
			{"id": -1, "name": "Unavailable", "color": "red", "wfm_id": 12},
			{"id": -6, "name": "Wrap-up", "color": "purple", "wfm_id": 33},
			{"id": -7, "name": "In-call", "color": "light_blue", "wfm_id": 34},
			{"id": -8, "name": "In-chat", "color": "indigo", "wfm_id": 35},
			{"id": -10, "name": "Offline", "color": "grey", "wfm_id": 36},
			{"id": 5, "name": "Coaching", "color": "#ff8800", "wfm_id": 45},
		},
		teams: []map[string]any{
			{"id": 10, "name": "Billing Team", "parent_id": nil, "deleted": false, "assignees": []any{}},
			{"id": 11, "name": "Shipping Team", "parent_id": nil, "deleted": false, "assignees": map[string]any{"id": 1}},
		},
		menus: []map[string]any{
			{"id": 1, "name": "Support", "parent_id": nil, "menu_type": "ivr_menu", "agent_assignments": []any{}, "team_assignments": nil},
			{"id": 2, "name": "Billing", "parent_id": 1, "menu_type": "ivr_menu", "hidden": "false",
				"agent_assignments": []any{map[string]any{"lang": "en", "channel_type": "voice_call", "assignee": map[string]any{"id": 1, "agent_number": 97}}},
				"team_assignments": []any{
					map[string]any{"lang": "en", "channel_type": "chat", "team": map[string]any{"id": 10}},
					map[string]any{"lang": "es", "channel_type": "voice_call", "team": map[string]any{"id": 10}},
				}},
			{"id": 3, "name": "Shipping", "parent_id": "1", "menu_type": "web_menu",
				"team_assignments": []any{map[string]any{"lang": "en", "channel_type": "chat", "team": map[string]any{"id": 11}}}},
			{"id": 4, "name": "Sales", "parent_id": nil, "menu_type": "ivr_menu",
				"agent_assignments": []any{map[string]any{"lang": "en", "channel_type": "voice_call"}}},
		},
		queues: []map[string]any{},
		// SLA knows the path ids; Sales has no SLA entry.
		slaCall: []map[string]any{
			{"menu_path_id": 102, "lang": "en", "menu_path": "Support/Billing", "sla": 96.5},
			{"menu_path_id": 102, "lang": "es", "menu_path": "Support/Billing", "sla": nil},
		},
		slaChat: []map[string]any{
			{"menu_path_id": 102, "lang": "en", "menu_path": "Support/Billing", "sla": 0.0},
			{"menu_path_id": "103", "lang": "en", "menu_path": "Support/Shipping", "sla": "88.0"},
		},
	}
	for i := 1; i <= n; i++ {
		team := map[string]any{"id": 10, "name": "Billing Team"}
		if i%2 == 0 {
			team = map[string]any{"id": 11, "name": nil} // name from teams
		}
		var id any = i
		if i%3 == 0 {
			id = strconv.Itoa(i) // ids as strings too
		}
		tn.agents = append(tn.agents, map[string]any{
			"id": id, "first_name": fmt.Sprintf("First%d", i), "middle_name": nil, "last_name": fmt.Sprintf("Last%d", i),
			"status": map[string]any{"id": -10, "name": "Offline", "color": "grey"}, "status_updated_at": "2026-01-01T08:00:00.000Z",
			"teams": []any{team}, "unknown_key": map[string]any{"x": 1},
		})
	}
	return tn
}

func (tn *tenant) serve(f *fakeUJET) {
	f.set("agents", tn.agents)
	f.set("agents/current_status", tn.live)
	f.set("user_statuses", tn.statuses)
	f.set("teams", tn.teams)
	f.set("menus", tn.menus)
	f.set("menus/current_status", tn.queues)
	f.setSLA("call", tn.slaCall)
	f.setSLA("chat", tn.slaChat)
}

func findAgent(st model.SourceState, id string) (model.Agent, bool) {
	for _, a := range st.Agents {
		if a.ID == id {
			return a, true
		}
	}
	return model.Agent{}, false
}

func findQueue(st model.SourceState, id string) (model.Queue, bool) {
	for _, q := range st.Queues {
		if q.ID == id {
			return q, true
		}
	}
	return model.Queue{}, false
}
