// Package model is the normalized contact-center model that every source feeds
// and every view reads: agents with their state and time in state, queues with
// what waits in them, and the health of each source.
//
// Field names in JSON are the public API of GET /api/v1/boards/{id}; change
// them only with the views and the API together.
package model

import (
	"cmp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/wallboard/wallboard/forecast"
)

// State is the normalized state of an agent, the same for every vendor.
type State string

// The normalized agent states. Busy covers being on a call or a chat.
const (
	StateAvailable State = "available"
	StateBusy      State = "busy"
	StateWrapUp    State = "wrap_up"
	StateAway      State = "away"
	StateOffline   State = "offline"
	StateUnknown   State = "unknown"
)

// States lists every state in the order boards show them.
func States() []State {
	return []State{StateAvailable, StateBusy, StateWrapUp, StateAway, StateOffline, StateUnknown}
}

// Valid reports whether s is one of the normalized states.
func (s State) Valid() bool {
	for _, v := range States() {
		if s == v {
			return true
		}
	}
	return false
}

// Agent is one agent as a board shows it.
type Agent struct {
	Source      string     `json:"source"`
	ID          string     `json:"id"` // unique within Source
	Name        string     `json:"name"`
	Teams       []string   `json:"teams"`
	State       State      `json:"state"`
	Status      string     `json:"status"`       // the vendor's own status name
	StatusColor string     `json:"status_color"` // the vendor's colour for Status, may be empty
	Since       *time.Time `json:"since"`        // when the agent entered Status; nil when unknown
	OnHold      bool       `json:"on_hold"`
	HoldSince   *time.Time `json:"hold_since"`
	Reason      string     `json:"reason,omitempty"`    // reason code of an unavailable status, when the vendor gives one
	Suspended   bool       `json:"suspended,omitempty"` // the vendor marks the agent suspended
}

// Queue is one queue (a UJET menu path per language and channel, a Connect queue).
type Queue struct {
	Source             string     `json:"source"`
	ID                 string     `json:"id"` // unique within Source
	Name               string     `json:"name"`
	Lang               string     `json:"lang"`
	Channel            string     `json:"channel"` // call, chat, …
	Waiting            int        `json:"waiting"`
	OldestSince        *time.Time `json:"oldest_since"`         // when the longest waiting contact started waiting; nil when none waits
	AverageWaitSeconds float64    `json:"average_wait_seconds"` // of the contacts waiting now
	SLAPercent         *float64   `json:"sla_percent"`          // nil when the vendor says null: never 0 for unknown
	// Today's counts since midnight in the board's time zone, nil when
	// the source has none: contacts answered by an agent (UJET: handled)
	// and abandoned while waiting in the queue.
	Answered  *int `json:"answered,omitempty"`
	Abandoned *int `json:"abandoned,omitempty"`
	// Of today's answered contacts: mean handle time (talk and wrap-up of
	// the finished ones) and mean time waited before an answer; nil when
	// the data has none.
	AverageHandleSeconds *float64 `json:"average_handle_seconds,omitempty"`
	AverageAnswerSeconds *float64 `json:"average_answer_seconds,omitempty"`
	// Closed: outside the queue's operation hours; OpensAt is when it
	// opens next, when known.
	Closed  bool       `json:"closed,omitempty"`
	OpensAt *time.Time `json:"opens_at,omitempty"`
	// Forecast is set by the board API only: the queue's Erlang A and C
	// forecast with its inputs. Never stored.
	Forecast *forecast.Forecast `json:"forecast,omitempty"`
}

// AbandonRate is the percentage of today's contacts that were abandoned
// in the queue, nil when nothing was answered or abandoned (or the source
// has no counts).
func (q Queue) AbandonRate() *float64 { return abandonRate(q.Answered, q.Abandoned) }

func abandonRate(answered, abandoned *int) *float64 {
	if answered == nil || abandoned == nil || *answered+*abandoned == 0 {
		return nil
	}
	v := float64(*abandoned) * 100 / float64(*answered+*abandoned)
	return &v
}

