package signalr

import (
	"fmt"
	"testing"

	"github.com/wallboard/wallboard/model"
)

// Every value of the document's Status enum, as a name (in the document's
// two spellings) and as a number, in agentStatus or agentStatusId, gives the
// same status label and state.
func TestStatusEnumAsNameOrNumber(t *testing.T) {
	for _, st := range statusEnum {
		pascal := string(st.name[0]-'a'+'A') + st.name[1:] // the Status Model's spelling: InCall
		for _, cur := range []string{
			fmt.Sprintf(`{"agentStatus":%q}`, st.name),
			fmt.Sprintf(`{"agentStatus":%q}`, pascal),
			fmt.Sprintf(`{"agentStatus":%d}`, st.id),
			fmt.Sprintf(`{"agentStatus":"%d"}`, st.id),
			fmt.Sprintf(`{"agentStatusId":%d}`, st.id),
			fmt.Sprintf(`{"agentStatus":"unknownToUs","agentStatusId":%d}`, st.id),
		} {
			s := NewState(clock)
			mustApply(t, s, KindAgent, `{"id":1,"currentStatus":`+cur+`}`)
			agents, _ := s.Model("connect", nil, nil, fixedNow)
			a := agents[0]
			if cur == fmt.Sprintf(`{"agentStatus":"unknownToUs","agentStatusId":%d}`, st.id) {
				// A name wins over the id, even one the enum does not know.
				if a.State != model.StateUnknown || a.Status != "unknownToUs" {
					t.Errorf("%s → %q/%s, want unknownToUs/unknown", cur, a.Status, a.State)
				}
				continue
			}
			if a.State != st.state || a.Status != st.label {
				t.Errorf("%s → %q/%s, want %q/%s", cur, a.Status, a.State, st.label, st.state)
			}
		}
	}
}

// Numbers and names outside the enum are unknown, never a crash or a guess.
func TestUnknownStatusesAreUnknown(t *testing.T) {
	for _, cur := range []string{
		`{"agentStatus":13}`, `{"agentStatus":0}`, `{"agentStatus":-1}`, `{"agentStatus":21}`, `{"agentStatus":1e30}`,
		`{"agentStatus":2.5e-7}`, `{"agentStatus":"somethingNew"}`, `{"agentStatus":true}`, `{"agentStatus":{"id":1}}`,
		`{"agentStatus":[1]}`, `{"agentStatusId":99}`, `{"agentStatus":""}`, `{}`, `{"agentStatus":null,"agentStatusId":"x"}`,
	} {
		s := NewState(clock)
		mustApply(t, s, KindAgent, `{"id":1,"currentStatus":`+cur+`}`)
		agents, _ := s.Model("connect", nil, nil, fixedNow)
		if a := agents[0]; a.State != model.StateUnknown {
			t.Errorf("%s → %q/%s, want unknown", cur, a.Status, a.State)
		}
	}
}

// A configured mapping knows statuses the enum does not, and may map a
// reason code; a reason code shows as the status either way.
func TestConfiguredMappingsOfStatusesAndReasonCodes(t *testing.T) {
	statuses := model.NewStatusMap(DefaultStatuses(), map[string]model.State{"somethingNew": model.StateBusy, "Training": model.StateBusy}, model.StateAway)
	s := NewState(clock)
	mustApply(t, s, KindAgent, `[{"id":1,"currentStatus":{"agentStatus":"somethingNew"}},
		{"id":2,"currentStatus":{"agentStatus":3,"reasonCodeName":"Training"}},
		{"id":3,"currentStatus":{"agentStatus":"unavailable","agentStatusId":3,"reasonCodeName":"On Break","reasonCodeId":1}},
		{"id":4,"currentStatus":{"agentStatus":"whatever"}}]`)
	agents, _ := s.Model("connect", nil, statuses, fixedNow)
	want := []struct {
		status, reason string
		state          model.State
	}{
		{"somethingNew", "", model.StateBusy},
		{"Training", "Training", model.StateBusy},
		{"On Break", "On Break", model.StateAway},
		{"whatever", "", model.StateUnknown}, // the configured fallback is for UJET's custom statuses
	}
	for i, w := range want {
		a := agents[i]
		if a.Status != w.status || a.Reason != w.reason || a.State != w.state {
			t.Errorf("agent %s = %q/%q/%s, want %q/%q/%s", a.ID, a.Status, a.Reason, a.State, w.status, w.reason, w.state)
		}
	}
}

