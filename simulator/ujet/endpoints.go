package ujet

import (
	"fmt"
	"math"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"time"

	"github.com/wallboard/wallboard/simulator"
)

// Pagination defaults of the list endpoints.
const (
	DefaultPer = 25  // records per page when per is absent or invalid
	MaxPer     = 100 // larger per values are capped to this (Options.MaxPer lowers it)
	// MaxSLAMinutes is the largest minutes value menus/sla and
	// menus/sla_by_queue_groups accept.
	MaxSLAMinutes = 1440
)

const timeLayout = "2006-01-02T15:04:05.000Z"

func formatTime(t time.Time) string { return t.UTC().Format(timeLayout) }

func ptr[T any](v T) *T { return &v }

func channelType(ch string) string {
	if ch == "call" {
		return "voice_call"
	}
	return ch
}

func commType(ch string) string {
	if ch == "call" {
		return "Call"
	}
	return "Chat"
}

// route returns the status and value answering endpoint (the path below
// /manager/api/v1/) with query q.
func route(endpoint string, q url.Values, t simulator.Truth, o Options) (int, any) {
	switch endpoint {
	case "agents":
		all := filter(agents(t), func(a agentJSON) bool {
			return matches(q, "id[]", a.ID) && matches(q, "status_id[]", a.Status.ID) && matches(q, "online[]", a.Online)
		})
		return http.StatusOK, paginate(all, q, o.MaxPer)
	case "agents/current_status":
		return http.StatusOK, currentStatus(t)
	case "user_statuses":
		return http.StatusOK, userStatuses(t)
	case "teams":
		all := filter(teams(t), func(tm teamJSON) bool { return matches(q, "id[]", tm.ID) })
		return http.StatusOK, paginate(all, q, o.MaxPer)
	case "menus":
		all := filter(menus(t), func(m menuJSON) bool {
			return matches(q, "id[]", m.ID) && matches(q, "menu_type[]", m.MenuType)
		})
		return http.StatusOK, paginate(all, q, o.MaxPer)
	case "menus/current_status":
		return http.StatusOK, menusCurrentStatus(t)
	case "menus/operation_hours":
		return http.StatusOK, operationHours(t)
	case "calls":
		return http.StatusOK, contacts(t, "call", q, o.MaxPer)
	case "chats":
		return http.StatusOK, contacts(t, "chat", q, o.MaxPer)
	case "menus/sla", "menus/sla_by_queue_groups":
		channel, minutes, err := slaParams(q)
		if err != nil {
			return http.StatusBadRequest, errorJSON{Error: err.Error()}
		}
		if endpoint == "menus/sla" {
			return http.StatusOK, menuSLA(t, channel, minutes)
		}
		return http.StatusOK, groupSLA(t, channel, minutes)
	}
	return http.StatusNotFound, errorJSON{Error: "Not Found"}
}

// filter returns the elements of all for which keep is true.
func filter[T any](all []T, keep func(T) bool) []T {
	out := make([]T, 0, len(all))
	for _, v := range all {
		if keep(v) {
			out = append(out, v)
		}
	}
	return out
}

// matches reports whether v is among the values of the array parameter
// key (e.g. id[]=1&id[]=2), or the parameter is absent.
func matches(q url.Values, key string, v any) bool {
	want, ok := q[key]
	if !ok {
		return true
	}
	s := fmt.Sprint(v)
	for _, w := range want {
		if w == s {
			return true
		}
	}
	return false
}

// paginate returns page `page` of `per` records of all. Missing or invalid
// page means 1, missing or invalid per means DefaultPer; per is capped at
// maxPer; a page past the end is empty.
func paginate[T any](all []T, q url.Values, maxPer int) []T {
	page, err := strconv.Atoi(q.Get("page"))
	if err != nil || page < 1 {
		page = 1
	}
	per, err := strconv.Atoi(q.Get("per"))
	if err != nil || per < 1 {
		per = DefaultPer
	}
	per = min(per, maxPer)
	if page-1 > len(all)/per { // also keeps (page-1)*per from overflowing
		return []T{}
	}
	from := (page - 1) * per
	if from >= len(all) {
		return []T{}
	}
	return all[from:min(from+per, len(all))]
}

func slaParams(q url.Values) (string, int, error) {
	channel := q.Get("channel")
	if channel != "call" && channel != "chat" {
		return "", 0, fmt.Errorf("channel must be call or chat")
	}
	minutes, err := strconv.Atoi(q.Get("minutes"))
	if err != nil || minutes < 1 || minutes > MaxSLAMinutes {
		return "", 0, fmt.Errorf("minutes must be a whole number from 1 to %d", MaxSLAMinutes)
	}
	return channel, minutes, nil
}

