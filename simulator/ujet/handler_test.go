package ujet

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wallboard/wallboard/simulator"
)

// Structs with the field names of the vendor's Postman examples. Responses
// are decoded with DisallowUnknownFields, so a field the doc does not show
// fails the test.

type docStatus struct {
	ID    int    `json:"id"`
	Name  string `json:"name"`
	Color string `json:"color"`
	WFMID int    `json:"wfm_id"`
}

type docTeamRef struct {
	ID          int    `json:"id"`
	Name        string `json:"name"`
	ParentID    *int   `json:"parent_id"`
	Position    int    `json:"position"`
	AgentsCount int    `json:"agents_count"`
	Deleted     bool   `json:"deleted"`
}

type docMenuRef struct {
	ID        int     `json:"id"`
	Name      string  `json:"name"`
	ParentID  *int    `json:"parent_id"`
	Position  int     `json:"position"`
	Deleted   bool    `json:"deleted"`
	MenuType  string  `json:"menu_type"`
	OutputMsg *string `json:"output_msg"`
	Hidden    bool    `json:"hidden"`
}

type docAgent struct {
	ID               int          `json:"id"`
	Email            string       `json:"email"`
	Roles            []string     `json:"roles"`
	FirstName        string       `json:"first_name"`
	MiddleName       *string      `json:"middle_name"`
	LastName         string       `json:"last_name"`
	AvatarURL        string       `json:"avatar_url"`
	AgentNumber      *string      `json:"agent_number"`
	CRMAuthenticated bool         `json:"crm_authenticated"`
	Status           docStatus    `json:"status"`
	Online           bool         `json:"online"`
	WrapUp           bool         `json:"wrap_up"`
	CallCount        int          `json:"call_count"`
	ChatCount        int          `json:"chat_count"`
	Location         *string      `json:"location"`
	CreatedAt        string       `json:"created_at"`
	LastLoginTime    *string      `json:"last_login_time"`
	StatusUpdatedAt  *string      `json:"status_updated_at"`
	Teams            []docTeamRef `json:"teams"`
	Channels         []struct {
		ChannelType string     `json:"channel_type"`
		Menu        docMenuRef `json:"menu"`
	} `json:"channels"`
}

type docCurrentStatus struct {
	ID              int    `json:"id"`
	Status          string `json:"status"`
	StatusID        int    `json:"status_id"`
	StatusUpdatedAt string `json:"status_updated_at"`
	OnHold          bool   `json:"on_hold"`
	OnHoldDuration  int    `json:"on_hold_duration"`
}

type docAssignee struct {
	ID          int     `json:"id"`
	AgentNumber *string `json:"agent_number"`
	Name        string  `json:"name"`
	LastName    string  `json:"last_name"`
	FirstName   string  `json:"first_name"`
	AvatarURL   string  `json:"avatar_url"`
}

type docTeam struct {
	docTeamRef
	Assignees []docAssignee `json:"assignees"`
}

type docMenu struct {
	docMenuRef
	AgentAssignments []struct {
		Lang        string      `json:"lang"`
		QueueLevel  string      `json:"queue_level"`
		ChannelType string      `json:"channel_type"`
		Assignee    docAssignee `json:"assignee"`
	} `json:"agent_assignments"`
	TeamAssignments []struct {
		Lang        string  `json:"lang"`
		QueueLevel  string  `json:"queue_level"`
		ChannelType string  `json:"channel_type"`
		Team        docTeam `json:"team"`
	} `json:"team_assignments"`
}

type docMenuStatus struct {
	MenuID                int    `json:"menu_id"`
	Lang                  string `json:"lang"`
	MenuPathID            int    `json:"menu_path_id"`
	MenuPath              string `json:"menu_path"`
	CommType              string `json:"comm_type"`
	InQueueCount          int    `json:"in_queue_count"`
	OldestInQueue         string `json:"oldest_in_queue"`
	OldestDurationInQueue int    `json:"oldest_duration_in_queue"`
	TotalQueueDuration    int    `json:"total_queue_duration"`
	AverageQueueDuration  int    `json:"average_queue_duration"`
}

type docMenuSLA struct {
	MenuPathID int      `json:"menu_path_id"`
	Lang       string   `json:"lang"`
	MenuPath   string   `json:"menu_path"`
	SLA        *float64 `json:"sla"`
}

type docGroupSLA struct {
	QueueGroupID   int      `json:"queue_group_id"`
	QueueGroupName string   `json:"queue_group_name"`
	SLA            *float64 `json:"sla"`
}

var start = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

type fixture struct {
	center *simulator.Center
	h      *Handler
	srv    *httptest.Server
}

