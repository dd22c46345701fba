package poller

import (
	"encoding/json"
	"os"
	"reflect"
	"testing"
	"time"

	"github.com/wallboard/wallboard/model"
)

// The doc examples in testdata/ are copied verbatim from the Postman form of
// the UJET Manager API docs.
func docExample(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name + ".json")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDecodeDocExamples(t *testing.T) {
	cs, err := decodeList[AgentStatus](docExample(t, "agents_current_status"))
	if err != nil {
		t.Fatal(err)
	}
	wantCS := AgentStatus{ID: "1", Status: "Available", StatusID: "0", StatusUpdatedAt: Timestamp{time.Date(2021, 5, 10, 17, 45, 1, 0, time.UTC)}, OnHoldDuration: Number{0, true}}
	if len(cs) != 1 || cs[0] != wantCS {
		t.Errorf("agents/current_status = %+v, want %+v", cs, wantCS)
	}

	agents, err := decodeList[AgentInfo](docExample(t, "agents"))
	if err != nil {
		t.Fatal(err)
	}
	if len(agents) != 3 || agents[0].ID != "45" || agents[0].FirstName != "Craig T" || agents[0].LastName != "Nelson" ||
		agents[0].Status == nil || agents[0].Status.ID != "-6" || agents[0].Status.Color != "purple" ||
		!agents[0].StatusUpdatedAt.IsZero() || len(agents[0].Teams) != 1 || agents[0].Teams[0].Name != "team CTN" ||
		agents[1].StatusUpdatedAt.Time != time.Date(2017, 2, 4, 12, 36, 11, 0, time.UTC) || agents[1].Teams == nil {
		t.Errorf("agents = %+v", agents)
	}

	menus, err := decodeList[Menu](docExample(t, "menus"))
	if err != nil {
		t.Fatal(err)
	}
	if len(menus) != 1 || menus[0].ID != "1693" || menus[0].ParentID != "" || len(menus[0].AgentAssignments) != 2 ||
		menus[0].AgentAssignments[1].Lang != "it" || channelOf(string(menus[0].TeamAssignments[0].ChannelType)) != "call" {
		t.Errorf("menus = %+v", menus)
	}

	ms, err := decodeList[MenuStatus](docExample(t, "menus_current_status"))
	if err != nil {
		t.Fatal(err)
	}
	wantMS := MenuStatus{MenuID: "10", Lang: "en", MenuPathID: "5", MenuPath: "zdco IVR Support/1 Day Shipping", CommType: "Call",
		InQueueCount: Number{2, true}, OldestInQueue: Timestamp{time.Date(2021, 5, 10, 22, 17, 21, 0, time.UTC)},
		OldestDurationInQueue: Number{300, true}, TotalQueueDuration: Number{400, true}, AverageQueueDuration: Number{200, true}}
	if len(ms) != 1 || ms[0] != wantMS {
		t.Errorf("menus/current_status = %+v, want %+v", ms, wantMS)
	}

	sla, err := decodeList[MenuSLA](docExample(t, "menus_sla"))
	if err != nil {
		t.Fatal(err)
	}
	if len(sla) != 3 || sla[0].SLA != (Number{96.5, true}) || sla[2].SLA != (Number{0, true}) || sla[1].Lang != "es" {
		t.Errorf("menus/sla = %+v", sla)
	}

	groups, err := decodeList[QueueGroupSLA](docExample(t, "sla_by_queue_groups"))
	if err != nil {
		t.Fatal(err)
	}
	if len(groups) != 3 || groups[0].SLA.Valid || groups[0].SLA.Ptr() != nil || groups[1].SLA != (Number{99.2, true}) || groups[0].QueueGroupName != "Shipping" {
		t.Errorf("sla_by_queue_groups = %+v", groups)
	}

	statuses, err := decodeList[UserStatus](docExample(t, "user_statuses"))
	if err != nil {
		t.Fatal(err)
	}
	if len(statuses) != 11 || statuses[6] != (UserStatus{ID: "-6", WFMID: "33", Name: "Wrap-up", Color: "purple"}) {
		t.Errorf("user_statuses = %+v", statuses)
	}

	teams, err := decodeList[Team](docExample(t, "teams"))
	if err != nil {
		t.Fatal(err)
	}
	if len(teams) != 2 || teams[1] != (Team{ID: "12", Name: "Death Star Team"}) {
		t.Errorf("teams = %+v", teams)
	}
}

