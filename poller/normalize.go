package poller

import (
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/wallboard/wallboard/model"
)

// board is what the poller knows about one UJET tenant — reference data,
// the latest live data and SLA — and turns it into the normalized model.
// It is owned by the poller's goroutine.
type board struct {
	source    string
	statusMap *model.StatusMap

	// Reference data.
	statuses      map[ID]UserStatus
	colorByName   map[string]string // folded status name → colour
	agents        map[ID]AgentInfo
	teams         map[ID]string
	menus         map[ID]Menu
	leafQueues    []leafQueue // derived from menus
	leafQueuesSet bool

	// Live data and when it was received.
	liveAgents   []AgentStatus
	liveAgentsAt time.Time
	haveAgents   bool
	liveMenus    []MenuStatus
	liveMenusAt  time.Time
	haveMenus    bool
	sla          map[string][]MenuSLA       // by channel
	groups       map[string][]QueueGroupSLA // by channel; absent until read
	hours        []opHours                  // menus/operation_hours

	// Learned from live and SLA data: menu path ids.
	pathIDByMenu map[ID]ID
	pathIDByName map[string]ID
	seenQueues   map[string]model.Queue // queues once seen in live data, kept with nobody waiting

	// Stabilisers: times derived from "seconds ago" jitter by a second from
	// poll to poll; keep the earlier value while it is within tolerance.
	holdSince   map[string]time.Time
	oldestSince map[string]time.Time
	leftAt      map[string]time.Time // when an agent left agents/current_status
	inLive      map[string]bool

	// Carried over from a previous leader's state until reference data and
	// SLA of this run have loaded.
	agentsLoaded bool
	carryAgents  map[string]model.Agent
	carrySLA     map[string]*float64 // by queue id
	carryGroups  []model.QueueGroup  // until this run has read the groups
}

// leafQueue is one leaf menu × language × channel that has assignments.
type leafQueue struct {
	menuID  ID
	path    string
	lang    string
	channel string
}

func newBoard(source string, sm *model.StatusMap) *board {
	return &board{
		source:       source,
		statusMap:    sm,
		statuses:     map[ID]UserStatus{},
		colorByName:  map[string]string{},
		agents:       map[ID]AgentInfo{},
		teams:        map[ID]string{},
		menus:        map[ID]Menu{},
		sla:          map[string][]MenuSLA{},
		groups:       map[string][]QueueGroupSLA{},
		pathIDByMenu: map[ID]ID{},
		pathIDByName: map[string]ID{},
		seenQueues:   map[string]model.Queue{},
		holdSince:    map[string]time.Time{},
		oldestSince:  map[string]time.Time{},
		leftAt:       map[string]time.Time{},
		inLive:       map[string]bool{},
		carryAgents:  map[string]model.Agent{},
		carrySLA:     map[string]*float64{},
	}
}

// carryOver takes names, teams and queues from a state a previous leader
// wrote, to show until this run's reference data and SLA arrive.
func (b *board) carryOver(st model.SourceState) {
	for _, a := range st.Agents {
		b.carryAgents[a.ID] = a
	}
	for _, q := range st.Queues {
		b.seenQueues[q.ID] = model.Queue{ID: q.ID, Name: q.Name, Lang: q.Lang, Channel: q.Channel}
		b.carrySLA[q.ID] = q.SLAPercent
	}
	b.carryGroups = st.QueueGroups
}

// setGroups takes menus/sla_by_queue_groups of one channel; nil for a
// tenant without queue groups.
func (b *board) setGroups(channel string, list []QueueGroupSLA) {
	b.groups[channel] = list
	b.carryGroups = nil
}

// groupsModel builds the queue groups of both channels, or those a previous
// leader showed until this run has read them. Nil when there are none.
func (b *board) groupsModel() []model.QueueGroup {
	if len(b.groups) == 0 {
		return b.carryGroups
	}
	var out []model.QueueGroup
	for _, ch := range []string{"call", "chat"} {
		seen := map[ID]bool{}
		for _, g := range b.groups[ch] {
			if g.QueueGroupID == "" || seen[g.QueueGroupID] {
				continue
			}
			seen[g.QueueGroupID] = true
			name := strings.TrimSpace(string(g.QueueGroupName))
			if name == "" {
				name = "Queue group " + string(g.QueueGroupID)
			}
			out = append(out, model.QueueGroup{Source: b.source, ID: string(g.QueueGroupID), Name: name, Channel: ch, SLAPercent: g.SLA.Ptr()})
		}
	}
	slices.SortStableFunc(out, model.CompareQueueGroups)
	return out
}

// stableTolerance is how far a recomputed "now − seconds" time may move
// before the new value replaces the old one.
const stableTolerance = 2 * time.Second