func newFixture(t *testing.T, so simulator.Options, o Options) *fixture {
	t.Helper()
	if so.Start.IsZero() {
		so.Start = start
	}
	if o.RateLimit == 0 {
		o.RateLimit = -1
	}
	c := simulator.New(so)
	h := NewHandler(c, o)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &fixture{center: c, h: h, srv: srv}
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func (f *fixture) get(t *testing.T, path string, auth bool) response {
	t.Helper()
	return f.getAs(t, path, DefaultSubdomain, DefaultToken, auth)
}

func (f *fixture) getAs(t *testing.T, path, user, pass string, auth bool) response {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, f.srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if auth {
		req.SetBasicAuth(user, pass)
	}
	resp, err := f.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: body}
}

func decodeStrict[T any](t *testing.T, r response) T {
	t.Helper()
	var v T
	if r.status != http.StatusOK {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	dec := json.NewDecoder(bytes.NewReader(r.body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("decode %T: %v\n%s", v, err, r.body)
	}
	return v
}

func TestEndpointsDecodeWithDocFieldNames(t *testing.T) {
	f := newFixture(t, simulator.Options{Seed: 21}, Options{})
	tr := f.center.Truth()

	agents := decodeStrict[[]docAgent](t, f.get(t, "/manager/api/v1/agents?per=100", true))
	if len(agents) != len(tr.Agents) {
		t.Fatalf("%d agents, want %d", len(agents), len(tr.Agents))
	}
	for i, a := range agents {
		want := tr.Agents[i]
		if a.ID != want.ID || a.FirstName != want.FirstName || a.LastName != want.LastName || a.Status.ID != want.StatusID ||
			a.Status.Name != want.StatusName || a.Online != want.LoggedIn || len(a.Teams) != len(want.TeamIDs) || len(a.Channels) == 0 {
			t.Errorf("agent %d = %+v, want %+v", a.ID, a, want)
		}
		if a.StatusUpdatedAt == nil || *a.StatusUpdatedAt != want.StatusSince.UTC().Format("2006-01-02T15:04:05.000Z") {
			t.Errorf("agent %d status_updated_at %v, want %v", a.ID, a.StatusUpdatedAt, want.StatusSince)
		}
		if a.Status.Color == "" || a.Status.WFMID == 0 {
			t.Errorf("agent %d status %+v lacks colour or wfm_id", a.ID, a.Status)
		}
	}

	cs := decodeStrict[[]docCurrentStatus](t, f.get(t, "/manager/api/v1/agents/current_status", true))
	loggedIn := 0
	for _, a := range tr.Agents {
		if a.LoggedIn {
			loggedIn++
		}
	}
	if len(cs) != loggedIn || loggedIn == 0 {
		t.Errorf("current_status has %d agents, want the %d logged in", len(cs), loggedIn)
	}
	for _, s := range cs {
		a, _ := tr.Agent(s.ID)
		if s.StatusID != a.StatusID || s.Status != a.StatusName {
			t.Errorf("current_status %+v, truth %+v", s, a)
		}
	}

	statuses := decodeStrict[[]docStatus](t, f.get(t, "/manager/api/v1/user_statuses", true))
	if len(statuses) != len(tr.Statuses) || statuses[0] != (docStatus{ID: 0, Name: "Available", Color: "green", WFMID: 11}) {
		t.Errorf("user_statuses = %+v", statuses)
	}
	var custom []string
	for _, s := range statuses {
		if s.ID > 0 {
			custom = append(custom, s.Name+":"+s.Color)
		}
	}
	if len(custom) < 2 {
		t.Errorf("custom statuses %v, want at least 2", custom)
	}

	teams := decodeStrict[[]docTeam](t, f.get(t, "/manager/api/v1/teams", true))
	if len(teams) != len(tr.Teams) {
		t.Errorf("%d teams, want %d", len(teams), len(tr.Teams))
	}
	for _, tm := range teams {
		if tm.AgentsCount != len(tm.Assignees) || tm.AgentsCount == 0 {
			t.Errorf("team %s: agents_count %d, %d assignees", tm.Name, tm.AgentsCount, len(tm.Assignees))
		}
	}

	menus := decodeStrict[[]docMenu](t, f.get(t, "/manager/api/v1/menus", true))
	if len(menus) != len(tr.Menus) {
		t.Errorf("%d menus, want %d", len(menus), len(tr.Menus))
	}
	assigned := 0
	for _, m := range menus {
		for _, ta := range m.TeamAssignments {
			assigned++
			if ta.Lang == "" || (ta.ChannelType != "voice_call" && ta.ChannelType != "chat") || len(ta.Team.Assignees) == 0 {
				t.Errorf("menu %s team assignment %+v", m.Name, ta)
			}
		}
		for _, aa := range m.AgentAssignments {
			if aa.Lang == "" || aa.Assignee.ID == 0 {
				t.Errorf("menu %s agent assignment %+v", m.Name, aa)
			}
		}
	}
	if assigned == 0 {
		t.Error("no team assignments in menus")
	}

	mcs := decodeStrict[[]docMenuStatus](t, f.get(t, "/manager/api/v1/menus/current_status", true))
	waiting := 0
	for _, q := range tr.Queues {
		if len(q.Waiting) > 0 {
			waiting++
		}
	}
	if len(mcs) != waiting {
		t.Errorf("menus/current_status has %d entries, %d queues have contacts waiting", len(mcs), waiting)
	}

	for _, ch := range []string{"call", "chat"} {
		sla := decodeStrict[[]docMenuSLA](t, f.get(t, "/manager/api/v1/menus/sla?channel="+ch+"&minutes=15", true))
		if len(sla) != len(tr.SLA(ch, 15, tr.At)) || len(sla) == 0 {
			t.Errorf("menus/sla %s: %d entries", ch, len(sla))
		}
		groups := decodeStrict[[]docGroupSLA](t, f.get(t, "/manager/api/v1/menus/sla_by_queue_groups?channel="+ch+"&minutes=60", true))
		if len(groups) != len(tr.QueueGroups) {
			t.Errorf("sla_by_queue_groups %s: %d entries, want %d", ch, len(groups), len(tr.QueueGroups))
		}
	}
}

func TestMenusCurrentStatusMatchesTruth(t *testing.T) {
	f := newFixture(t, simulator.Options{Seed: 3, WarmUp: -1, Quiet: true}, Options{})
	// Everyone serving technical chats is away: contacts wait.
	for _, a := range f.center.Truth().Agents {
		if err := f.center.SetAgentStatus(a.ID, "Meal"); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 3 {
		f.center.Advance(start.Add(time.Duration(i*10) * time.Second))
		if err := f.center.Enqueue(simulator.PathWebTech, "es", "chat"); err != nil {
			t.Fatal(err)
		}
	}
	f.center.Advance(start.Add(45 * time.Second))
	got := decodeStrict[[]docMenuStatus](t, f.get(t, "/manager/api/v1/menus/current_status", true))
	want := docMenuStatus{
		MenuID: simulator.MenuWebTech, Lang: "es", MenuPathID: simulator.PathWebTech, MenuPath: "Web Help/Technical Support",
		CommType: "Chat", InQueueCount: 3, OldestInQueue: "2026-03-02T09:00:00.000Z",
		OldestDurationInQueue: 45, TotalQueueDuration: 45 + 35 + 25, AverageQueueDuration: 35,
	}
	if len(got) != 1 || got[0] != want {
		t.Errorf("menus/current_status = %+v, want [%+v]", got, want)
	}
}

func TestPaginationReturnsEveryAgentOnce(t *testing.T) {
	f := newFixture(t, simulator.Options{Seed: 1, Agents: 150}, Options{})
	seen := map[int]int{}
	for page := 1; ; page++ {
		got := decodeStrict[[]docAgent](t, f.get(t, fmt.Sprintf("/manager/api/v1/agents?page=%d&per=7", page), true))
		if len(got) == 0 {
			break
		}
		if len(got) > 7 {
			t.Fatalf("page %d has %d agents, per=7", page, len(got))
		}
		for _, a := range got {
			seen[a.ID]++
		}
		if page > 100 {
			t.Fatal("pagination never ends")
		}
	}
	tr := f.center.Truth()
	if len(seen) != len(tr.Agents) {
		t.Errorf("saw %d distinct agents across pages, want %d", len(seen), len(tr.Agents))
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("agent %d returned %d times", id, n)
		}
	}
	count := func(path string) int {
		return len(decodeStrict[[]json.RawMessage](t, f.get(t, path, true)))
	}
	if n := count("/manager/api/v1/agents"); n != DefaultPer {
		t.Errorf("default page has %d agents, want %d", n, DefaultPer)
	}
	if n := count("/manager/api/v1/agents?per=1000"); n != MaxPer {
		t.Errorf("per=1000 gave %d agents, want the cap %d", n, MaxPer)
	}
	if n := count("/manager/api/v1/agents?per=100&page=2"); n != 50 {
		t.Errorf("page 2 of 100 gave %d agents, want 50", n)
	}
	for _, p := range []string{"page=3&per=100", "page=99999999999999999&per=100", "page=9223372036854775807&per=100"} {
		r := f.get(t, "/manager/api/v1/agents?"+p, true)
		if strings.TrimSpace(string(r.body)) != "[]" {
			t.Errorf("%s: body %.100s, want []", p, r.body)
		}
	}
	if n := count("/manager/api/v1/teams?per=2&page=2"); n != 2 {
		t.Errorf("teams page 2 of 2 gave %d", n)
	}
	if n := count("/manager/api/v1/menus?per=5&page=2"); n != len(tr.Menus)-5 {
		t.Errorf("menus page 2 of 5 gave %d, want %d", n, len(tr.Menus)-5)
	}
}

func TestAuth(t *testing.T) {
	f := newFixture(t, simulator.Options{Seed: 1}, Options{Subdomain: "acme", Token: "s3cret"})
	check401 := func(name string, r response) {
		t.Helper()
		if r.status != http.StatusUnauthorized {
			t.Errorf("%s: status %d, want 401", name, r.status)
		}
		if got := r.header.Get("WWW-Authenticate"); !strings.HasPrefix(got, `Basic realm="`) {
			t.Errorf("%s: WWW-Authenticate %q", name, got)
		}
		var e struct{ Error string }
		if err := json.Unmarshal(r.body, &e); err != nil || e.Error == "" {
			t.Errorf("%s: body %q is not a JSON error", name, r.body)
		}
		if strings.Contains(string(r.body), "s3cret") {
			t.Errorf("%s: the token leaked into the body", name)
		}
	}
	const path = "/manager/api/v1/user_statuses"
	check401("no credentials", f.get(t, path, false))
	check401("wrong token", f.getAs(t, path, "acme", "wrong", true))
	check401("wrong subdomain", f.getAs(t, path, "other", "s3cret", true))
	if r := f.getAs(t, path, "acme", "s3cret", true); r.status != http.StatusOK {
		t.Fatalf("right credentials: status %d", r.status)
	}
	f.h.SetToken("rotated")
	check401("old token after rotation", f.getAs(t, path, "acme", "s3cret", true))
	if r := f.getAs(t, path, "acme", "rotated", true); r.status != http.StatusOK {
		t.Errorf("new token: status %d", r.status)
	}
}

// clock is a settable time source.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func TestRateLimit(t *testing.T) {
	clk := &clock{t: start}
	f := newFixture(t, simulator.Options{Seed: 1}, Options{RateLimit: time.Second, Now: clk.Now})
	const path = "/manager/api/v1/agents/current_status"
	if r := f.get(t, path, true); r.status != http.StatusOK {
		t.Fatalf("first request: %d", r.status)
	}
	clk.Add(999 * time.Millisecond)
	r := f.get(t, path, true)
	if r.status != http.StatusTooManyRequests {
		t.Fatalf("second request 999ms later: %d, want 429", r.status)
	}
	if ra := r.header.Get("Retry-After"); ra != "1" {
		t.Errorf("Retry-After %q, want 1", ra)
	}
	if !json.Valid(r.body) {
		t.Errorf("429 body is not JSON: %s", r.body)
	}
	// The rejected request counts: one second after the first is still too
	// soon after the second.
	clk.Add(time.Millisecond)
	if r := f.get(t, path, true); r.status != http.StatusTooManyRequests {
		t.Errorf("1s after the first but 1ms after the rejected one: %d, want 429", r.status)
	}
	clk.Add(time.Second)
	if r := f.get(t, path, true); r.status != http.StatusOK {
		t.Errorf("1s after the previous request: %d, want 200", r.status)
	}
	reqs := f.h.Requests()
	var statuses []int
	for _, q := range reqs {
		statuses = append(statuses, q.Status)
		if q.Path != "agents/current_status" {
			t.Errorf("recorded path %q", q.Path)
		}
	}
	if fmt.Sprint(statuses) != "[200 429 429 200]" {
		t.Errorf("recorded statuses %v", statuses)
	}
	if !reqs[1].At.Equal(start.Add(999 * time.Millisecond)) {
		t.Errorf("recorded time %v", reqs[1].At)
	}

	// Real clock, default limit: two requests back to back.
	g := newFixture(t, simulator.Options{Seed: 1}, Options{RateLimit: DefaultRateLimit})
	g.get(t, "/manager/api/v1/teams", true)
	if r := g.get(t, "/manager/api/v1/menus?page=1", true); r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") == "" {
		t.Errorf("back-to-back requests: %d, Retry-After %q", r.status, r.header.Get("Retry-After"))
	}
	if q := g.h.Requests(); len(q) != 2 || q[1].Query != "page=1" || q[1].Status != http.StatusTooManyRequests {
		t.Errorf("requests %+v", q)
	}
}

