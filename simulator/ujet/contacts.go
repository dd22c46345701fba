package ujet

import (
	"net/url"
	"slices"
	"time"

	"github.com/wallboard/wallboard/simulator"
)

// The calls and chats lists. Choices where the vendor doc is silent:
//
//   - updated_at[from] keeps records updated strictly after it ("All records
//     returned will be after the inputted value"), updated_at[to] records
//     updated at or before it; times are RFC 3339. An unparseable time is
//     ignored.
//   - sort_column is updated_at, created_at or id (default id), sort_direction
//     ASC (default) or DESC; ties are broken by id.
//   - call_status[], call_fail_reason[], chat_status[], chat_fail_reason[] and
//     id[] filter as documented.
//   - queue_durations holds one entry once the contact left the queue
//     (answered: service_level_event in_sla or not_in_sla; abandoned:
//     excluded); handle_durations one entry once it is finished.

type menuPathJSON struct {
	ItemsCount       int    `json:"items_count"`
	Name             string `json:"name"`
	MaterializedPath string `json:"materialized_path"`
}

type agentInfoJSON struct {
	ID          int     `json:"id"`
	Name        string  `json:"name"`
	LastName    string  `json:"last_name"`
	FirstName   string  `json:"first_name"`
	AgentNumber *string `json:"agent_number"`
	AvatarURL   string  `json:"avatar_url"`
}

type queueDurationJSON struct {
	AgentID           *int    `json:"agent_id"`
	QueueDuration     int     `json:"queue_duration"`
	MenuPathID        int     `json:"menu_path_id"`
	MenuPath          string  `json:"menu_path"`
	Lang              string  `json:"lang"`
	Transfer          int     `json:"transfer"`
	StartedAt         string  `json:"started_at"`
	EndedAt           *string `json:"ended_at"`
	ServiceLevelEvent string  `json:"service_level_event"`
}

type handleDurationJSON struct {
	AgentID      int    `json:"agent_id"`
	ACWDuration  int    `json:"acw_duration"`
	CallDuration *int   `json:"call_duration,omitempty"`
	ChatDuration *int   `json:"chat_duration,omitempty"`
	HoldDuration int    `json:"hold_duration"`
	MenuPathID   int    `json:"menu_path_id"`
	MenuPath     string `json:"menu_path"`
	Lang         string `json:"lang"`
	Transfer     int    `json:"transfer"`
	StartedAt    string `json:"started_at"`
	EndedAt      string `json:"ended_at"`
}

// contactJSON is a call or a chat; the fields of the other kind are left out.
type contactJSON struct {
	ID              int                  `json:"id"`
	Lang            string               `json:"lang"`
	CallType        string               `json:"call_type,omitempty"`
	ChatType        string               `json:"chat_type,omitempty"`
	Status          string               `json:"status"`
	FailReason      *string              `json:"fail_reason"`
	CreatedAt       string               `json:"created_at"`
	QueuedAt        *string              `json:"queued_at,omitempty"`
	AssignedAt      *string              `json:"assigned_at"`
	ConnectedAt     *string              `json:"connected_at,omitempty"`
	EndsAt          *string              `json:"ends_at"`
	UpdatedAt       string               `json:"updated_at"`
	QueueDuration   int                  `json:"queue_duration"`
	WaitDuration    int                  `json:"wait_duration"`
	CallDuration    *int                 `json:"call_duration,omitempty"`
	ChatDuration    *int                 `json:"chat_duration,omitempty"`
	HoldDuration    *int                 `json:"hold_duration,omitempty"`
	SelectedMenu    menuRefJSON          `json:"selected_menu"`
	MenuPath        menuPathJSON         `json:"menu_path"`
	AgentInfo       *agentInfoJSON       `json:"agent_info"`
	QueueDurations  []queueDurationJSON  `json:"queue_durations"`
	HandleDurations []handleDurationJSON `json:"handle_durations"`
}

func timePtr(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	return ptr(formatTime(t))
}

