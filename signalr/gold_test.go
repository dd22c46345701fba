package signalr

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/wallboard/wallboard/model"
)

var fixedNow = time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)

func clock() time.Time { return fixedNow }

// Seeds from the API document's Realtime Data Response examples.
var docExamples = []struct {
	kind    Kind
	payload string
}{
	{KindAgent, `{"type":"agent","metrics":{"audio":{"ronaCount":0,"answeredCount":0,"directInboundCallCount":0,"longestAfterCallTime":0}},"name":"Rob T.","id":41,"currentStatus":{"agentStatus":"ringOnNoAnswer","startTime":"2016-10-27T19:56:02.98Z","isSuspended":false}}`},
	{KindAgent, `[{"type":"agent","metrics":{"instantMessage":{"takenCount":0}},"name":"Rob T.","id":41,"currentStatus":{"agentStatus":"ringOnNoAnswer"}},{"type":"agent","metrics":{"instantMessage":{"takenCount":0}},"name":"Commander William T. Riker","id":37,"currentStatus":{"agentStatus":"unavailable"}}]`},
	{KindAgent, `{"type":"agent","id":15,"name":"Peter Miller","currentStatus":{"agentStatus":"unavailable","agentStatusId":3,"reasonCodeName":"In A Meeting","reasonCodeId":1,"startTime":"2016-10-14T13:59:54.993Z","isSuspended":false}}`},
	{KindAgentAggregate, `{"entityIds":[41,37],"type":"agent","metrics":{"audio":{"ronaCount":0},"instantMessage":{"ronaCount":0},"message":{"ronaCount":0}}}`},
	{KindAgentGroup, `[{"groupType":"group","groupId":2,"entityIds":[],"type":"agent"},{"groupType":"group","groupId":5,"entityIds":[49,52],"type":"agent","metrics":{"audio":{"ronaCount":1,"answeredCount":1},"agnostic":{"availableTime":{"total":13205103,"average":6602551.5,"count":2},"directInboundTime":{"total":0,"average":0,"count":0}}},"sessions":{"message":{"sessions":[{"sessionId":72331,"sessionType":"queued"}]}}}]`},
	{KindQueue, `{"type":"queue","id":11,"name":"Sales","metrics":{"audio":{"queuedCount":1,"answeredCount":4,"abandonedCount":1}},"sessions":{"audio":{"addedSessions":[{"sessionId":82673,"sessionType":"queued","queueId":11,"sessionStatus":"Queued","startTimeStamp":"2016-08-31T17:40:38.51Z"}],"sessions":[],"removedSessions":[]}}}`},
	{KindAgent, `{"type":"agent","id":5,"statusHistory":{"agentStatus":"available","startTime":"2016-1-1 05:00","endTime":"2016-1-1 06:00"}}`},
	{KindAlert, `{"name":"Long wait","queueId":11}`},
}