func TestFaults(t *testing.T) {
	f := newFixture(t, simulator.Options{Seed: 9}, Options{SlowDelay: 300 * time.Millisecond})
	const path = "/manager/api/v1/agents/current_status"

	f.h.Inject(Fault{Path: "agents/current_status", Kind: FaultStatus500, Count: 2})
	if r := f.get(t, "/manager/api/v1/user_statuses", true); r.status != http.StatusOK {
		t.Errorf("fault for another path hit user_statuses: %d", r.status)
	}
	for i := range 2 {
		if r := f.get(t, path, true); r.status != http.StatusInternalServerError || !json.Valid(r.body) {
			t.Errorf("500 fault, request %d: %d %s", i, r.status, r.body)
		}
	}
	if r := f.get(t, path, true); r.status != http.StatusOK {
		t.Errorf("after the fault's count: %d", r.status)
	}

	f.h.Inject(Fault{Kind: FaultUnauthorized})
	if r := f.get(t, path, true); r.status != http.StatusUnauthorized || r.header.Get("WWW-Authenticate") == "" {
		t.Errorf("401 fault: %d", r.status)
	}

	f.h.Inject(Fault{Kind: FaultTooMany})
	if r := f.get(t, path, true); r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") != "2" {
		t.Errorf("429 fault: %d, Retry-After %q", r.status, r.header.Get("Retry-After"))
	}

	f.h.Inject(Fault{Kind: FaultMalformedJSON})
	r := f.get(t, path, true)
	var v []docCurrentStatus
	if r.status != http.StatusOK || json.Unmarshal(r.body, &v) == nil || len(r.body) < 10 {
		t.Errorf("malformed JSON fault: %d, %d bytes decoded fine", r.status, len(r.body))
	}

	for _, k := range []struct {
		kind   FaultKind
		status int
	}{{FaultHTML, http.StatusBadGateway}, {FaultHTMLOK, http.StatusOK}} {
		f.h.Inject(Fault{Kind: k.kind})
		r := f.get(t, path, true)
		if r.status != k.status || !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") || !strings.Contains(string(r.body), "<html>") {
			t.Errorf("HTML fault: %d %q %.60s", r.status, r.header.Get("Content-Type"), r.body)
		}
	}

	f.h.Inject(Fault{Kind: FaultNullFields})
	r = f.get(t, "/manager/api/v1/agents", true)
	var nulls []map[string]any
	if err := json.Unmarshal(r.body, &nulls); err != nil || len(nulls) == 0 {
		t.Fatalf("null fault: %v", err)
	}
	for _, k := range []string{"middle_name", "last_login_time", "status_updated_at", "teams", "agent_number"} {
		if v, ok := nulls[0][k]; !ok || v != nil {
			t.Errorf("null fault: %s = %v, want null", k, v)
		}
	}
	if nulls[0]["id"] == nil || nulls[0]["status"] == nil {
		t.Error("null fault removed required fields")
	}

	f.h.Inject(Fault{Path: "menus", Kind: FaultExtraFields})
	r = f.get(t, "/manager/api/v1/menus", true)
	var extra []map[string]any
	if err := json.Unmarshal(r.body, &extra); err != nil || len(extra) == 0 {
		t.Fatalf("extra fault: %v", err)
	}
	if _, ok := extra[0]["x_sim_unknown_object"]; !ok {
		t.Errorf("extra fault: no unknown key at top level: %v", extra[0])
	}
	if !strings.Contains(string(r.body), `"team":{`) || strings.Count(string(r.body), "x_sim_unknown_string") <= len(extra) {
		t.Error("extra fault: unknown keys not added to nested objects")
	}
	// Tolerant decoding (unknown keys ignored) still works.
	var menus []docMenu
	if err := json.Unmarshal(r.body, &menus); err != nil || menus[0].Name == "" {
		t.Errorf("extra fields broke tolerant decoding: %v", err)
	}

	// Slow: answers after the delay...
	f.h.Inject(Fault{Kind: FaultSlow})
	began := time.Now()
	if r := f.get(t, path, true); r.status != http.StatusOK || time.Since(began) < 300*time.Millisecond {
		t.Errorf("slow fault: %d after %v", r.status, time.Since(began))
	}
	// ...unless the client gives up first.
	f.h.Inject(Fault{Kind: FaultSlow})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, f.srv.URL+path, nil)
	req.SetBasicAuth(DefaultSubdomain, DefaultToken)
	if resp, err := f.srv.Client().Do(req); err == nil {
		resp.Body.Close()
		t.Error("slow fault answered before the client's deadline")
	} else if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("slow fault: %v", err)
	}
}