// QueueDay is one queue's counts since midnight in a time zone.
type QueueDay struct {
	Answered             int      `json:"answered"`
	Abandoned            int      `json:"abandoned"`
	AverageHandleSeconds *float64 `json:"average_handle_seconds,omitempty"`
	AverageAnswerSeconds *float64 `json:"average_answer_seconds,omitempty"`
}

// SetDay puts d into q's day fields.
func (q *Queue) SetDay(d QueueDay) {
	q.Answered, q.Abandoned = &d.Answered, &d.Abandoned
	q.AverageHandleSeconds, q.AverageAnswerSeconds = d.AverageHandleSeconds, d.AverageAnswerSeconds
}

// DayCounts are a source's counts since midnight in one time zone, for the
// boards whose day starts there (the queues' own fields count the server's
// day).
type DayCounts struct {
	Zone   string              `json:"zone"`  // IANA name, e.g. Europe/Paris
	Since  time.Time           `json:"since"` // that zone's last midnight
	Queues map[string]QueueDay `json:"queues"`
}

// InZone returns st with its queues' day counts those of zone, when st has
// counts for zone; otherwise st as it is. It does not change st.
func (st SourceState) InZone(zone string) SourceState {
	for _, d := range st.Days {
		if d.Zone != zone {
			continue
		}
		qs := make([]Queue, len(st.Queues))
		copy(qs, st.Queues)
		for i := range qs {
			qs[i].SetDay(d.Queues[qs[i].ID])
		}
		st.Queues = qs
		return st
	}
	return st
}

// QueueGroup is a vendor's own grouping of queues, per channel: UJET's queue
// groups (menus/sla_by_queue_groups) with their service level over the SLA
// window, and Clarity Connect's queues grouped by group, team or business
// unit (subscriptions/queues/groupBy) with what waits and the day counts.
// The figures a vendor does not give are nil.
type QueueGroup struct {
	Source     string   `json:"source"`
	ID         string   `json:"id"` // unique within Source and Channel
	Name       string   `json:"name"`
	Channel    string   `json:"channel"`     // call, chat, message
	SLAPercent *float64 `json:"sla_percent"` // nil when the vendor says null: never 0 for unknown
	Waiting    *int     `json:"waiting,omitempty"`
	Answered   *int     `json:"answered,omitempty"`
	Abandoned  *int     `json:"abandoned,omitempty"`
}

// CompareQueueGroups orders queue groups as boards list them: by name and
// channel, then source and id.
func CompareQueueGroups(x, y QueueGroup) int {
	return cmp.Or(strings.Compare(x.Name, y.Name), strings.Compare(x.Channel, y.Channel),
		strings.Compare(x.Source, y.Source), strings.Compare(x.ID, y.ID))
}

// Health is how fresh a source's data is. A source that fails keeps its last
// good data with OK false and the error; views mark it stale.
type Health struct {
	Source    string    `json:"source"` // the source's name, unique on this server
	Kind      string    `json:"kind"`   // "ujet", "connect"
	OK        bool      `json:"ok"`
	UpdatedAt time.Time `json:"updated_at"` // the last time the data was good; zero before the first success
	Error     string    `json:"error,omitempty"`
	// Fresh says when each kind of the source's data was last read
	// successfully (UJET: "agents", "queues", "sla", "day_counts",
	// "queue_groups", "reference"); absent kinds were not read yet.
	Fresh map[string]time.Time `json:"fresh,omitempty"`
	// Protocol and Transport say how a realtime source is connected
	// (Connect: "classic" or "core" SignalR; "webSockets",
	// "serverSentEvents" or "longPolling").
	Protocol  string `json:"protocol,omitempty"`
	Transport string `json:"transport,omitempty"`
}

