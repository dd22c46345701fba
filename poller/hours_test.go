package poller

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/wallboard/wallboard/internal/testlog"
	"github.com/wallboard/wallboard/model"
	"github.com/wallboard/wallboard/simulator"
)

// TestOperationHoursCloseQueues: queues of a menu tree outside its operation
// hours show closed with when they open; the others stay open.
func TestOperationHoursCloseQueues(t *testing.T) {
	t.Parallel()
	sim := startSim(t, simulator.Options{Seed: 4, Agents: 20}, fastGap)
	now := time.Now().UTC()
	start := (now.Hour()*60 + now.Minute() + 120) % (24 * 60) // opens in two hours
	if start > 22*60 {
		start = 60 // keep the window inside one day
	}
	all := []time.Weekday{0, 1, 2, 3, 4, 5, 6}
	sim.center.SetHours(simulator.MenuWebHelp, &simulator.Hours{Zone: "UTC", Open: start, Close: start + 60, Days: all})
	tr := sim.center.Truth()
	rec := sim.run(t, fastConfig(), 2*time.Second, &testlog.Buffer{})
	st := rec.waitFor(t, 15*time.Second, "closed queues", func(st model.SourceState) bool {
		if st.Fresh["operation_hours"].IsZero() || st.Fresh["reference"].IsZero() {
			return false
		}
		for _, q := range st.Queues {
			if q.Closed {
				return true
			}
		}
		return false
	})
	closed, open := 0, 0
	for _, q := range tr.Queues {
		m, ok := findQueue(st, fmt.Sprintf("%d:%s:%s", q.MenuPathID, q.Lang, q.Channel))
		if !ok {
			t.Errorf("queue %s missing", q.Path)
			continue
		}
		want := !tr.QueueOpen(q.MenuID, time.Now())
		if m.Closed != want {
			t.Errorf("queue %s closed %v, want %v", q.Path, m.Closed, want)
		}
		if want {
			closed++
			h := tr.Hours[simulator.MenuWebHelp]
			next, _ := h.NextOpen(time.Now())
			if m.OpensAt == nil || !m.OpensAt.Equal(next) {
				t.Errorf("queue %s opens at %v, want %v", q.Path, m.OpensAt, next)
			}
		} else {
			open++
		}
	}
	if closed == 0 || open == 0 {
		t.Errorf("%d closed and %d open queues; want some of each", closed, open)
	}
}

func TestParseHoursTolerates(t *testing.T) {
	var body []map[string]json.RawMessage
	doc := `[
	 {"menu_id": 1, "time_zone": "Europe/Paris", "hours": [{"day": "monday", "open": "09:00", "close": "17:30"}]},
	 {"menu": {"id": "2"}, "channel_type": "voice_call", "status": "after_hours"},
	 {"menu_ids": [3, 4], "lang": "es", "business_hours": {"Tue": {"start": "0800", "end": "1200"}, "wed": "closed"}},
	 {"menu_id": 5, "always_open": true},
	 {"menu_id": 6, "hours": "weird"},
	 {"id": 9, "name": "no menu"},
	 {"menu_id": 7, "tz": "Nowhere/Never", "schedule": [{"day_of_week": 5, "from": "22:00", "to": "02:00"}]}
	]`
	if err := json.Unmarshal([]byte(doc), &body); err != nil {
		t.Fatal(err)
	}
	hs := parseHours(body)
	if len(hs) != 5 {
		t.Fatalf("read %d entries, want 5 (the unreadable ones left out): %+v", len(hs), hs)
	}
	paris, _ := time.LoadLocation("Europe/Paris")
	mon10 := time.Date(2026, 11, 30, 10, 0, 0, 0, paris) // a Monday
	if closed, _ := hs[0].at(mon10); closed {
		t.Error("menu 1 closed on Monday 10:00 Paris")
	}
	closed, opens := hs[0].at(mon10.Add(8 * time.Hour))
	if !closed || opens == nil || !opens.Equal(time.Date(2026, 12, 7, 9, 0, 0, 0, paris)) {
		t.Errorf("menu 1 at 18:00: closed %v opens %v; want closed until next Monday 09:00", closed, opens)
	}
	if closed, _ := hs[1].at(mon10); !closed || hs[1].channel != "call" {
		t.Error("after_hours is not closed")
	}
	if len(hs[2].menuIDs) != 2 || hs[2].lang != "es" || len(hs[2].week) != 1 {
		t.Errorf("entry 3 = %+v", hs[2])
	}
	if closed, _ := hs[3].at(mon10); closed {
		t.Error("always_open is closed")
	}
	fri23 := time.Date(2026, 12, 4, 23, 0, 0, 0, time.UTC)
	if closed, _ := hs[4].at(fri23); closed || hs[4].loc != time.UTC {
		t.Error("an interval past midnight (unknown zone: UTC) is closed at 23:00")
	}
	if closed, _ := hs[4].at(fri23.Add(2 * time.Hour)); closed {
		t.Error("an interval past midnight is closed at 01:00 the next day")
	}
}