func TestSlowFaultDefaultRespectsClientTimeout(t *testing.T) {
	f := newFixture(t, simulator.Options{Seed: 9}, Options{})
	f.h.Inject(Fault{Kind: FaultSlow})
	client := &http.Client{Timeout: 100 * time.Millisecond}
	req, _ := http.NewRequest(http.MethodGet, f.srv.URL+"/manager/api/v1/teams", nil)
	req.SetBasicAuth(DefaultSubdomain, DefaultToken)
	began := time.Now()
	if resp, err := client.Do(req); err == nil {
		resp.Body.Close()
		t.Fatal("10s slow fault answered within a 100ms timeout")
	}
	// The handler returns once the client is gone; the server closes fast.
	f.srv.Close()
	if d := time.Since(began); d > 5*time.Second {
		t.Errorf("server took %v to close with a slow request pending", d)
	}
	if q := f.h.Requests(); len(q) != 1 || q[0].Status != 0 {
		t.Errorf("requests %+v, want one with status 0 (client gone)", q)
	}
}

func TestSLANullThenNumber(t *testing.T) {
	f := newFixture(t, simulator.Options{Seed: 4, WarmUp: -1, Quiet: true}, Options{})
	const path = "/manager/api/v1/menus/sla?channel=call&minutes=15"
	for _, s := range decodeStrict[[]docMenuSLA](t, f.get(t, path, true)) {
		if s.SLA != nil {
			t.Errorf("%s/%s: sla %v with nothing handled, want null", s.MenuPath, s.Lang, *s.SLA)
		}
	}
	if !strings.Contains(string(f.get(t, path, true).body), `"sla":null`) {
		t.Error("null sla not written as null")
	}
	if err := f.center.Enqueue(simulator.PathOrders, "en", "call"); err != nil {
		t.Fatal(err)
	}
	f.center.Advance(start.Add(time.Second))
	var got *float64
	for _, s := range decodeStrict[[]docMenuSLA](t, f.get(t, path, true)) {
		if s.MenuPathID == simulator.PathOrders && s.Lang == "en" {
			got = s.SLA
			if s.MenuPath != "Support/Orders" {
				t.Errorf("menu_path %q", s.MenuPath)
			}
		} else if s.SLA != nil {
			t.Errorf("%s/%s: sla %v, want null", s.MenuPath, s.Lang, *s.SLA)
		}
	}
	if got == nil || *got != 100 {
		t.Errorf("Orders en call sla %v, want 100", got)
	}
	groups := decodeStrict[[]docGroupSLA](t, f.get(t, "/manager/api/v1/menus/sla_by_queue_groups?channel=call&minutes=5", true))
	if len(groups) != 2 || groups[0].QueueGroupName != "Support" || groups[0].SLA == nil || *groups[0].SLA != 100 || groups[1].SLA != nil {
		t.Errorf("sla_by_queue_groups = %+v", groups)
	}
	for _, q := range []string{"", "channel=call", "minutes=15", "channel=email&minutes=15", "channel=call&minutes=0", "channel=call&minutes=abc", "channel=chat&minutes=-5"} {
		for _, ep := range []string{"menus/sla", "menus/sla_by_queue_groups"} {
			r := f.get(t, "/manager/api/v1/"+ep+"?"+q, true)
			var e struct{ Error string }
			if r.status != http.StatusBadRequest || json.Unmarshal(r.body, &e) != nil || e.Error == "" {
				t.Errorf("%s?%s: %d %s, want 400 with a JSON error", ep, q, r.status, r.body)
			}
		}
	}
}

