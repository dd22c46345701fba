package signalr

import (
	"encoding/json"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/wallboard/wallboard/model"
)

// connectStatus is one value of Connect's Status enum (the API document's
// Connect Agent Status: agentStatus as a camel-cased name, agentStatusId as
// its number).
type connectStatus struct {
	id    int
	name  string // as agentStatus carries it
	label string // as the wall shows it
	state model.State
}

// statusEnum is the Status enum as the API document lists it (13 is not
// used).
var statusEnum = []connectStatus{
	{1, "available", "Available", model.StateAvailable},
	{2, "inCall", "In Call", model.StateBusy},
	{3, "unavailable", "Unavailable", model.StateAway},
	{4, "unknown", "Unknown", model.StateUnknown},
	{5, "afterCall", "After Call", model.StateWrapUp},
	{6, "loggedOut", "Logged Out", model.StateOffline},
	{7, "offPhoneActivity", "Off Phone Activity", model.StateAway},
	{8, "ringOnNoAnswer", "Ring On No Answer", model.StateAway},
	{9, "busy", "Busy", model.StateBusy},
	{10, "beRightBack", "Be Right Back", model.StateAway},
	{11, "directCall", "Direct Call", model.StateBusy},
	{12, "inactive", "Inactive", model.StateAway},
	{14, "inImCall", "In IM Call", model.StateBusy},
	{15, "directInboundDial", "Direct Inbound Dial", model.StateBusy},
	{16, "directOutboundDial", "Direct Outbound Dial", model.StateBusy},
	{17, "atLunch", "At Lunch", model.StateAway},
	{18, "offWork", "Off Work", model.StateOffline},
	{19, "conferenceCall", "Conference Call", model.StateBusy},
	{20, "ringing", "Ringing", model.StateBusy},
}

var (
	statusByID   = map[int]*connectStatus{}
	statusByName = map[string]*connectStatus{} // folded name and label
)

func init() {
	for i := range statusEnum {
		st := &statusEnum[i]
		statusByID[st.id] = st
		statusByName[model.FoldStatus(st.name)] = st
	}
}

// DefaultStatuses maps every status of Connect's Status enum (by its
// agentStatus name) to a normalized state. Connect's statuses are a closed
// list: a status outside it, and outside the configured mappings, is unknown.
func DefaultStatuses() map[string]model.State {
	out := make(map[string]model.State, len(statusEnum))
	for _, st := range statusEnum {
		out[st.name] = st.state
	}
	return out
}

// DefaultStatusMap is the status map of DefaultStatuses.
func DefaultStatusMap() *model.StatusMap {
	return model.NewStatusMap(DefaultStatuses(), nil, model.StateUnknown)
}

// Directory holds the names from the MBU structure.
type Directory struct {
	Agents        map[string]string   // agent id → name
	AgentTeams    map[string][]string // agent id → team names
	Queues        map[string]string   // queue id → name
	Teams         map[string]string
	Groups        map[string]string
	BusinessUnits map[string]string
}

// Metric names read from queue metric bags: the document's queuedCount
// (Subscribe to Queues) and the day counts answeredCount and abandonedCount
// (Metric Bag, localization keys). The document has no service-level metric
// and no count of contacts answered within the SLA, so Connect queues carry
// no SLA (null, shown as "—").
const (
	metricQueued    = "queuedCount"
	metricAnswered  = "answeredCount"
	metricAbandoned = "abandonedCount"
)

// channels maps Connect modalities to model channels.
func channel(modality string) string {
	switch strings.ToLower(modality) {
	case "audio", "audiovideo":
		return "call"
	case "instantmessage":
		return "chat"
	case "message":
		return "message"
	}
	return modality
}

// Model normalizes the state's agents and queues. dir (may be nil) names
// them; statuses maps Connect statuses to states.
func (s *State) Model(source string, dir *Directory, statuses *model.StatusMap, now time.Time) ([]model.Agent, []model.Queue) {
	if dir == nil {
		dir = &Directory{}
	}
	if statuses == nil {
		statuses = DefaultStatusMap()
	}
	agents := make([]model.Agent, 0, s.Len(KindAgent))
	for _, e := range s.Entities(KindAgent) {
		agents = append(agents, normalizeAgent(source, e, dir, statuses))
	}
	queues := make([]model.Queue, 0, s.Len(KindQueue))
	for _, e := range s.Entities(KindQueue) {
		queues = append(queues, normalizeQueue(source, e, dir, now)...)
	}
	return agents, queues
}

func normalizeAgent(source string, e *Entity, dir *Directory, statuses *model.StatusMap) model.Agent {
	a := model.Agent{Source: source, ID: e.Key, Name: dir.Agents[e.Key], Teams: append([]string{}, dir.AgentTeams[e.Key]...)}
	if a.Name == "" {
		a.Name = e.Name
	}
	if a.Name == "" {
		a.Name = "Agent " + e.Key
	}
	a.Reason = strings.TrimSpace(stringField(e.Status, "reasonCodeName"))
	a.Status, a.State = agentStatus(e.Status, a.Reason, statuses)
	a.Since = timeField(e.Status, "startTime")
	if a.Since == nil {
		a.Since = timeField(e.Status, "utcStartTime")
	}
	a.Suspended = boolField(e.Status, "isSuspended")
	for _, bag := range e.Sessions {
		for _, sess := range bag {
			if !boolField(sess.Fields, "isOnHold") {
				continue
			}
			a.OnHold = true
			if t := timeField(sess.Fields, "holdStartTime"); t != nil && (a.HoldSince == nil || t.Before(*a.HoldSince)) {
				a.HoldSince = t
			}
		}
	}
	return a
}