func TestDecodeTolerates(t *testing.T) {
	// Ids as numbers or strings, nulls everywhere, unknown keys, numbers as
	// strings, flags as strings.
	body := `[
	  {"id": "7", "status": null, "status_id": -3.0, "status_updated_at": null, "on_hold": "true", "on_hold_duration": "12", "new_key": {"a": [1, null]}},
	  {"id": 8, "status": 5, "status_id": null, "status_updated_at": "", "on_hold": null, "on_hold_duration": null},
	  {"id": null, "status": "Break", "status_updated_at": "not a time", "on_hold": 1}
	]`
	got, err := decodeList[AgentStatus]([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	want := []AgentStatus{
		{ID: "7", StatusID: "-3", OnHold: true, OnHoldDuration: Number{12, true}},
		{ID: "8", Status: "5"},
		{Status: "Break", OnHold: true},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
	for _, body := range []string{"null", " \n[] ", "\xef\xbb\xbf[]"} {
		l, err := decodeList[MenuSLA]([]byte(body))
		if err != nil || l == nil || len(l) != 0 {
			t.Errorf("decode %q = %v, %v; want an empty list", body, l, err)
		}
	}
	menus, err := decodeList[Menu]([]byte(`[{"id": 1, "hidden": "string", "agent_assignments": null, "team_assignments": [{"lang": null, "channel_type": "chat", "team": {"assignees": {"id": 1}}}]}]`))
	if err != nil || len(menus) != 1 || menus[0].Hidden || menus[0].AgentAssignments != nil || menus[0].TeamAssignments[0].ChannelType != "chat" {
		t.Errorf("menus = %+v, %v", menus, err)
	}
}

// normalizeBody decodes agents/current_status and menus/current_status bodies
// and normalizes them with reference data from the doc examples.
func normalizeBody(t testing.TB, b *board, agentsBody, menusBody []byte, now time.Time) ([]model.Agent, []model.Queue, error) {
	as, err := decodeList[AgentStatus](agentsBody)
	if err != nil {
		return nil, nil, err
	}
	ms, err := decodeList[MenuStatus](menusBody)
	if err != nil {
		return nil, nil, err
	}
	b.setLiveAgents(as, now)
	b.setLiveMenus(ms, now)
	return b.agentsModel(), b.queuesModel(), nil
}

var docNames = []string{"agents", "agents_current_status", "menus", "menus_current_status", "menus_sla", "sla_by_queue_groups", "user_statuses", "teams"}

func docExamples(t testing.TB) map[string][]byte {
	m := map[string][]byte{}
	for _, n := range docNames {
		m[n] = docExample(t, n)
	}
	return m
}

// docBoard is a board with the reference data and SLA of the doc examples.
func docBoard(docs map[string][]byte) *board {
	b := newBoard("ujet", model.NewStatusMap(model.DefaultUJETStatuses(), nil, ""))
	st, _ := decodeList[UserStatus](docs["user_statuses"])
	b.setStatuses(st)
	ag, _ := decodeList[AgentInfo](docs["agents"])
	b.setAgentsPage(ag)
	tm, _ := decodeList[Team](docs["teams"])
	b.setTeamsPage(tm)
	mn, _ := decodeList[Menu](docs["menus"])
	b.setMenusPage(mn)
	for _, ch := range []string{"call", "chat"} {
		sl, _ := decodeList[MenuSLA](docs["menus_sla"])
		b.setSLA(ch, sl)
	}
	return b
}

// FuzzDecode feeds arbitrary bytes to every decoder and to normalization:
// nothing may panic, and whatever decodes must decode to the same values
// after a round trip through JSON.
func FuzzDecode(f *testing.F) {
	docs := docExamples(f)
	for _, name := range docNames {
		f.Add(docs[name])
	}
	f.Add([]byte(`[{"id":"1","status_id":null,"on_hold":"1","on_hold_duration":"1e3","menu_path_id":1.5e1,"sla":null,"oldest_in_queue":"2021-05-10 22:17:21"}]`))
	f.Add([]byte(`<html>`))
	f.Add([]byte(`null`))
	f.Add([]byte(`[{"in_queue_count":-4,"oldest_duration_in_queue":1e300,"comm_type":"VOICE_CALL"}]`))
	f.Add([]byte(`[{"id":1,"status":"failed","fail_reason":"eu_abandoned","queued_at":"2026-12-03T09:00:00.000Z","ends_at":"2026-12-03T09:01:00Z","selected_menu":{"id":11},"queue_durations":[{"menu_path_id":11,"lang":"en","queue_duration":60}],"handle_durations":null}]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		roundTripList[AgentStatus](t, data)
		roundTripList[AgentInfo](t, data)
		roundTripList[UserStatus](t, data)
		roundTripList[Team](t, data)
		roundTripList[Menu](t, data)
		roundTripList[MenuStatus](t, data)
		roundTripList[MenuSLA](t, data)
		roundTripList[QueueGroupSLA](t, data)
		roundTripList[Contact](t, data)

		b := docBoard(docs)
		if list, err := decodeList[Contact](data); err == nil {
			d := newDayCounter("ujet")
			d.add(b, "call", list, time.Time{})
			d.add(b, "chat", list, time.Time{})
			for _, r := range d.recs {
				if again, err := decodeDayRec(r.encode()); err != nil || again.queue != r.queue {
					t.Fatalf("day record %+v does not round-trip: %+v, %v", r, again, err)
				}
			}
			_, counts := d.counts(time.Now(), time.UTC)
			for id, c := range counts {
				if c.Answered < 0 || c.Abandoned < 0 || id == "" {
					t.Fatalf("bad counts %s %+v", id, c)
				}
			}
		}
		if ref, err := decodeList[AgentInfo](data); err == nil {
			b.setAgentsPage(ref)
		}
		if ref, err := decodeList[Menu](data); err == nil {
			b.setMenusPage(ref)
		}
		if sla, err := decodeList[MenuSLA](data); err == nil {
			b.setSLA("call", sla)
		}
		agents, queues, _ := normalizeBody(t, b, data, data, time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC))
		for _, a := range agents {
			if a.ID == "" || !a.State.Valid() || a.Name == "" {
				t.Fatalf("bad agent %+v", a)
			}
		}
		for _, q := range queues {
			if q.Waiting < 0 || (q.Waiting == 0 && q.OldestSince != nil) {
				t.Fatalf("bad queue %+v", q)
			}
		}
	})
}

func roundTripList[T any](t *testing.T, data []byte) {
	list, err := decodeList[T](data)
	if err != nil {
		return
	}
	enc, err := json.Marshal(list)
	if err != nil {
		t.Fatalf("re-encode %T: %v", list, err)
	}
	again, err := decodeList[T](enc)
	if err != nil {
		t.Fatalf("decode re-encoded %s: %v", enc, err)
	}
	if !reflect.DeepEqual(list, again) {
		t.Fatalf("round trip changed %T:\n%+v\n%+v", list, list, again)
	}
}