func TestCurrentStatusOmitsLoggedOutAgents(t *testing.T) {
	f := newFixture(t, simulator.Options{Seed: 6}, Options{})
	tr := f.center.Truth()
	id := tr.Agents[5].ID
	if err := f.center.SetAgentStatus(id, "Offline"); err != nil {
		t.Fatal(err)
	}
	for _, s := range decodeStrict[[]docCurrentStatus](t, f.get(t, "/manager/api/v1/agents/current_status", true)) {
		if s.ID == id {
			t.Errorf("logged-out agent %d listed: %+v", id, s)
		}
		if s.Status == "Offline" {
			t.Errorf("agent %d listed Offline", s.ID)
		}
	}
	found := false
	for _, a := range decodeStrict[[]docAgent](t, f.get(t, "/manager/api/v1/agents?per=100", true)) {
		if a.ID == id {
			found = true
			if a.Online || a.Status.Name != "Offline" || a.Status.ID != -10 {
				t.Errorf("logged-out agent in agents: online %v status %+v", a.Online, a.Status)
			}
		}
	}
	if !found {
		t.Error("logged-out agent missing from agents")
	}
}

func TestHoldShowsInCurrentStatus(t *testing.T) {
	f := newFixture(t, simulator.Options{Seed: 8}, Options{})
	now := start
	for range 600 {
		now = now.Add(time.Second)
		f.center.Advance(now)
		tr := f.center.Truth()
		for _, a := range tr.Agents {
			if !a.OnHold || now.Sub(*a.HoldSince) < 3*time.Second {
				continue
			}
			for _, s := range decodeStrict[[]docCurrentStatus](t, f.get(t, "/manager/api/v1/agents/current_status", true)) {
				if s.ID == a.ID {
					want := int(now.Sub(*a.HoldSince) / time.Second)
					if !s.OnHold || s.OnHoldDuration != want || s.Status != "In-call" {
						t.Errorf("agent on hold for %ds shows %+v", want, s)
					}
					return
				}
			}
			t.Fatalf("agent %d on hold but not listed", a.ID)
		}
	}
	t.Fatal("no agent was on hold for 3s in 10 minutes")
}

