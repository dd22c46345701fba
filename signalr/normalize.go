package signalr

import (
	"encoding/json"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/wallboard/wallboard/model"
)

// DefaultStatuses maps Connect's agent statuses (the dictionary's Connect
// Agent Status values) to normalized states. Statuses not listed fall back to
// away.
func DefaultStatuses() map[string]model.State {
	return map[string]model.State{
		"available":          model.StateAvailable,
		"inCall":             model.StateBusy,
		"inImCall":           model.StateBusy,
		"ringing":            model.StateBusy,
		"busy":               model.StateBusy,
		"directCall":         model.StateBusy,
		"directInboundDial":  model.StateBusy,
		"directOutboundDial": model.StateBusy,
		"conferenceCall":     model.StateBusy,
		"afterCall":          model.StateWrapUp,
		"unavailable":        model.StateAway,
		"offPhoneActivity":   model.StateAway,
		"ringOnNoAnswer":     model.StateAway,
		"beRightBack":        model.StateAway,
		"atLunch":            model.StateAway,
		"inactive":           model.StateAway,
		"loggedOut":          model.StateOffline,
		"offWork":            model.StateOffline,
		"unknown":            model.StateUnknown,
	}
}

// DefaultStatusMap is the status map of DefaultStatuses.
func DefaultStatusMap() *model.StatusMap {
	return model.NewStatusMap(DefaultStatuses(), nil, model.StateAway)
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

// Metric names read from queue metric bags.
const (
	metricQueued    = "queuedCount"
	metricAnswered  = "answeredCount"
	metricAbandoned = "abandonedCount"
	metricSLA       = "serviceLevel" // percent, 0–100
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
	status, _ := e.Status["agentStatus"].(string)
	a.Status = status
	a.State = statuses.State(status)
	a.Since = timeField(e.Status, "startTime")
	if a.Since == nil {
		a.Since = timeField(e.Status, "utcStartTime")
	}
	a.Reason, _ = e.Status["reasonCodeName"].(string)
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
	mods := map[string]bool{}
	for mod := range e.Metrics {
		if mod != "agnostic" {
			mods[mod] = true
		}
	}
	for mod := range e.Sessions {
		mods[mod] = true
	}
	if len(mods) == 0 {
		mods["audio"] = true
	}
	names := make([]string, 0, len(mods))
	for mod := range mods {
		names = append(names, mod)
	}
	sort.Strings(names)
	out := make([]model.Queue, 0, len(names))
	for _, mod := range names {
		q := model.Queue{Source: source, ID: e.Key + ":" + mod, Name: name, Channel: channel(mod)}
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
		if f, ok := floatField(metrics, metricSLA); ok {
			q.SLAPercent = &f
		}
		out = append(out, q)
	}
	return out
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