func TestApplyFullCopyThenDiffs(t *testing.T) {
	s := NewState(clock)
	full := `{"type":"queue","id":7,"name":"Support","metrics":{"audio":{"queuedCount":2,"answeredCount":10,"abandonedCount":1,"serviceLevel":92.5}},
	 "sessions":{"audio":{"sessions":[
	   {"sessionId":1,"queueId":7,"sessionStatus":"Queued","startTimeStamp":"2026-11-28T11:58:00Z"},
	   {"sessionId":2,"queueId":7,"sessionStatus":"Queued","startTimeStamp":"2026-11-28T11:59:00Z"},
	   {"sessionId":3,"queueId":7,"sessionStatus":"Active","startTimeStamp":"2026-11-28T11:50:00Z"}]}}}`
	mustApply(t, s, KindQueue, full)
	_, queues := s.Model("connect", &Directory{Queues: map[string]string{"7": "Support EN"}}, nil, fixedNow)
	if len(queues) != 1 {
		t.Fatalf("queues = %+v", queues)
	}
	q := queues[0]
	if q.Name != "Support EN" || q.Channel != "call" || q.Waiting != 2 || q.OldestSince == nil || !q.OldestSince.Equal(fixedNow.Add(-2*time.Minute)) {
		t.Fatalf("queue after full copy = %+v", q)
	}
	if q.Answered == nil || *q.Answered != 10 || q.Abandoned == nil || *q.Abandoned != 1 || q.SLAPercent != nil {
		t.Fatalf("metrics after full copy = %+v", q)
	}
	// Session 1 is answered, session 2 abandoned (removed), a new one queues.
	// An undocumented serviceLevel is never taken for an SLA.
	mustApply(t, s, KindQueue, `{"id":7,"metrics":{"audio":{"answeredCount":11,"serviceLevel":null}},
	 "sessions":{"audio":{"sessions":[{"sessionId":1,"sessionStatus":"Active"}],
	   "addedSessions":[{"sessionId":4,"sessionStatus":"Queued","startTimeStamp":"2026-11-28T11:59:30Z"}],
	   "removedSessions":[{"sessionId":2}]}}}`)
	_, queues = s.Model("connect", nil, nil, fixedNow)
	q = queues[0]
	if q.Name != "Support" || q.Waiting != 1 || !q.OldestSince.Equal(fixedNow.Add(-30*time.Second)) || *q.Answered != 11 || q.SLAPercent != nil {
		t.Fatalf("queue after diff = %+v (sla %v)", q, q.SLAPercent)
	}
	e, _ := s.Entity(KindQueue, "7")
	if _, ok := e.Sessions["audio"]["2"]; ok {
		t.Fatal("removed session 2 still present")
	}
	if got := e.Sessions["audio"]["1"].Fields["queueId"]; fmt.Sprint(got) != "7" {
		t.Fatalf("diff lost untouched session field queueId: %v", got)
	}
}

func TestApplyAgentStatusReasonSuspended(t *testing.T) {
	s := NewState(clock)
	mustApply(t, s, KindAgent, `{"type":"agent","id":15,"name":"Peter Miller","currentStatus":{"agentStatus":"unavailable","reasonCodeName":"In A Meeting","startTime":"2026-11-28T11:00:00Z","isSuspended":true}}`)
	agents, _ := s.Model("connect", &Directory{AgentTeams: map[string][]string{"15": {"Blue"}}}, nil, fixedNow)
	a := agents[0]
	if a.State != model.StateAway || a.Reason != "In A Meeting" || !a.Suspended || a.Status != "In A Meeting" || a.Name != "Peter Miller" || a.Teams[0] != "Blue" || a.Since == nil {
		t.Fatalf("agent = %+v", a)
	}
	mustApply(t, s, KindAgent, `{"id":15,"currentStatus":{"agentStatus":"inCall","reasonCodeName":null,"isSuspended":false,"startTime":"2026-11-28T11:30:00Z"},
	  "sessions":{"audio":{"addedSessions":[{"sessionId":9,"isOnHold":true,"holdStartTime":"2026-11-28T11:31:00Z"}]}}}`)
	agents, _ = s.Model("connect", nil, nil, fixedNow)
	a = agents[0]
	if a.State != model.StateBusy || a.Reason != "" || a.Suspended || !a.OnHold || a.HoldSince == nil || a.Since.Minute() != 30 {
		t.Fatalf("agent after diff = %+v", a)
	}
	for status, want := range map[string]model.State{"afterCall": model.StateWrapUp, "loggedOut": model.StateOffline, "ringing": model.StateBusy, "available": model.StateAvailable, "somethingCustom": model.StateUnknown} {
		mustApply(t, s, KindAgent, fmt.Sprintf(`{"id":15,"currentStatus":{"agentStatus":%q}}`, status))
		agents, _ = s.Model("connect", nil, nil, fixedNow)
		if agents[0].State != want {
			t.Errorf("status %s → %s, want %s", status, agents[0].State, want)
		}
	}
}