func TestNamesNeedingEscapingRoundTrip(t *testing.T) {
	f := newFixture(t, simulator.Options{Seed: 2}, Options{})
	tr := f.center.Truth()
	var special simulator.Agent
	for _, a := range tr.Agents {
		if strings.ContainsAny(a.FirstName+a.LastName, "<>&") {
			special = a
		}
	}
	if special.ID == 0 {
		t.Fatal("no agent with a name that needs escaping")
	}
	other := tr.Agents[0].ID
	const first, last = `<script>alert("x")</script>`, `D'Angelo & "Sons"`
	if err := f.center.SetAgentName(other, first, last); err != nil {
		t.Fatal(err)
	}
	r := f.get(t, "/manager/api/v1/agents?per=100", true)
	if !strings.Contains(string(r.body), `<b>O'Brien</b> & Co`) {
		t.Error("names are not written verbatim")
	}
	byID := map[int]docAgent{}
	for _, a := range decodeStrict[[]docAgent](t, r) {
		byID[a.ID] = a
	}
	if a := byID[special.ID]; a.FirstName != special.FirstName || a.LastName != special.LastName {
		t.Errorf("agent %d name %q %q, want %q %q", special.ID, a.FirstName, a.LastName, special.FirstName, special.LastName)
	}
	if a := byID[other]; a.FirstName != first || a.LastName != last {
		t.Errorf("renamed agent %q %q, want %q %q", a.FirstName, a.LastName, first, last)
	}
	found := false
	for _, tm := range decodeStrict[[]docTeam](t, f.get(t, "/manager/api/v1/teams", true)) {
		for _, as := range tm.Assignees {
			if as.ID == special.ID {
				found = true
				if as.Name != special.FirstName+" "+special.LastName {
					t.Errorf("team assignee name %q", as.Name)
				}
			}
		}
	}
	if !found {
		t.Error("special agent not among team assignees")
	}
}