func normalizeQueue(source string, e *Entity, dir *Directory, now time.Time) []model.Queue {
	name := dir.Queues[e.Key]
	if name == "" {
		name = e.Name
	}
	if name == "" {
		name = "Queue " + e.Key
	}
	names := modalities(e)
	if len(names) == 0 {
		names = []string{"audio"}
	}
	out := make([]model.Queue, 0, len(names))
	for _, mod := range names {
		q := figures(e, mod, now)
		q.Source, q.ID, q.Name, q.Channel = source, e.Key+":"+mod, name, channel(mod)
		out = append(out, q)
	}
	return out
}

// modalities lists the modalities an entity has metrics or sessions of,
// sorted.
func modalities(e *Entity) []string {
	mods := map[string]bool{}
	for mod := range e.Metrics {
		if mod != "agnostic" {
			mods[mod] = true
		}
	}
	for mod := range e.Sessions {
		mods[mod] = true
	}
	names := make([]string, 0, len(mods))
	for mod := range mods {
		names = append(names, mod)
	}
	sort.Strings(names)
	return names
}

// figures returns what waits in a queue (or a group of queues) in one
// modality, from its waiting sessions or else queuedCount, and its day
// counts.
func figures(e *Entity, mod string, now time.Time) model.Queue {
	var q model.Queue
	metrics := e.Metrics[mod]
	if bag, ok := e.Sessions[mod]; ok {
		var sum time.Duration
		for _, sess := range bag {
			if !waiting(sess.Fields) {
				continue
			}
			since := waitingSince(sess, now)
			q.Waiting++
			sum += now.Sub(since)
			if q.OldestSince == nil || since.Before(*q.OldestSince) {
				t := since
				q.OldestSince = &t
			}
		}
		if q.Waiting > 0 {
			q.AverageWaitSeconds = sum.Seconds() / float64(q.Waiting)
		}
	} else if n, ok := intField(metrics, metricQueued); ok {
		q.Waiting = n
	}
	if n, ok := intField(metrics, metricAnswered); ok {
		q.Answered = &n
	}
	if n, ok := intField(metrics, metricAbandoned); ok {
		q.Abandoned = &n
	}
	return q
}

// agentStatus returns the status an agent card shows and its state. The
// status is agentStatus, a name or the enum's number, else agentStatusId; a
// reason code (reasonCodeName) shows instead of it, as UJET's custom statuses
// do. The state is the configured mapping of the reason code when there is
// one, else that of the status; a status the enum and the mappings do not
// know is unknown.
func agentStatus(st map[string]any, reason string, statuses *model.StatusMap) (string, model.State) {
	name, label := statusName(st["agentStatus"])
	if name == "" {
		if n, l := statusName(st["agentStatusId"]); n != "" || label == "" {
			name, label = n, l
		}
	}
	state := model.StateUnknown
	if s, ok := statuses.Lookup(name); ok {
		state = s
	}
	if reason != "" {
		if s, ok := statuses.Lookup(reason); ok {
			state = s
		}
		return reason, state
	}
	return label, state
}

// statusName reads a status value: an enum name in any case, or its number
// (as a JSON number or a string of digits). It returns the name to map and
// the label to show; an unknown number gives no name and the label "Unknown",
// an unknown name itself as both (a configured mapping may know it).
func statusName(v any) (name, label string) {
	var id int
	switch t := v.(type) {
	case string:
		t = strings.TrimSpace(t)
		if t == "" {
			return "", ""
		}
		n, err := strconv.Atoi(t)
		if err != nil {
			if st := statusByName[model.FoldStatus(t)]; st != nil {
				return st.name, st.label
			}
			return t, t
		}
		id = n
	case json.Number:
		n, err := t.Int64()
		if err != nil {
			return "", "Unknown"
		}
		id = int(n)
	case float64:
		id = int(t)
	default:
		return "", ""
	}
	if st := statusByID[id]; st != nil {
		return st.name, st.label
	}
	return "", "Unknown"
}

// waiting reports whether a session waits in its queue.
func waiting(f map[string]any) bool {
	st, ok := f["sessionStatus"].(string)
	if !ok {
		n, ok := intField(f, "queuedMs")
		return ok && n > 0
	}
	switch strings.ToLower(strings.ReplaceAll(st, " ", "")) {
	case "queued", "reenqueued":
		return true
	}
	return false
}

func waitingSince(sess *Session, now time.Time) time.Time {
	if t := timeField(sess.Fields, "startTimeStamp"); t != nil {
		return *t
	}
	if ms, ok := intField(sess.Fields, "queuedMs"); ok {
		return sess.FirstSeen.Add(-time.Duration(ms) * time.Millisecond)
	}
	return sess.FirstSeen
}

func timeField(m map[string]any, key string) *time.Time {
	s, ok := m[key].(string)
	if !ok || s == "" {
		return nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-1-2 15:04:05", "2006-1-2 15:04"} {
		if t, err := time.Parse(layout, s); err == nil {
			t = t.UTC()
			return &t
		}
	}
	return nil
}

func stringField(m map[string]any, key string) string {
	s, _ := m[key].(string)
	return s
}

func boolField(m map[string]any, key string) bool {
	switch v := m[key].(type) {
	case bool:
		return v
	case string:
		b, _ := strconv.ParseBool(v)
		return b
	}
	return false
}

func intField(m map[string]any, key string) (int, bool) {
	f, ok := floatField(m, key)
	return int(f), ok
}

func floatField(m map[string]any, key string) (float64, bool) {
	switch v := m[key].(type) {
	case json.Number:
		f, err := v.Float64()
		return f, err == nil
	case float64:
		return v, true
	case string:
		f, err := strconv.ParseFloat(v, 64)
		return f, err == nil
	}
	return 0, false
}