// SourceState is everything one source knows at one moment. A store keeps the
// latest SourceState of each source.
type SourceState struct {
	Health
	Version uint64  `json:"version"` // assigned by the store, increasing per source
	Agents  []Agent `json:"agents"`
	Queues  []Queue `json:"queues"`
	// QueueGroups are the vendor's queue groups with their SLA, when it
	// has them.
	QueueGroups []QueueGroup `json:"queue_groups,omitempty"`
	// Membership, when the vendor has one (Clarity Connect's MBU structure),
	// says which agents and queues belong to which team, group and business
	// unit, so that boards can pick them by those ids on every replica.
	Membership *Membership `json:"membership,omitempty"`
	// Days are the day counts in the time zones boards ask for besides the
	// server's, when the source counts its day.
	Days []DayCounts `json:"days,omitempty"`
}

// Membership is a vendor's organisation: ids are the vendor's, as strings.
// A Membership is not changed once it is in a SourceState.
type Membership struct {
	TeamAgents         map[string][]string `json:"team_agents,omitempty"`          // team id → agent ids
	TeamQueues         map[string][]string `json:"team_queues,omitempty"`          // team id → queue ids
	GroupTeams         map[string][]string `json:"group_teams,omitempty"`          // group id → team ids
	BusinessUnitTeams  map[string][]string `json:"business_unit_teams,omitempty"`  // business unit id → team ids
	BusinessUnitQueues map[string][]string `json:"business_unit_queues,omitempty"` // business unit id → queue ids
}

// Board is the snapshot one board shows: the agents and queues of its sources
// and the health of each of them.
type Board struct {
	ID          string       `json:"id"`
	Title       string       `json:"title"`
	GeneratedAt time.Time    `json:"generated_at"`
	Agents      []Agent      `json:"agents"`
	Queues      []Queue      `json:"queues"`
	QueueGroups []QueueGroup `json:"queue_groups"`
	Sources     []Health     `json:"sources"`
	// Summary is set by the board API only: the board's SLA and today's
	// counts as its tiles show them. Never stored.
	Summary *Summary `json:"summary,omitempty"`
}

// Summary is the board-wide figures of the API: see Totals.
type Summary struct {
	SLACall       *float64 `json:"sla_call"`
	SLACallMethod string   `json:"sla_call_method,omitempty"` // SLAWeighted or SLAMean
	SLAChat       *float64 `json:"sla_chat"`
	SLAChatMethod string   `json:"sla_chat_method,omitempty"`
	Answered      *int     `json:"answered"`
	Abandoned     *int     `json:"abandoned"`
	AbandonRate   *float64 `json:"abandon_rate"`
}

// Summarize is the board's summary for the API.
func (b Board) Summarize() *Summary {
	t := b.Totals()
	return &Summary{SLACall: t.SLACall, SLACallMethod: t.SLACallMethod, SLAChat: t.SLAChat, SLAChatMethod: t.SLAChatMethod,
		Answered: t.Answered, Abandoned: t.Abandoned, AbandonRate: t.AbandonRate}
}

// Merge builds a board from source states, agents and queues sorted so that
// the same data always renders the same way.
func Merge(id, title string, now time.Time, states []SourceState) Board {
	b := Board{ID: id, Title: title, GeneratedAt: now, Agents: []Agent{}, Queues: []Queue{}, QueueGroups: []QueueGroup{}, Sources: []Health{}}
	for _, s := range states {
		b.Agents = append(b.Agents, s.Agents...)
		b.Queues = append(b.Queues, s.Queues...)
		b.QueueGroups = append(b.QueueGroups, s.QueueGroups...)
		b.Sources = append(b.Sources, s.Health)
	}
	slices.SortStableFunc(b.Agents, CompareAgents)
	slices.SortStableFunc(b.Queues, CompareQueues)
	slices.SortStableFunc(b.QueueGroups, CompareQueueGroups)
	sort.SliceStable(b.Sources, func(i, j int) bool { return b.Sources[i].Source < b.Sources[j].Source })
	return b
}

// CompareAgents orders agents as boards list them: by name, then source and id.
func CompareAgents(x, y Agent) int {
	return cmp.Or(strings.Compare(x.Name, y.Name), strings.Compare(x.Source, y.Source), strings.Compare(x.ID, y.ID))
}