func TestApplyRejectsBadInputWithoutChange(t *testing.T) {
	s := NewState(clock)
	mustApply(t, s, KindAgent, `{"id":1,"currentStatus":{"agentStatus":"available"}}`)
	before := snapshot(s)
	for _, c := range []struct {
		payload string
		want    error
	}{
		{`{"id":1,`, ErrMalformed},
		{`not json`, ErrMalformed},
		{`"agentUpdate"`, ErrUnknownShape},
		{`42`, ErrUnknownShape},
		{`{"name":"no id"}`, ErrUnknownShape},
		{`{"id":"abc"}`, ErrUnknownShape},
		{`{"id":1,"type":"queue"}`, ErrUnknownShape},
		{`{"id":1,"metrics":[1,2]}`, ErrMalformed},
		{`{"id":1,"metrics":{"audio":5}}`, ErrMalformed},
		{`{"id":1,"sessions":{"audio":{"addedSessions":[{"noSessionId":true}]}}}`, ErrMalformed},
		{`{"id":1,"sessions":{"audio":{"removedSessions":"all"}}}`, ErrMalformed},
		{`{"id":1,"currentStatus":7}`, ErrMalformed},
		{`{"id":1,"name":{"first":"x"}}`, ErrMalformed},
		{`[1,2]`, ErrUnknownShape},
	} {
		err := s.Apply(KindAgent, []byte(c.payload))
		if !errors.Is(err, c.want) {
			t.Errorf("Apply(%s) = %v, want %v", c.payload, err, c.want)
		}
		if !reflect.DeepEqual(before, snapshot(s)) {
			t.Fatalf("Apply(%s) changed the state", c.payload)
		}
	}
	// A bad element of an array is skipped, good ones applied.
	err := s.Apply(KindAgent, []byte(`[{"id":2,"currentStatus":{"agentStatus":"inCall"}},{"nope":1}]`))
	if !errors.Is(err, ErrUnknownShape) || s.Len(KindAgent) != 2 {
		t.Fatalf("mixed array: err %v, agents %d", err, s.Len(KindAgent))
	}
}

func TestResetForgetsEverything(t *testing.T) {
	s := NewState(clock)
	for _, ex := range docExamples {
		mustApply(t, s, ex.kind, ex.payload)
	}
	s.Reset()
	for _, k := range Kinds() {
		if s.Len(k) != 0 {
			t.Fatalf("%s survives Reset", k)
		}
	}
	if len(s.Alerts()) != 0 {
		t.Fatal("alerts survive Reset")
	}
}

func mustApply(t *testing.T, s *State, k Kind, payload string) {
	t.Helper()
	if err := s.Apply(k, []byte(payload)); err != nil {
		t.Fatalf("Apply(%s): %v", strings.TrimSpace(payload), err)
	}
}

func snapshot(s *State) map[Kind]map[string]Entity {
	out := map[Kind]map[string]Entity{}
	for _, k := range Kinds() {
		for _, e := range s.Entities(k) {
			if out[k] == nil {
				out[k] = map[string]Entity{}
			}
			c := *e
			c.Sessions = map[string]map[string]*Session{}
			for mod, bag := range e.Sessions {
				c.Sessions[mod] = map[string]*Session{}
				for id, sess := range bag {
					cs := Session{Fields: copyMap(sess.Fields), FirstSeen: sess.FirstSeen}
					c.Sessions[mod][id] = &cs
				}
			}
			c.Metrics = map[string]map[string]any{}
			for mod, m := range e.Metrics {
				c.Metrics[mod] = copyMap(m)
			}
			c.Status = copyMap(e.Status)
			out[k][e.Key] = c
		}
	}
	return out
}