// Hold comes from the Model Session's isOnHold and holdStartTime, the
// earliest hold of the agent's sessions; extra session fields are tolerated.
func TestHoldFromSessions(t *testing.T) {
	s := NewState(clock)
	mustApply(t, s, KindAgent, `{"id":1,"currentStatus":{"agentStatus":"inCall"},"sessions":{
		"audio":{"sessions":[{"sessionId":1,"isOnHold":true,"holdStartTime":"2026-11-28T11:58:00Z","callFlowName":"Intro","isRecording":true}]},
		"instantMessage":{"sessions":[{"sessionId":2,"isOnHold":true,"holdStartTime":"2026-11-28T11:55:00.5Z"},{"sessionId":3,"isOnHold":false}]}}}`)
	agents, _ := s.Model("connect", nil, nil, fixedNow)
	a := agents[0]
	if !a.OnHold || a.HoldSince == nil || !a.HoldSince.Equal(fixedNow.Add(-4*60e9-59.5e9)) {
		t.Fatalf("agent = %+v (hold since %v)", a, a.HoldSince)
	}
	mustApply(t, s, KindAgent, `{"id":1,"sessions":{"audio":{"sessions":[{"sessionId":1,"isOnHold":false,"holdStartTime":null}]},"instantMessage":{"removedSessions":[2]}}}`)
	agents, _ = s.Model("connect", nil, nil, fixedNow)
	if a := agents[0]; a.OnHold || a.HoldSince != nil {
		t.Fatalf("agent after the holds ended = %+v", a)
	}
}

// Day counts come from answeredCount and abandonedCount per modality; no
// count, no figure (nil, not 0); never an SLA.
func TestQueueDayCounts(t *testing.T) {
	s := NewState(clock)
	mustApply(t, s, KindQueue, `{"type":"queue","id":3,"name":"Sales","metrics":{
		"audio":{"queuedCount":0,"answeredCount":41,"abandonedCount":3},
		"instantMessage":{"queuedCount":2},
		"agnostic":{"availableTime":5}}}`)
	_, queues := s.Model("connect", nil, nil, fixedNow)
	if len(queues) != 2 {
		t.Fatalf("queues = %+v", queues)
	}
	call, chat := queues[0], queues[1]
	if call.Channel != "call" || call.Answered == nil || *call.Answered != 41 || call.Abandoned == nil || *call.Abandoned != 3 || call.SLAPercent != nil {
		t.Errorf("call queue = %+v", call)
	}
	if chat.Channel != "chat" || chat.Answered != nil || chat.Abandoned != nil || chat.Waiting != 2 || chat.SLAPercent != nil {
		t.Errorf("chat queue = %+v", chat)
	}
}

// Group Metric Data Responses become queue groups, one per modality, named
// from the MBU structure by their level; a group with nothing in it shows
// nothing, and there is never an SLA.
func TestQueueGroupsFromGroupMetricData(t *testing.T) {
	s := NewState(clock)
	mustApply(t, s, KindQueueGroup, `[
		{"groupType":"group","groupId":2,"entityIds":[],"type":"queue"},
		{"groupType":"group","groupId":5,"entityIds":[11,12],"type":"queue",
		 "metrics":{"audio":{"queuedCount":4,"answeredCount":30,"abandonedCount":2},"agnostic":{"availableTime":{"total":1}}},
		 "sessions":{"instantMessage":{"sessions":[{"sessionId":1,"sessionStatus":"Queued","startTimeStamp":"2026-11-28T11:59:00Z"},{"sessionId":2,"sessionStatus":"Active"}]}}},
		{"groupType":"Queue","groupId":7,"entityIds":[13],"metrics":{"message":{"answeredCount":1}}},
		{"groupType":"businessUnit","groupId":9,"metrics":{"audio":{"abandonedCount":0}}}]`)
	dir := &Directory{Groups: map[string]string{"5": "West"}, Teams: map[string]string{"7": "Blue"}}
	got := s.QueueGroups("connect", dir, GroupByTeam, fixedNow)
	type row struct {
		id, name, channel            string
		waiting, answered, abandoned string
	}
	str := func(p *int) string {
		if p == nil {
			return "-"
		}
		return fmt.Sprint(*p)
	}
	var rows []row
	for _, g := range got {
		if g.SLAPercent != nil || g.Source != "connect" {
			t.Errorf("group %+v", g)
		}
		rows = append(rows, row{g.ID, g.Name, g.Channel, str(g.Waiting), str(g.Answered), str(g.Abandoned)})
	}
	want := []row{
		{"business_unit/9", "Business unit 9", "call", "-", "-", "0"},
		{"group/5", "West", "call", "4", "30", "2"},
		{"group/5", "West", "chat", "1", "-", "-"},
		{"team/7", "Blue", "message", "-", "1", "-"},
	}
	if fmt.Sprint(rows) != fmt.Sprint(want) {
		t.Fatalf("groups\n got %v\nwant %v", rows, want)
	}
}