func contactToJSON(t simulator.Truth, ct simulator.Contact, menus map[int]simulator.Menu, sla time.Duration) contactJSON {
	j := contactJSON{
		ID: ct.ID, Lang: ct.Lang, Status: ct.Status,
		CreatedAt: formatTime(ct.CreatedAt), AssignedAt: timePtr(ct.AssignedAt), EndsAt: timePtr(ct.EndsAt),
		UpdatedAt: formatTime(ct.UpdatedAt), QueueDuration: ct.QueueSecs, WaitDuration: ct.QueueSecs,
		SelectedMenu:   menuRef(menus[ct.MenuID]),
		MenuPath:       menuPathJSON{ItemsCount: 1, Name: menus[ct.MenuID].Name, MaterializedPath: ct.Path},
		QueueDurations: []queueDurationJSON{}, HandleDurations: []handleDurationJSON{},
	}
	talk := ptr(ct.TalkSecs)
	if ct.Channel == "call" {
		j.CallType = "Voice Inbound (IVR)"
		j.FailReason = ptr(ct.FailReason)
		j.QueuedAt, j.ConnectedAt = timePtr(ct.QueuedAt), timePtr(ct.ConnectedAt)
		j.CallDuration, j.HoldDuration = talk, ptr(ct.HoldSecs)
	} else {
		j.ChatType = "Messaging Inbound (Web Chat)"
		if ct.Status == "failed" {
			j.FailReason = ptr(ct.FailReason)
		}
		j.ChatDuration = talk
	}
	if ct.AgentID != 0 {
		if a, ok := t.Agent(ct.AgentID); ok {
			as := assignee(a)
			j.AgentInfo = &agentInfoJSON{ID: as.ID, Name: as.Name, LastName: as.LastName, FirstName: as.FirstName, AgentNumber: as.AgentNumber, AvatarURL: as.AvatarURL}
		}
	}
	answeredAt, answered := ct.Answered()
	if abandonedAt, abandoned := ct.Abandoned(); answered || abandoned {
		qd := queueDurationJSON{QueueDuration: ct.QueueSecs, MenuPathID: ct.MenuPathID, MenuPath: ct.Path, Lang: ct.Lang,
			StartedAt: formatTime(ct.QueuedAt), ServiceLevelEvent: "excluded"}
		if answered {
			qd.AgentID, qd.EndedAt = ptr(ct.AgentID), timePtr(answeredAt)
			qd.ServiceLevelEvent = "not_in_sla"
			if float64(answeredAt.Sub(ct.QueuedAt))*t.Speed <= float64(sla) {
				qd.ServiceLevelEvent = "in_sla"
			}
		} else {
			qd.EndedAt = timePtr(abandonedAt)
		}
		j.QueueDurations = append(j.QueueDurations, qd)
	}
	if ct.Status == "finished" && answered {
		hd := handleDurationJSON{AgentID: ct.AgentID, ACWDuration: ct.ACWSecs, HoldDuration: ct.HoldSecs,
			MenuPathID: ct.MenuPathID, MenuPath: ct.Path, Lang: ct.Lang, StartedAt: formatTime(answeredAt), EndedAt: formatTime(ct.EndsAt)}
		if ct.Channel == "call" {
			hd.CallDuration = talk
		} else {
			hd.ChatDuration = talk
		}
		j.HandleDurations = append(j.HandleDurations, hd)
	}
	return j
}

func parseQueryTime(s string) (time.Time, bool) {
	if s == "" {
		return time.Time{}, false
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02"} {
		if v, err := time.Parse(layout, s); err == nil {
			return v, true
		}
	}
	return time.Time{}, false
}

// contacts answers calls (channel "call") or chats.
func contacts(t simulator.Truth, channel string, q url.Values, maxPer int) []contactJSON {
	prefix := channel + "_"
	from, hasFrom := parseQueryTime(q.Get("updated_at[from]"))
	to, hasTo := parseQueryTime(q.Get("updated_at[to]"))
	var list []simulator.Contact
	for _, ct := range t.Contacts {
		if ct.Channel != channel {
			continue
		}
		if hasFrom && !ct.UpdatedAt.After(from) || hasTo && ct.UpdatedAt.After(to) {
			continue
		}
		fail := ct.FailReason
		if channel == "chat" && ct.Status != "failed" {
			fail = "nothing"
		}
		if !matches(q, "id[]", ct.ID) || !matches(q, prefix+"status[]", ct.Status) || !matches(q, prefix+"fail_reason[]", fail) {
			continue
		}
		list = append(list, ct)
	}
	key := func(ct simulator.Contact) int64 {
		switch q.Get("sort_column") {
		case "updated_at":
			return ct.UpdatedAt.UnixNano()
		case "created_at":
			return ct.CreatedAt.UnixNano()
		}
		return int64(ct.ID)
	}
	desc := q.Get("sort_direction") == "DESC" || q.Get("sort_direction") == "desc"
	slices.SortStableFunc(list, func(a, b simulator.Contact) int {
		ka, kb := key(a), key(b)
		if ka == kb {
			ka, kb = int64(a.ID), int64(b.ID)
		}
		c := 0
		switch {
		case ka < kb:
			c = -1
		case ka > kb:
			c = 1
		}
		if desc {
			c = -c
		}
		return c
	})
	menus := map[int]simulator.Menu{}
	for _, m := range t.Menus {
		menus[m.ID] = m
	}
	page := paginate(list, q, maxPer)
	out := make([]contactJSON, 0, len(page))
	for _, ct := range page {
		out = append(out, contactToJSON(t, ct, menus, t.SLAThreshold))
	}
	return out
}