// FuzzApply: no input panics; a rejected message changes nothing; applying a
// message twice equals applying it once (full copies and diffs alike).
func FuzzApply(f *testing.F) {
	for i, ex := range docExamples {
		f.Add(uint8(i), []byte(ex.payload), []byte(`{"id":41,"currentStatus":{"agentStatus":"inCall","reasonCodeName":null}}`))
	}
	f.Add(uint8(5), []byte(`{"id":11,"sessions":{"audio":{"removedSessions":[82673]}}}`), []byte(`{"id":11,"sessions":{"audio":null}}`))
	f.Add(uint8(4), []byte(`{"groupType":"team","groupId":3,"breakdowns":[{"queueId":1,"answeredCount":2}]}`), []byte(`{"groupType":"team","groupId":3,"addedBreakdowns":[{"queueId":2}],"removedBreakdowns":[1]}`))
	// The document's own fields: statuses as numbers, reason codes, hold,
	// day counts, Group Metric Data Responses.
	f.Add(uint8(0), []byte(`{"type":"agent","id":7,"currentStatus":{"agentStatus":3,"agentStatusId":3,"reasonCodeName":"On Break","startTime":"2026-11-28T11:00:00Z"}}`), []byte(`{"id":7,"currentStatus":{"agentStatus":"13","reasonCodeName":null},"sessions":{"audio":{"addedSessions":[{"sessionId":4,"isOnHold":true,"holdStartTime":"2026-11-28T11:01:00Z"}]}}}`))
	f.Add(uint8(1), []byte(`{"type":"queue","id":3,"metrics":{"audio":{"queuedCount":2,"answeredCount":40,"abandonedCount":1}}}`), []byte(`{"id":3,"metrics":{"audio":{"answeredCount":41,"abandonedCount":null}}}`))
	f.Add(uint8(5), []byte(`[{"groupType":"group","groupId":5,"entityIds":[11,12],"type":"queue","metrics":{"audio":{"queuedCount":4,"answeredCount":30}}},{"groupType":"team","groupId":2,"entityIds":[]}]`), []byte(`{"groupType":"group","groupId":5,"entityIds":[11],"metrics":{"audio":{"queuedCount":1}},"sessions":{"audio":{"addedSessions":[{"sessionId":1,"sessionStatus":"Queued"}]}}}`))
	kinds := Kinds()
	f.Fuzz(func(t *testing.T, k uint8, first, second []byte) {
		kind := kinds[int(k)%len(kinds)]
		once := NewState(clock)
		errFirst := once.Apply(kind, first)
		_ = once.Apply(kind, second)
		twice := NewState(clock)
		_ = twice.Apply(kind, first)
		_ = twice.Apply(kind, first)
		_ = twice.Apply(kind, second)
		_ = twice.Apply(kind, second)
		if kind != KindAlert && !reflect.DeepEqual(snapshot(once), snapshot(twice)) {
			t.Fatalf("applying twice differs from once\nfirst: %s\nsecond: %s", first, second)
		}
		if errFirst != nil && !errors.Is(errFirst, ErrMalformed) && !errors.Is(errFirst, ErrUnknownShape) {
			t.Fatalf("error %v is neither malformed nor unknown-shaped", errFirst)
		}
		// Normalizing never panics either.
		once.Model("connect", nil, nil, fixedNow)
		once.QueueGroups("connect", nil, GroupByTeam, fixedNow)
	})
}

func BenchmarkApplyDiff(b *testing.B) {
	s := NewState(clock)
	for i := 0; i < 200; i++ {
		if err := s.Apply(KindAgent, []byte(fmt.Sprintf(`{"type":"agent","id":%d,"name":"A%d","currentStatus":{"agentStatus":"available","startTime":"2026-11-28T11:00:00Z","isSuspended":false},"metrics":{"audio":{"answeredCount":0}}}`, i, i))); err != nil {
			b.Fatal(err)
		}
	}
	diffs := make([][]byte, 200)
	for i := range diffs {
		diffs[i] = []byte(fmt.Sprintf(`{"id":%d,"currentStatus":{"agentStatus":"inCall","startTime":"2026-11-28T11:01:00Z"},"metrics":{"audio":{"answeredCount":%d}},"sessions":{"audio":{"addedSessions":[{"sessionId":%d,"sessionStatus":"Active"}],"removedSessions":[%d]}}}`, i, i, i+1000, i+999))
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := s.Apply(KindAgent, diffs[i%len(diffs)]); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "diffs/s")
}

