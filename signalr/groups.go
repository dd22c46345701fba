package signalr

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/wallboard/wallboard/model"
)

// How queues are grouped for Config.QueueGroups: the MBU level the
// subscriptions/queues/groupBy subscription groups them by, or none.
const (
	GroupByGroup        = "group"
	GroupByTeam         = "team"
	GroupByBusinessUnit = "business_unit"
	GroupByNone         = "none"
)

// Groupings lists the values Config.QueueGroups takes.
func Groupings() []string {
	return []string{GroupByGroup, GroupByTeam, GroupByBusinessUnit, GroupByNone}
}

// groupingParam is the query parameter of a grouping's ids.
func groupingParam(by string) string {
	switch by {
	case GroupByTeam:
		return "teamIds"
	case GroupByBusinessUnit:
		return "businessUnitIds"
	}
	return "groupIds"
}

// extraSubscriptions are the queue-group and alert subscriptions for a
// connection, as configured. Queue groups cover the configured ids of the
// grouping's level, else every one of the MBU structure.
func (s *Subscriber) extraSubscriptions(connID string, m *MBU) []subscribeRequest {
	var reqs []subscribeRequest
	if by := s.cfg.QueueGroups; by != GroupByNone {
		var ids []string
		switch by {
		case GroupByTeam:
			ids = s.cfg.TeamIDs
			if len(ids) == 0 {
				for _, t := range m.Teams {
					ids = append(ids, t.ID.String())
				}
			}
		case GroupByBusinessUnit:
			ids = s.cfg.BusinessUnitIDs
			if len(ids) == 0 {
				for _, b := range m.BusinessUnits {
					ids = append(ids, b.ID.String())
				}
			}
		default:
			ids = s.cfg.GroupIDs
			if len(ids) == 0 {
				for _, g := range m.Groups {
					ids = append(ids, g.ID.String())
				}
			}
		}
		sessionProps := []string{"sessionType", "queueId", "sessionStatus", "queuedMs"}
		for _, chunk := range chunks(ids, maxIDsPerSubscription) {
			q := query(map[string][]string{groupingParam(by): chunk}, s.cfg.Modalities, false)
			reqs = append(reqs, subscribeRequest{Label: "queue groups", Path: "/v2/subscriptions/queues/groupBy?" + q, Body: map[string]any{
				"connectionId":        connID,
				"sessionProperties":   sessionProps,
				"sessionPropertyType": sessionProps,
				"metricProperties":    []string{metricQueued, metricAnswered, metricAbandoned},
			}})
		}
	}
	if s.cfg.Alerts {
		reqs = append(reqs, subscribeRequest{Label: "alerts", Path: "/v2/subscriptions/alerts", Body: map[string]any{"connectionId": connID}})
	}
	return reqs
}

// subscribeExtras creates the queue-group and alert subscriptions of a
// session. They are extras: when the server refuses them (an older Connect)
// the agents and queues carry on without them, and the failure is logged.
func (s *Subscriber) subscribeExtras(ctx context.Context, sess *session, m *MBU) {
	reqs := s.extraSubscriptions(sess.id, m)
	if len(reqs) == 0 {
		return
	}
	ids, err := s.api.Subscribe(ctx, reqs)
	sess.subs = append(sess.subs, ids...)
	if err != nil {
		s.warnOnce("extras", "connect: subscribing to queue groups or alerts failed; carrying on without them", "err", err)
	}
}

// QueueGroups normalizes the state's queue groups (Group Metric Data
// Responses), one per group and modality: what waits in the group's queues
// and their day counts; never an SLA. Groups whose groupType names no MBU
// level (the dictionary also says "Queue") are taken to be of the level by
// that was subscribed to.
func (s *State) QueueGroups(source string, dir *Directory, by string, now time.Time) []model.QueueGroup {
	if dir == nil {
		dir = &Directory{}
	}
	var out []model.QueueGroup
	for _, e := range s.Entities(KindQueueGroup) {
		typ, id, _ := strings.Cut(e.Key, "/")
		level := groupLevel(typ, by)
		name := ""
		switch level {
		case GroupByTeam:
			name = dir.Teams[id]
		case GroupByBusinessUnit:
			name = dir.BusinessUnits[id]
		default:
			name = dir.Groups[id]
		}
		if name == "" {
			name = e.Name
		}
		if name == "" {
			name = fmt.Sprintf("%s %s", levelLabel(level), id)
		}
		for _, mod := range modalities(e) {
			f := figures(e, mod, now)
			g := model.QueueGroup{Source: source, ID: level + "/" + id, Name: name, Channel: channel(mod), Answered: f.Answered, Abandoned: f.Abandoned}
			if _, ok := e.Sessions[mod]; ok {
				g.Waiting = &f.Waiting
			} else if _, ok := intField(e.Metrics[mod], metricQueued); ok {
				g.Waiting = &f.Waiting
			}
			out = append(out, g)
		}
	}
	return out
}

// groupLevel returns the grouping a groupType names, else by.
func groupLevel(groupType, by string) string {
	switch model.FoldStatus(groupType) {
	case "group":
		return GroupByGroup
	case "team":
		return GroupByTeam
	case "businessunit":
		return GroupByBusinessUnit
	}
	if by == "" || by == GroupByNone {
		return GroupByGroup
	}
	return by
}

func levelLabel(level string) string {
	switch level {
	case GroupByTeam:
		return "Team"
	case GroupByBusinessUnit:
		return "Business unit"
	}
	return "Group"
}

// maxAlertLog bounds how much of an alert the debug log shows.
const maxAlertLog = 512

// logAlert writes an alert to the debug log: the document gives alerts no
// shape, so the wall shows none; they are counted (Observer) and logged.
func (s *Subscriber) logAlert(payload []byte) {
	text := string(payload)
	if len(text) > maxAlertLog {
		text = text[:maxAlertLog] + "…"
	}
	s.log.Debug("connect: alert", "alert", text)
}