func statusOf(t simulator.Truth, id int) statusJSON {
	s, _ := t.Status(id)
	return statusJSON{ID: s.ID, Name: s.Name, Color: s.Color, WFMID: s.WFMID}
}

// teamRefs returns each team's reference object, keyed by team id.
func teamRefs(t simulator.Truth) map[int]teamRefJSON {
	count := map[int]int{}
	for _, a := range t.Agents {
		for _, id := range a.TeamIDs {
			count[id]++
		}
	}
	out := make(map[int]teamRefJSON, len(t.Teams))
	for i, tm := range t.Teams {
		out[tm.ID] = teamRefJSON{ID: tm.ID, Name: tm.Name, Position: i, AgentsCount: count[tm.ID]}
	}
	return out
}

func menuRef(m simulator.Menu) menuRefJSON {
	r := menuRefJSON{ID: m.ID, Name: m.Name, Position: m.Position, MenuType: m.MenuType}
	if m.ParentID != 0 {
		r.ParentID = ptr(m.ParentID)
	} else {
		r.OutputMsg = ptr("Thank you for contacting " + m.Name + ".")
	}
	return r
}

func assignee(a simulator.Agent) assigneeJSON {
	return assigneeJSON{
		ID:          a.ID,
		AgentNumber: ptr(a.AgentNumber),
		Name:        a.FirstName + " " + a.LastName,
		LastName:    a.LastName,
		FirstName:   a.FirstName,
		AvatarURL:   "https://demo.ujet.example/default-profile.png",
	}
}

// channelIndex finds the menus and channels agents take contacts from,
// through their teams and direct assignments.
type channelIndex struct {
	byTeam  map[int][]simulator.Menu // team id -> menus, with the channel in Channels[0]
	byAgent map[int][]simulator.Menu
}

func newChannelIndex(t simulator.Truth) channelIndex {
	x := channelIndex{byTeam: map[int][]simulator.Menu{}, byAgent: map[int][]simulator.Menu{}}
	for _, m := range t.Menus {
		for _, ta := range m.TeamAssignments {
			mm := m
			mm.Channels = []string{ta.Channel}
			x.byTeam[ta.TeamID] = append(x.byTeam[ta.TeamID], mm)
		}
		for _, aa := range m.AgentAssignments {
			mm := m
			mm.Channels = []string{aa.Channel}
			x.byAgent[aa.AgentID] = append(x.byAgent[aa.AgentID], mm)
		}
	}
	return x
}

func (x channelIndex) channels(a simulator.Agent) []channelJSON {
	out := []channelJSON{}
	seen := map[[2]any]bool{}
	add := func(ms []simulator.Menu) {
		for _, m := range ms {
			k := [2]any{m.ID, m.Channels[0]}
			if !seen[k] {
				seen[k] = true
				out = append(out, channelJSON{ChannelType: channelType(m.Channels[0]), Menu: menuRef(m)})
			}
		}
	}
	for _, id := range a.TeamIDs {
		add(x.byTeam[id])
	}
	add(x.byAgent[a.ID])
	return out
}

