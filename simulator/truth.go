package simulator

import (
	"time"
)

// Status is a user status an agent can be in, as UJET's user_statuses lists it.
type Status struct {
	ID    int
	WFMID int
	Name  string
	Color string
}

// Team is a group of agents; teams are assigned to queues.
type Team struct {
	ID   int
	Name string
}

// Agent is one agent and its current state.
type Agent struct {
	ID          int
	FirstName   string
	LastName    string
	Email       string
	AgentNumber string
	TeamIDs     []int
	StatusID    int
	StatusName  string
	StatusSince time.Time
	OnHold      bool
	HoldSince   *time.Time
	LoggedIn    bool
	LastLogin   time.Time
	CreatedAt   time.Time
	CallCount   int
	ChatCount   int
}

// Menu is one node of a menu tree. Leaf menus are queues: contacts wait in
// them per language and channel.
type Menu struct {
	ID         int
	Name       string
	ParentID   int // 0 for a root menu
	Position   int
	MenuType   string // "ivr_menu", "web_menu" or "mobile_menu"
	Path       string // names from the root, joined by "/", e.g. "Support/Billing"
	Leaf       bool
	MenuPathID int // the menu path id of a leaf (0 for inner menus)
	Langs      []string
	Channels   []string // "call", "chat"

	TeamAssignments  []TeamAssignment
	AgentAssignments []AgentAssignment
}

// TeamAssignment assigns a team to a menu for one language and channel.
type TeamAssignment struct {
	Lang    string
	Channel string
	TeamID  int
}

// AgentAssignment assigns one agent directly to a menu for one language and
// channel.
type AgentAssignment struct {
	Lang    string
	Channel string
	AgentID int
}

// Queue is one leaf menu × language × channel and the contacts waiting in it.
type Queue struct {
	MenuID     int
	MenuPathID int
	Path       string
	Lang       string
	Channel    string // "call" or "chat"
	GroupID    int    // the queue group (the root menu of the tree)
	Waiting    []time.Time
}

// QueueGroup groups queues for sla_by_queue_groups: one group per menu tree.
type QueueGroup struct {
	ID   int
	Name string
}

// Handled is one contact that left a queue: answered by an agent or
// abandoned by the customer.
type Handled struct {
	MenuPathID int
	Lang       string
	Channel    string
	GroupID    int
	EnqueuedAt time.Time
	EndedAt    time.Time // answered or abandoned at
	Answered   bool
	InSLA      bool // answered within the SLA threshold
}

// Truth is a deep copy of the model's state: what a correct wallboard shows.
// Times are wall-clock times on the timeline given to Advance.
type Truth struct {
	At           time.Time // the model time the copy was taken at
	Speed        float64
	SLAThreshold time.Duration // of simulated time
	Statuses     []Status
	Teams        []Team
	Agents       []Agent
	Menus        []Menu
	Queues       []Queue
	QueueGroups  []QueueGroup
	History      []Handled     // oldest first; covers at least the last HistoryMinutes simulated minutes
	Contacts     []Contact     // every call and chat of the last ContactRetention, oldest first
	Hours        map[int]Hours // operation hours by menu id; menus without (nor a parent with) are always open
}

// HistoryMinutes is how many simulated minutes of handled contacts the model
// keeps for SLA windows; longer windows see only this much.
const HistoryMinutes = 60

// QueueSLA is the service level of one queue over a window.
type QueueSLA struct {
	MenuID     int
	MenuPathID int
	Path       string
	Lang       string
	Channel    string
	Handled    int
	InSLA      int
	Percent    *float64 // nil when nothing was handled in the window
}

// GroupSLA is the service level of one queue group over a window.
type GroupSLA struct {
	GroupID int
	Name    string
	Handled int
	InSLA   int
	Percent *float64 // nil when nothing was handled in the window
}

// window returns the start of a window of minutes simulated minutes ending at
// now, in wall time.
func (t Truth) window(minutes int, now time.Time) time.Time {
	speed := t.Speed
	if speed <= 0 {
		speed = 1
	}
	return now.Add(-time.Duration(float64(minutes) * float64(time.Minute) / speed))
}

func percent(in, total int) *float64 {
	if total == 0 {
		return nil
	}
	p := float64(in) * 100 / float64(total)
	return &p
}

// SLA returns, for every queue of channel ("call" or "chat"), the percentage
// of contacts answered within SLAThreshold among the contacts answered or
// abandoned in the last minutes simulated minutes before now.
func (t Truth) SLA(channel string, minutes int, now time.Time) []QueueSLA {
	from := t.window(minutes, now)
	var out []QueueSLA
	for _, q := range t.Queues {
		if q.Channel != channel {
			continue
		}
		s := QueueSLA{MenuID: q.MenuID, MenuPathID: q.MenuPathID, Path: q.Path, Lang: q.Lang, Channel: q.Channel}
		for _, h := range t.History {
			if h.MenuPathID != q.MenuPathID || h.Lang != q.Lang || h.Channel != q.Channel {
				continue
			}
			if h.EndedAt.After(from) && !h.EndedAt.After(now) {
				s.Handled++
				if h.InSLA {
					s.InSLA++
				}
			}
		}
		s.Percent = percent(s.InSLA, s.Handled)
		out = append(out, s)
	}
	return out
}

// SLAByGroup is SLA summed over each queue group.
func (t Truth) SLAByGroup(channel string, minutes int, now time.Time) []GroupSLA {
	from := t.window(minutes, now)
	var out []GroupSLA
	for _, g := range t.QueueGroups {
		s := GroupSLA{GroupID: g.ID, Name: g.Name}
		for _, h := range t.History {
			if h.GroupID != g.ID || h.Channel != channel {
				continue
			}
			if h.EndedAt.After(from) && !h.EndedAt.After(now) {
				s.Handled++
				if h.InSLA {
					s.InSLA++
				}
			}
		}
		s.Percent = percent(s.InSLA, s.Handled)
		out = append(out, s)
	}
	return out
}

// Agent returns the agent with id, if any.
func (t Truth) Agent(id int) (Agent, bool) {
	for _, a := range t.Agents {
		if a.ID == id {
			return a, true
		}
	}
	return Agent{}, false
}

// Status returns the status with id, if any.
func (t Truth) Status(id int) (Status, bool) {
	for _, s := range t.Statuses {
		if s.ID == id {
			return s, true
		}
	}
	return Status{}, false
}