func TestUnknownPathsAndMethods(t *testing.T) {
	f := newFixture(t, simulator.Options{Seed: 2}, Options{})
	for _, p := range []string{"/manager/api/v1/nope", "/manager/api/v1/agents/current_status/extra", "/apps/api/v1/agents", "/"} {
		r := f.get(t, p, true)
		var e struct{ Error string }
		if r.status != http.StatusNotFound || json.Unmarshal(r.body, &e) != nil || e.Error == "" {
			t.Errorf("%s: %d %s, want 404 JSON", p, r.status, r.body)
		}
	}
	req, _ := http.NewRequest(http.MethodPost, f.srv.URL+"/manager/api/v1/agents", strings.NewReader("{}"))
	req.SetBasicAuth(DefaultSubdomain, DefaultToken)
	resp, err := f.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST: %d, want 405", resp.StatusCode)
	}
	// A trailing slash is the same endpoint.
	if r := f.get(t, "/manager/api/v1/user_statuses/", true); r.status != http.StatusOK {
		t.Errorf("trailing slash: %d", r.status)
	}
}

func TestMountedUnderAMux(t *testing.T) {
	c := simulator.New(simulator.Options{Seed: 1, Start: start})
	mux := http.NewServeMux()
	mux.Handle(Prefix, NewHandler(c, Options{RateLimit: -1}))
	srv := httptest.NewServer(mux)
	defer srv.Close()
	f := &fixture{center: c, srv: srv}
	if r := f.get(t, "/manager/api/v1/teams", true); r.status != http.StatusOK {
		t.Errorf("mounted under a mux: %d", r.status)
	}
}

func TestListFilters(t *testing.T) {
	f := newFixture(t, simulator.Options{Seed: 2}, Options{})
	tr := f.center.Truth()
	if err := f.center.SetAgentStatus(tr.Agents[1].ID, "Offline"); err != nil {
		t.Fatal(err)
	}
	got := decodeStrict[[]docAgent](t, f.get(t, fmt.Sprintf("/manager/api/v1/agents?id[]=%d&id[]=%d&id[]=99999", tr.Agents[3].ID, tr.Agents[1].ID), true))
	if len(got) != 2 || got[0].ID != tr.Agents[1].ID || got[1].ID != tr.Agents[3].ID {
		t.Errorf("id[] filter gave %d agents", len(got))
	}
	offline := decodeStrict[[]docAgent](t, f.get(t, "/manager/api/v1/agents?online[]=false&per=100", true))
	if len(offline) == 0 {
		t.Error("online[]=false returned nobody, though an agent is logged out")
	}
	for _, a := range offline {
		if a.Online {
			t.Errorf("online[]=false returned online agent %d", a.ID)
		}
	}
	menus := decodeStrict[[]docMenu](t, f.get(t, "/manager/api/v1/menus?menu_type[]=web_menu", true))
	if len(menus) != 4 {
		t.Errorf("menu_type[]=web_menu gave %d menus, want 4", len(menus))
	}
}