// CompareQueues orders queues as boards list them: by name, channel and
// language, then source and id.
func CompareQueues(x, y Queue) int {
	return cmp.Or(strings.Compare(x.Name, y.Name), strings.Compare(x.Channel, y.Channel), strings.Compare(x.Lang, y.Lang),
		strings.Compare(x.Source, y.Source), strings.Compare(x.ID, y.ID))
}

// Stale reports whether any source of the board is not OK.
func (b Board) Stale() bool {
	for _, s := range b.Sources {
		if !s.OK {
			return true
		}
	}
	return false
}

// SLA methods: how a board's SLA figure was made from its queues' SLAs.
const (
	// SLAWeighted: each queue's SLA weighted by its volume today (answered
	// and abandoned), when every queue with an SLA has day counts.
	SLAWeighted = "weighted"
	// SLAMean: the plain mean of the queues' SLAs, when some queue has no
	// counts (or none had any contacts yet).
	SLAMean = "mean"
)

// Totals are the figures a wall's tiles show.
type Totals struct {
	CallsWaiting int
	ChatsWaiting int
	OtherWaiting int
	LongestSince *time.Time // start of the longest wait of any queue; nil when nobody waits
	// SLACall and SLAChat are the board's SLA over its open queues with a
	// known SLA, made as SLACallMethod and SLAChatMethod say (SLAWeighted
	// or SLAMean; "" when there is no SLA).
	SLACall       *float64
	SLAChat       *float64
	SLACallMethod string
	SLAChatMethod string
	// Today's counts over the queues that have them; nil when none has.
	Answered  *int
	Abandoned *int
	// AbandonRate is Abandoned of Answered plus Abandoned, in percent.
	AbandonRate    *float64
	AgentsByState  map[State]int
	AgentsLoggedIn int // every agent not offline
}

// slaAcc adds up one channel's queue SLAs.
type slaAcc struct {
	sum, wsum, weight float64
	n                 int
	counted           bool // every queue with an SLA has day counts
}

func (a *slaAcc) add(q Queue) {
	if a.n == 0 {
		a.counted = true
	}
	a.n++
	a.sum += *q.SLAPercent
	if q.Answered == nil || q.Abandoned == nil {
		a.counted = false
		return
	}
	w := float64(*q.Answered + *q.Abandoned)
	a.wsum += *q.SLAPercent * w
	a.weight += w
}

func (a *slaAcc) result() (*float64, string) {
	switch {
	case a.n == 0:
		return nil, ""
	case a.counted && a.weight > 0:
		v := a.wsum / a.weight
		return &v, SLAWeighted
	}
	v := a.sum / float64(a.n)
	return &v, SLAMean
}

// Totals sums the board's queues and agents. Closed queues (outside their
// operation hours) count in the waiting figures but not in the SLA.
func (b Board) Totals() Totals {
	t := Totals{AgentsByState: map[State]int{}}
	var call, chat slaAcc
	var answered, abandoned int
	haveCounts := false
	for _, q := range b.Queues {
		switch q.Channel {
		case "call":
			t.CallsWaiting += q.Waiting
		case "chat":
			t.ChatsWaiting += q.Waiting
		default:
			t.OtherWaiting += q.Waiting
		}
		if q.OldestSince != nil && (t.LongestSince == nil || q.OldestSince.Before(*t.LongestSince)) {
			o := *q.OldestSince
			t.LongestSince = &o
		}
		if q.Answered != nil {
			answered += *q.Answered
			haveCounts = true
		}
		if q.Abandoned != nil {
			abandoned += *q.Abandoned
			haveCounts = true
		}
		if q.SLAPercent != nil && !q.Closed {
			switch q.Channel {
			case "call":
				call.add(q)
			case "chat":
				chat.add(q)
			}
		}
	}
	t.SLACall, t.SLACallMethod = call.result()
	t.SLAChat, t.SLAChatMethod = chat.result()
	if haveCounts {
		t.Answered, t.Abandoned = &answered, &abandoned
		t.AbandonRate = abandonRate(t.Answered, t.Abandoned)
	}
	for _, a := range b.Agents {
		t.AgentsByState[a.State]++
		if a.State != StateOffline {
			t.AgentsLoggedIn++
		}
	}
	return t
}