func stable(prev map[string]time.Time, key string, t time.Time) time.Time {
	if p, ok := prev[key]; ok {
		if d := t.Sub(p); d > -stableTolerance && d < stableTolerance {
			return p
		}
	}
	prev[key] = t
	return t
}

func foldName(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// setStatuses replaces the user statuses.
func (b *board) setStatuses(list []UserStatus) {
	b.statuses = make(map[ID]UserStatus, len(list))
	b.colorByName = make(map[string]string, len(list))
	for _, s := range list {
		if s.ID != "" {
			b.statuses[s.ID] = s
		}
		if k := foldName(string(s.Name)); k != "" && s.Color != "" {
			if _, dup := b.colorByName[k]; !dup {
				b.colorByName[k] = string(s.Color)
			}
		}
	}
}

// setAgentsPage merges one page of agents.
func (b *board) setAgentsPage(list []AgentInfo) {
	for _, a := range list {
		if a.ID != "" {
			b.agents[a.ID] = a
		}
	}
}

// keepAgents drops agents not in keep (after the last page).
func (b *board) keepAgents(keep map[ID]bool) {
	b.agentsLoaded = true
	b.carryAgents = map[string]model.Agent{}
	for id := range b.agents {
		if !keep[id] {
			delete(b.agents, id)
		}
	}
}

func (b *board) setTeamsPage(list []Team) {
	for _, t := range list {
		if t.ID != "" {
			b.teams[t.ID] = string(t.Name)
		}
	}
}

func (b *board) keepTeams(keep map[ID]bool) {
	for id := range b.teams {
		if !keep[id] {
			delete(b.teams, id)
		}
	}
}

func (b *board) setMenusPage(list []Menu) {
	for _, m := range list {
		if m.ID != "" {
			b.menus[m.ID] = m
		}
	}
	b.deriveLeafQueues()
}

func (b *board) keepMenus(keep map[ID]bool) {
	for id := range b.menus {
		if !keep[id] {
			delete(b.menus, id)
		}
	}
	b.deriveLeafQueues()
}

// deriveLeafQueues lists the queues the menus define: leaf menus (no child
// that is not deleted) with agent or team assignments, per language and
// channel. The queue's name is the menu path, names from the root joined by
// "/", as menus/current_status and menus/sla name it.
func (b *board) deriveLeafQueues() {
	hasChild := map[ID]bool{}
	for _, m := range b.menus {
		if !m.Deleted && m.ParentID != "" {
			hasChild[m.ParentID] = true
		}
	}
	var out []leafQueue
	seen := map[leafQueue]bool{}
	for _, m := range b.menus {
		if bool(m.Deleted) || hasChild[m.ID] {
			continue
		}
		path := b.menuPath(m)
		for _, as := range [][]Assignment{m.AgentAssignments, m.TeamAssignments} {
			for _, a := range as {
				q := leafQueue{menuID: m.ID, path: path, lang: strings.TrimSpace(string(a.Lang)), channel: channelOf(string(a.ChannelType))}
				if q.channel == "" || seen[q] {
					continue
				}
				seen[q] = true
				out = append(out, q)
			}
		}
	}
	b.leafQueues = out
	b.leafQueuesSet = true
}

func (b *board) menuPath(m Menu) string {
	names := []string{string(m.Name)}
	seen := map[ID]bool{m.ID: true}
	for id := m.ParentID; id != "" && !seen[id] && len(names) < 32; {
		seen[id] = true
		p, ok := b.menus[id]
		if !ok {
			break
		}
		names = append(names, string(p.Name))
		id = p.ParentID
	}
	for i, j := 0, len(names)-1; i < j; i, j = i+1, j-1 {
		names[i], names[j] = names[j], names[i]
	}
	return strings.Join(names, "/")
}

// channelOf normalizes UJET's channel names: "Call", "voice_call" → "call";
// "Chat" → "chat"; others lower-cased.
func channelOf(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	switch s {
	case "call", "voice_call", "voice", "phone", "voicecall":
		return "call"
	case "chat", "text_chat":
		return "chat"
	}
	return s
}

func (b *board) setSLA(channel string, list []MenuSLA) {
	b.sla[channel] = list
	for id := range b.carrySLA {
		if strings.HasSuffix(id, ":"+channel) {
			delete(b.carrySLA, id)
		}
	}
	for _, e := range list {
		if e.MenuPathID != "" && e.MenuPath != "" {
			b.pathIDByName[string(e.MenuPath)] = e.MenuPathID
		}
	}
}

func (b *board) setLiveAgents(list []AgentStatus, at time.Time) {
	b.liveAgents, b.liveAgentsAt, b.haveAgents = list, at, true
}

func (b *board) setLiveMenus(list []MenuStatus, at time.Time) {
	b.liveMenus, b.liveMenusAt, b.haveMenus = list, at, true
	for _, m := range list {
		if m.MenuPathID == "" {
			continue
		}
		if m.MenuID != "" {
			b.pathIDByMenu[m.MenuID] = m.MenuPathID
		}
		if m.MenuPath != "" {
			b.pathIDByName[string(m.MenuPath)] = m.MenuPathID
		}
	}
}

// unknownIDs lists ids in live data that the reference data lacks, as
// "agent:1", "status:-3", "menu:10".
func (b *board) unknownIDs() []string {
	var out []string
	for _, a := range b.liveAgents {
		if a.ID != "" {
			if _, ok := b.agents[a.ID]; !ok {
				out = append(out, "agent:"+string(a.ID))
			}
		}
		if a.StatusID != "" {
			if _, ok := b.statuses[a.StatusID]; !ok {
				out = append(out, "status:"+string(a.StatusID))
			}
		}
	}
	for _, m := range b.liveMenus {
		if m.MenuID != "" {
			if _, ok := b.menus[m.MenuID]; !ok {
				out = append(out, "menu:"+string(m.MenuID))
			}
		}
	}
	return out
}

// known reports whether an id from unknownIDs is now in the reference data.
func (b *board) known(key string) bool {
	kind, id, _ := strings.Cut(key, ":")
	var ok bool
	switch kind {
	case "agent":
		_, ok = b.agents[ID(id)]
	case "status":
		_, ok = b.statuses[ID(id)]
	case "menu":
		_, ok = b.menus[ID(id)]
	}
	return ok
}

// forgetSeenQueues drops queues only ever seen in live data; those the menus
// or SLA still list come back from there.
func (b *board) forgetSeenQueues() { b.seenQueues = map[string]model.Queue{} }

func (b *board) agentName(id ID, info AgentInfo, known bool) string {
	if known {
		n := strings.TrimSpace(strings.TrimSpace(string(info.FirstName)) + " " + strings.TrimSpace(string(info.LastName)))
		if n != "" {
			return n
		}
	} else if c, ok := b.carryAgents[string(id)]; ok && c.Name != "" {
		return c.Name
	}
	return "Agent " + string(id)
}

func (b *board) agentTeams(id ID, info AgentInfo, known bool) []string {
	if c, ok := b.carryAgents[string(id)]; ok && !known {
		return append([]string{}, c.Teams...)
	}
	out := []string{}
	for _, t := range info.Teams {
		name := string(t.Name)
		if name == "" {
			name = b.teams[t.ID]
		}
		if name != "" {
			out = append(out, name)
		}
	}
	return out
}

func (b *board) color(statusID ID, name string) string {
	if s, ok := b.statuses[statusID]; ok && s.Color != "" {
		return string(s.Color)
	}
	return b.colorByName[foldName(name)]
}

// agentsModel builds the agents: every agent in agents/current_status, and
// every other agent the agents list knows, offline.
func (b *board) agentsModel() []model.Agent {
	out := make([]model.Agent, 0, len(b.agents)+len(b.liveAgents))
	live := make(map[string]bool, len(b.liveAgents))
	for _, a := range b.liveAgents {
		id := string(a.ID)
		if id == "" || live[id] {
			continue
		}
		live[id] = true
		info, known := b.agents[a.ID]
		status := strings.TrimSpace(string(a.Status))
		if status == "" {
			status = string(b.statuses[a.StatusID].Name)
		}
		m := model.Agent{
			Source:      b.source,
			ID:          id,
			Name:        b.agentName(a.ID, info, known),
			Teams:       b.agentTeams(a.ID, info, known),
			Status:      status,
			StatusColor: b.color(a.StatusID, status),
			State:       b.statusMap.State(status),
			Since:       a.StatusUpdatedAt.Ptr(),
			OnHold:      bool(a.OnHold),
		}
		if m.OnHold {
			secs := 0.0
			if a.OnHoldDuration.Valid && a.OnHoldDuration.Value > 0 {
				secs = a.OnHoldDuration.Value
			}
			t := stable(b.holdSince, id, b.liveAgentsAt.Add(-time.Duration(secs*float64(time.Second))))
			m.HoldSince = &t
		} else {
			delete(b.holdSince, id)
		}
		out = append(out, m)
	}
	for id := range b.holdSince {
		if !live[id] {
			delete(b.holdSince, id)
		}
	}
	// Agents who left current_status since the last poll left at about now.
	for id := range b.inLive {
		if !live[id] {
			b.leftAt[id] = b.liveAgentsAt
		}
	}
	for id := range live {
		delete(b.leftAt, id)
	}
	b.inLive = live
	for id, info := range b.agents {
		if live[string(id)] {
			continue
		}
		m := model.Agent{Source: b.source, ID: string(id), Name: b.agentName(id, info, true), Teams: b.agentTeams(id, info, true)}
		if info.Status != nil && b.statusMap.State(string(info.Status.Name)) == model.StateOffline {
			m.Status = string(info.Status.Name)
			m.StatusColor = b.color(info.Status.ID, m.Status)
			m.Since = info.StatusUpdatedAt.Ptr()
		} else {
			m.Status = "Offline"
			m.StatusColor = b.colorByName["offline"]
			if t, ok := b.leftAt[string(id)]; ok {
				m.Since = &t
			}
		}
		m.State = model.StateOffline
		out = append(out, m)
	}
	if !b.agentsLoaded {
		// Until the agents list has loaded, the agents a previous leader
		// showed and that are not logged in stay, offline.
		for id, c := range b.carryAgents {
			if _, ok := b.agents[ID(id)]; ok || live[id] {
				continue
			}
			m := model.Agent{Source: b.source, ID: id, Name: c.Name, Teams: append([]string{}, c.Teams...), State: model.StateOffline, Status: "Offline", StatusColor: b.colorByName["offline"]}
			if c.State == model.StateOffline {
				m.Status, m.StatusColor, m.Since = c.Status, c.StatusColor, c.Since
			} else if t, ok := b.leftAt[id]; ok {
				m.Since = &t
			}
			out = append(out, m)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Name != out[j].Name {
			return out[i].Name < out[j].Name
		}
		return out[i].ID < out[j].ID
	})
	return out
}

func queueID(pathID ID, lang, channel string) string {
	return string(pathID) + ":" + lang + ":" + channel
}

// queuesModel builds the queues: every queue the menus, the SLA lists or
// earlier live data know, with what menus/current_status says waits in it.
func (b *board) queuesModel() []model.Queue {
	qs := map[string]*model.Queue{}
	add := func(id, name, lang, channel string) *model.Queue {
		q, ok := qs[id]
		if !ok {
			q = &model.Queue{Source: b.source, ID: id, Name: name, Lang: lang, Channel: channel}
			qs[id] = q
		}
		if q.Name == "" {
			q.Name = name
		}
		return q
	}
	for _, lq := range b.leafQueues {
		pid, ok := b.pathIDByMenu[lq.menuID]
		if !ok {
			pid, ok = b.pathIDByName[lq.path]
		}
		id := queueID(pid, lq.lang, lq.channel)
		if !ok {
			id = "m" + queueID(lq.menuID, lq.lang, lq.channel)
		}
		add(id, lq.path, lq.lang, lq.channel)
	}
	for _, q := range b.seenQueues {
		add(q.ID, q.Name, q.Lang, q.Channel).SLAPercent = b.carrySLA[q.ID]
	}
	for channel, list := range b.sla {
		for _, e := range list {
			lang := strings.TrimSpace(string(e.Lang))
			q := add(queueID(e.MenuPathID, lang, channel), string(e.MenuPath), lang, channel)
			q.SLAPercent = e.SLA.Ptr()
			if e.MenuPath != "" {
				q.Name = string(e.MenuPath)
			}
		}
	}
	live := map[string]bool{}
	for _, m := range b.liveMenus {
		channel := channelOf(string(m.CommType))
		lang := strings.TrimSpace(string(m.Lang))
		pid := m.MenuPathID
		if pid == "" {
			pid = b.pathIDByMenu[m.MenuID]
		}
		if pid == "" {
			pid = "m" + m.MenuID
		}
		id := queueID(pid, lang, channel)
		q := add(id, string(m.MenuPath), lang, channel)
		if m.MenuPath != "" {
			q.Name = string(m.MenuPath)
		}
		if m.InQueueCount.Valid && m.InQueueCount.Value > 0 {
			q.Waiting += int(m.InQueueCount.Value)
		}
		switch {
		case !m.OldestInQueue.IsZero():
			t := m.OldestInQueue.Time
			q.OldestSince = &t
		case m.OldestDurationInQueue.Valid:
			t := stable(b.oldestSince, id, b.liveMenusAt.Add(-time.Duration(m.OldestDurationInQueue.Value*float64(time.Second))))
			q.OldestSince = &t
		}
		if m.AverageQueueDuration.Valid {
			q.AverageWaitSeconds = m.AverageQueueDuration.Value
		}
		live[id] = true
		b.seenQueues[id] = model.Queue{ID: id, Name: q.Name, Lang: lang, Channel: channel}
	}
	for id := range b.oldestSince {
		if !live[id] {
			delete(b.oldestSince, id)
		}
	}
	out := make([]model.Queue, 0, len(qs))
	for _, q := range qs {
		if q.Waiting == 0 {
			q.OldestSince = nil
		}
		out = append(out, *q)
	}
	slices.SortFunc(out, model.CompareQueues)
	return out
}