func TestMaxPerCapsPages(t *testing.T) {
	f := newFixture(t, simulator.Options{Seed: 1, Agents: 60}, Options{MaxPer: 25})
	count := func(path string) int {
		return len(decodeStrict[[]json.RawMessage](t, f.get(t, path, true)))
	}
	for path, want := range map[string]int{
		"/manager/api/v1/agents?per=100":        25,
		"/manager/api/v1/agents?per=100&page=3": 10,
		"/manager/api/v1/agents?per=10&page=2":  10,
		"/manager/api/v1/menus?per=100&page=1":  len(f.center.Truth().Menus),
	} {
		if n := count(path); n != want {
			t.Errorf("%s gave %d records, want %d", path, n, want)
		}
	}
}

func TestCallsAndChats(t *testing.T) {
	f := newFixture(t, simulator.Options{Seed: 3, Agents: 20, Speed: 20}, Options{})
	tr := f.center.Truth()
	type contact struct {
		ID             int     `json:"id"`
		Status         string  `json:"status"`
		FailReason     *string `json:"fail_reason"`
		UpdatedAt      string  `json:"updated_at"`
		QueuedAt       *string `json:"queued_at"`
		ConnectedAt    *string `json:"connected_at"`
		QueueDurations []struct {
			MenuPathID int    `json:"menu_path_id"`
			Lang       string `json:"lang"`
		} `json:"queue_durations"`
	}
	get := func(path string) []contact {
		var out []contact
		if err := json.Unmarshal(f.get(t, path, true).body, &out); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		return out
	}
	var calls, chats, ivr int
	for _, c := range tr.Contacts {
		switch {
		case c.FailReason == "eu_in_menu_abandoned":
			ivr++
		case c.Channel == "call":
			calls++
		default:
			chats++
		}
	}
	if calls == 0 || chats == 0 || ivr == 0 {
		t.Fatalf("the warm-up left %d calls, %d chats, %d IVR hang-ups", calls, chats, ivr)
	}
	all := get("/manager/api/v1/calls?per=1000")
	if len(all) != min(calls+ivr, MaxPer) {
		t.Errorf("calls page has %d, want %d", len(all), min(calls+ivr, MaxPer))
	}
	for _, c := range get("/manager/api/v1/calls?per=100&call_fail_reason[]=eu_in_menu_abandoned") {
		if c.Status != "failed" || c.QueuedAt != nil || len(c.QueueDurations) != 0 {
			t.Errorf("IVR hang-up %d: status %s, queued %v, %d queue durations", c.ID, c.Status, c.QueuedAt, len(c.QueueDurations))
		}
	}
	for _, c := range get("/manager/api/v1/calls?per=100&call_status[]=failed&call_fail_reason[]=eu_abandoned") {
		if c.QueuedAt == nil || c.ConnectedAt != nil || len(c.QueueDurations) != 1 {
			t.Errorf("abandoned call %d: queued %v, connected %v", c.ID, c.QueuedAt, c.ConnectedAt)
		}
	}
	for _, c := range get("/manager/api/v1/chats?per=100&chat_status[]=canceled") {
		if c.Status != "canceled" || len(c.QueueDurations) != 1 {
			t.Errorf("canceled chat %d: %s with %d queue durations", c.ID, c.Status, len(c.QueueDurations))
		}
	}
	// updated_at[from] keeps what changed strictly after it, oldest first.
	mid := tr.Contacts[len(tr.Contacts)/2].UpdatedAt
	from := mid.UTC().Format("2006-01-02T15:04:05.000Z")
	var prev string
	for _, c := range get("/manager/api/v1/chats?per=100&sort_column=updated_at&sort_direction=ASC&updated_at[from]=" + from) {
		if c.UpdatedAt <= from {
			t.Errorf("chat %d updated %s, not after %s", c.ID, c.UpdatedAt, from)
		}
		if c.UpdatedAt < prev {
			t.Errorf("chat %d updated %s before the previous %s", c.ID, c.UpdatedAt, prev)
		}
		prev = c.UpdatedAt
	}
}