// BenchmarkFrames measures the hub path after the socket: a SignalR frame of
// 50 agent diffs parsed, dispatched and merged.
func BenchmarkFrames(b *testing.B) {
	sub, err := New(Config{URL: "http://connect.invalid", Token: "t"}, nopSink{}, nil)
	if err != nil {
		b.Fatal(err)
	}
	sess := &session{s: sub, state: NewState(clock), expect: map[Kind]map[string]bool{}, resynced: make(chan struct{}), dirty: make(chan struct{}, 1)}
	for i := 0; i < 500; i++ {
		sess.state.Apply(KindAgent, []byte(fmt.Sprintf(`{"type":"agent","id":%d,"name":"A%d","currentStatus":{"agentStatus":"available"}}`, i, i)))
	}
	const perFrame = 50
	frames := make([][]byte, 10)
	for f := range frames {
		var items []string
		for i := 0; i < perFrame; i++ {
			id := f*perFrame + i
			items = append(items, fmt.Sprintf(`{"id":%d,"currentStatus":{"agentStatus":"inCall","startTime":"2026-11-28T11:01:00Z"},"sessions":{"audio":{"addedSessions":[{"sessionId":%d,"sessionStatus":"Active"}],"removedSessions":[%d]}}}`, id, id+1000, id+999))
		}
		frames[f] = []byte(`{"type":1,"target":"agentUpdate","arguments":[[` + strings.Join(items, ",") + `]]}`)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		coreFrame(frames[i%len(frames)], sess.onInvocation)
	}
	b.ReportMetric(float64(b.N*perFrame)/b.Elapsed().Seconds(), "diffs/s")
}

type nopSink struct{}

func (nopSink) Put(_ context.Context, st model.SourceState) (model.SourceState, error) {
	return st, nil
}

// The MBU structure becomes the membership boards filter Connect teams,
// groups and business units with.
func TestMBUMembership(t *testing.T) {
	var m MBU
	err := json.Unmarshal([]byte(`{
		"agents": [{"id": 501, "name": "Ana", "teamId": 7}],
		"queues": [{"id": 1001, "name": "Sales", "businessUnitId": 9, "teamIds": [7]}],
		"teams": [{"id": 7, "name": "Sales team", "businessUnitId": 9, "groupIds": [3], "agentIds": [502], "queueIds": [1002]}],
		"groups": [{"id": 3, "name": "West", "teamIds": [7, 8]}],
		"businessUnits": [{"id": 9, "name": "Retail", "teamIds": [7], "queueIds": [1003]}]
	}`), &m)
	if err != nil {
		t.Fatal(err)
	}
	ms := m.Membership()
	want := map[string][]string{
		"team agents 7": {"501", "502"},
		"team queues 7": {"1002", "1001"},
		"group teams 3": {"7", "8"},
		"unit teams 9":  {"7"},
		"unit queues 9": {"1001", "1003"},
	}
	got := map[string][]string{
		"team agents 7": ms.TeamAgents["7"],
		"team queues 7": ms.TeamQueues["7"],
		"group teams 3": ms.GroupTeams["3"],
		"unit teams 9":  ms.BusinessUnitTeams["9"],
		"unit queues 9": ms.BusinessUnitQueues["9"],
	}
	for k, w := range want {
		if !reflect.DeepEqual(got[k], w) {
			t.Errorf("%s: %v, want %v", k, got[k], w)
		}
	}
}
