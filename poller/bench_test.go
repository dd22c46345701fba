package poller

import (
	"encoding/json"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/wallboard/wallboard/model"
)

// benchPayload is a 200-agent, 50-queue tenant: reference data on a board and
// the two live bodies as UJET sends them.
func benchPayload(b *testing.B) (*board, []byte, []byte) {
	b.Helper()
	now := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
	tn := newTenant(200)
	statuses := []string{"Available", "In-call", "In-chat", "Wrap-up", "Unavailable", "Coaching"}
	ids := []int{0, -7, -8, -6, -1, 5}
	var live []map[string]any
	for i := 1; i <= 200; i++ {
		k := i % len(statuses)
		live = append(live, map[string]any{"id": i, "status": statuses[k], "status_id": ids[k],
			"status_updated_at": now.Add(-time.Duration(i) * time.Second).Format(time.RFC3339Nano), "on_hold": i%17 == 0, "on_hold_duration": i % 60})
	}
	var menus []map[string]any
	var queues, sla []map[string]any
	for i := range 25 { // 25 leaf menus × call and chat = 50 queues
		id := 100 + i
		menus = append(menus, map[string]any{"id": id, "name": fmt.Sprintf("Queue %d", i), "parent_id": nil,
			"agent_assignments": []any{map[string]any{"lang": "en", "channel_type": "voice_call"}, map[string]any{"lang": "en", "channel_type": "chat"}}})
		sla = append(sla, map[string]any{"menu_path_id": 1000 + i, "lang": "en", "menu_path": fmt.Sprintf("Queue %d", i), "sla": float64(i) * 3.5})
		for _, comm := range []string{"Call", "Chat"} {
			queues = append(queues, map[string]any{"menu_id": id, "lang": "en", "menu_path_id": 1000 + i, "menu_path": fmt.Sprintf("Queue %d", i),
				"comm_type": comm, "in_queue_count": i % 4, "oldest_in_queue": now.Add(-time.Minute).Format(time.RFC3339Nano),
				"oldest_duration_in_queue": 60, "total_queue_duration": 120, "average_queue_duration": 40})
		}
	}
	enc := func(v any) []byte {
		out, err := json.Marshal(v)
		if err != nil {
			b.Fatal(err)
		}
		return out
	}
	bd := newBoard("ujet", model.NewStatusMap(model.DefaultUJETStatuses(), nil, ""))
	st, _ := decodeList[UserStatus](enc(tn.statuses))
	bd.setStatuses(st)
	ag, _ := decodeList[AgentInfo](enc(tn.agents))
	bd.setAgentsPage(ag)
	tm, _ := decodeList[Team](enc(tn.teams))
	bd.setTeamsPage(tm)
	mn, _ := decodeList[Menu](enc(menus))
	bd.setMenusPage(mn)
	sl, _ := decodeList[MenuSLA](enc(sla))
	bd.setSLA("call", sl)
	bd.setSLA("chat", sl)
	return bd, enc(live), enc(queues)
}

// BenchmarkDecodeNormalize measures one poll cycle's CPU work for a
// 200-agent, 50-queue tenant: decoding agents/current_status and
// menus/current_status and building the normalized agents and queues.
func BenchmarkDecodeNormalize(b *testing.B) {
	bd, agentsBody, menusBody := benchPayload(b)
	now := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
	b.SetBytes(int64(len(agentsBody) + len(menusBody)))
	b.ReportAllocs()
	var agents []model.Agent
	var queues []model.Queue
	for b.Loop() {
		var err error
		agents, queues, err = normalizeBody(b, bd, agentsBody, menusBody, now)
		if err != nil {
			b.Fatal(err)
		}
	}
	if len(agents) != 200 || len(queues) != 50 {
		b.Fatalf("%d agents, %d queues; want 200, 50", len(agents), len(queues))
	}
}

// BenchmarkChangeCheck measures the comparison the poller makes before each
// Put to skip writes that change nothing.
func BenchmarkChangeCheck(b *testing.B) {
	bd, agentsBody, menusBody := benchPayload(b)
	now := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
	a1, q1, _ := normalizeBody(b, bd, agentsBody, menusBody, now)
	a2, q2, _ := normalizeBody(b, bd, agentsBody, menusBody, now)
	x := model.SourceState{Agents: a1, Queues: q1}
	y := model.SourceState{Agents: a2, Queues: q2}
	b.ReportAllocs()
	for b.Loop() {
		if !reflect.DeepEqual(x, y) {
			b.Fatal("states differ")
		}
	}
}