func agents(t simulator.Truth) []agentJSON {
	refs := teamRefs(t)
	channels := newChannelIndex(t)
	out := make([]agentJSON, 0, len(t.Agents))
	for _, a := range t.Agents {
		j := agentJSON{
			ID:              a.ID,
			Email:           a.Email,
			Roles:           []string{"agent"},
			FirstName:       a.FirstName,
			LastName:        a.LastName,
			AvatarURL:       "https://demo.ujet.example/default-profile.png",
			AgentNumber:     ptr(a.AgentNumber),
			Status:          statusOf(t, a.StatusID),
			Online:          a.LoggedIn,
			WrapUp:          a.StatusID == simulator.StatusWrapUp,
			CallCount:       a.CallCount,
			ChatCount:       a.ChatCount,
			CreatedAt:       formatTime(a.CreatedAt),
			LastLoginTime:   ptr(formatTime(a.LastLogin)),
			StatusUpdatedAt: ptr(formatTime(a.StatusSince)),
			Teams:           []teamRefJSON{},
			Channels:        channels.channels(a),
		}
		for _, id := range a.TeamIDs {
			if r, ok := refs[id]; ok {
				j.Teams = append(j.Teams, r)
			}
		}
		out = append(out, j)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// currentStatus lists the logged-in agents. It is not paginated: the
// vendor documents no page or per parameters for it.
func currentStatus(t simulator.Truth) []currentStatusJSON {
	out := []currentStatusJSON{}
	for _, a := range t.Agents {
		if !a.LoggedIn {
			continue
		}
		j := currentStatusJSON{
			ID:              a.ID,
			Status:          a.StatusName,
			StatusID:        a.StatusID,
			StatusUpdatedAt: formatTime(a.StatusSince),
			OnHold:          a.OnHold,
		}
		if a.OnHold && a.HoldSince != nil {
			j.OnHoldDuration = int(t.At.Sub(*a.HoldSince) / time.Second)
		}
		out = append(out, j)
	}
	return out
}

func userStatuses(t simulator.Truth) []statusJSON {
	out := make([]statusJSON, 0, len(t.Statuses))
	for _, s := range t.Statuses {
		out = append(out, statusJSON{ID: s.ID, Name: s.Name, Color: s.Color, WFMID: s.WFMID})
	}
	return out
}

// teamObjects returns each team's full object with its assignees, keyed by
// team id.
func teamObjects(t simulator.Truth) map[int]teamJSON {
	out := map[int]teamJSON{}
	for id, r := range teamRefs(t) {
		out[id] = teamJSON{ID: r.ID, Name: r.Name, Position: r.Position, AgentsCount: r.AgentsCount, Assignees: []assigneeJSON{}}
	}
	for _, a := range t.Agents {
		for _, id := range a.TeamIDs {
			if tm, ok := out[id]; ok {
				tm.Assignees = append(tm.Assignees, assignee(a))
				out[id] = tm
			}
		}
	}
	return out
}

func teams(t simulator.Truth) []teamJSON {
	objs := teamObjects(t)
	out := make([]teamJSON, 0, len(t.Teams))
	for _, tm := range t.Teams {
		out = append(out, objs[tm.ID])
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

func menus(t simulator.Truth) []menuJSON {
	objs := teamObjects(t)
	out := make([]menuJSON, 0, len(t.Menus))
	for _, m := range t.Menus {
		j := menuJSON{menuRefJSON: menuRef(m), AgentAssignments: []agentAssignmentJSON{}, TeamAssignments: []teamAssignmentJSON{}}
		for _, aa := range m.AgentAssignments {
			if a, ok := t.Agent(aa.AgentID); ok {
				j.AgentAssignments = append(j.AgentAssignments, agentAssignmentJSON{
					Lang: aa.Lang, QueueLevel: "primary", ChannelType: channelType(aa.Channel), Assignee: assignee(a),
				})
			}
		}
		for _, ta := range m.TeamAssignments {
			if tm, ok := objs[ta.TeamID]; ok {
				j.TeamAssignments = append(j.TeamAssignments, teamAssignmentJSON{
					Lang: ta.Lang, QueueLevel: "primary", ChannelType: channelType(ta.Channel), Team: tm,
				})
			}
		}
		out = append(out, j)
	}
	return out
}

// menusCurrentStatus lists the queues with contacts waiting; durations are
// whole seconds at the model's current time.
func menusCurrentStatus(t simulator.Truth) []menuStatusJSON {
	out := []menuStatusJSON{}
	for _, q := range t.Queues {
		if len(q.Waiting) == 0 {
			continue
		}
		total := 0
		for _, w := range q.Waiting {
			total += int(t.At.Sub(w) / time.Second)
		}
		oldest := q.Waiting[0]
		out = append(out, menuStatusJSON{
			MenuID:                q.MenuID,
			Lang:                  q.Lang,
			MenuPathID:            q.MenuPathID,
			MenuPath:              q.Path,
			CommType:              commType(q.Channel),
			InQueueCount:          len(q.Waiting),
			OldestInQueue:         formatTime(oldest),
			OldestDurationInQueue: int(t.At.Sub(oldest) / time.Second),
			TotalQueueDuration:    total,
			AverageQueueDuration:  total / len(q.Waiting),
		})
	}
	return out
}

func round1(p *float64) *float64 {
	if p == nil {
		return nil
	}
	return ptr(math.Round(*p*10) / 10)
}

func menuSLA(t simulator.Truth, channel string, minutes int) []menuSLAJSON {
	out := []menuSLAJSON{}
	for _, s := range t.SLA(channel, minutes, t.At) {
		out = append(out, menuSLAJSON{MenuPathID: s.MenuPathID, Lang: s.Lang, MenuPath: s.Path, SLA: round1(s.Percent)})
	}
	return out
}

func groupSLA(t simulator.Truth, channel string, minutes int) []groupSLAJSON {
	out := []groupSLAJSON{}
	for _, s := range t.SLAByGroup(channel, minutes, t.At) {
		out = append(out, groupSLAJSON{QueueGroupID: s.GroupID, QueueGroupName: s.Name, SLA: round1(s.Percent)})
	}
	return out
}
