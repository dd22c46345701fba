package connect

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"time"
)

// Subscription kinds beside agents and queues.
const (
	subQueueGroups = "queueGroups"
	subAlerts      = "alerts"
)

// AlertWaiting is how many contacts waiting in a queue's modality make the
// simulator raise an alert (when the count reaches it).
const AlertWaiting = 3

// groupLevels maps the query parameters of subscriptions/queues/groupBy to
// the groupType the responses carry. When several are given the team wins,
// then the group, then the business unit, as the document says of groupBy.
var groupLevels = []struct{ param, groupType string }{
	{"teamIds", "team"},
	{"groupIds", "group"},
	{"businessUnitIds", "businessUnit"},
}

// subscribeGroups creates a subscriptions/queues/groupBy subscription: one
// Group Metric Data Response per group, team or business unit.
func (s *Server) subscribeGroups(w http.ResponseWriter, r *http.Request, _ time.Time) {
	connID, ok := s.connectionOf(w, r)
	if !ok {
		return
	}
	level, ids := "", []int(nil)
	for _, l := range groupLevels {
		list, err := intList(r.URL.Query().Get(l.param))
		if err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"message": l.param + " must be a list of ids"})
			return
		}
		if len(list) > 0 {
			level, ids = l.groupType, list
			break
		}
	}
	if len(ids) == 0 {
		s.challenge(w, r) // the API answers 401 when no entity is specified
		return
	}
	s.addSubscription(w, &subscription{connID: connID, kind: subQueueGroups, groupType: level, ids: ids})
}

// subscribeAlerts creates a subscriptions/alerts subscription.
func (s *Server) subscribeAlerts(w http.ResponseWriter, r *http.Request, _ time.Time) {
	connID, ok := s.connectionOf(w, r)
	if !ok {
		return
	}
	s.addSubscription(w, &subscription{connID: connID, kind: subAlerts})
}

// connectionOf reads the request's connectionId and waits for the hub to
// know it; it answers the request itself when it cannot.
func (s *Server) connectionOf(w http.ResponseWriter, r *http.Request) (string, bool) {
	var body struct {
		ConnectionID string `json:"connectionId"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil || body.ConnectionID == "" {
		writeJSON(w, http.StatusBadRequest, map[string]string{"message": "connectionId required"})
		return "", false
	}
	if !s.awaitConnection(r.Context(), body.ConnectionID) {
		writeJSON(w, http.StatusNotFound, map[string]string{"message": "unknown connectionId"})
		return "", false
	}
	return body.ConnectionID, true
}

// addSubscription stores sub under a new id, answers with the id and wakes
// the pusher.
func (s *Server) addSubscription(w http.ResponseWriter, sub *subscription) {
	s.mu.Lock()
	s.nextSub++
	sub.id = fmt.Sprintf("sub-%d-%s", s.nextSub, randHex(4))
	sub.sent = map[int]doc{}
	s.subs[sub.id] = sub
	s.stats.SubscriptionsCreated++
	s.mu.Unlock()
	select {
	case s.kick <- struct{}{}:
	default:
	}
	writeJSON(w, http.StatusOK, map[string]string{"subscriptionId": sub.id})
}

// groupQueues returns the queue ids of one group, team or business unit.
// The simulated MBU has one group and one business unit (id 1) holding
// every team and queue.
func (s *Server) groupQueues(groupType string, id int) []int {
	var out []int
	for _, k := range s.dir.order {
		qid := s.dir.queueIDs[k]
		switch groupType {
		case "team":
			if containsInt(s.dir.queueTeams[qid], id) {
				out = append(out, qid)
			}
		default:
			if id == 1 {
				out = append(out, qid)
			}
		}
	}
	return out
}

// groupDocs builds the Group Metric Data Response of each id: its queues'
// counts summed per modality and their waiting sessions.
func (s *Server) groupDocs(groupType string, ids []int, queues map[int]doc) map[int]doc {
	out := make(map[int]doc, len(ids))
	for _, id := range ids {
		members := s.groupQueues(groupType, id)
		d := doc{
			fields:   map[string]any{"type": "queue", "groupType": groupType, "groupId": id, "entityIds": members},
			sessions: map[string]map[int64]map[string]any{},
		}
		metrics := map[string]any{}
		for _, qid := range members {
			q, ok := queues[qid]
			if !ok {
				continue
			}
			for mod, mv := range q.fields["metrics"].(map[string]any) {
				sum, _ := metrics[mod].(map[string]any)
				if sum == nil {
					sum = map[string]any{}
					metrics[mod] = sum
				}
				for k, v := range mv.(map[string]any) {
					n, _ := v.(int)
					prev, _ := sum[k].(int)
					sum[k] = prev + n
				}
			}
			for mod, bag := range q.sessions {
				dst := d.sessions[mod]
				if dst == nil {
					dst = map[int64]map[string]any{}
					d.sessions[mod] = dst
				}
				for sid, sess := range bag {
					dst[sid] = sess
				}
			}
		}
		if len(metrics) > 0 {
			d.fields["metrics"] = metrics
		}
		out[id] = d
	}
	return out
}

// alerts returns the alerts a subscription gets now: one for each queue
// modality whose waiting count reached AlertWaiting since the last push.
// The document gives alerts no shape; these carry a name, the queue and the
// count. sent remembers each queue's last counts.
func alerts(sub *subscription, queues map[int]doc, now time.Time) []any {
	ids := make([]int, 0, len(queues))
	for id := range queues {
		ids = append(ids, id)
	}
	sort.Ints(ids)
	var out []any
	for _, id := range ids {
		cur := queues[id]
		prev, seen := sub.sent[id]
		sub.sent[id] = cur
		if !seen {
			continue
		}
		for mod, bag := range cur.sessions {
			if len(bag) >= AlertWaiting && len(prev.sessions[mod]) < AlertWaiting {
				out = append(out, map[string]any{
					"type": "alert", "name": "Contacts waiting", "queueId": id, "modality": mod,
					"value": len(bag), "threshold": AlertWaiting, "time": iso(now),
				})
			}
		}
	}
	return out
}

// GroupQueueIDs returns the Connect queue ids of one group ("group"),
// team ("team") or business unit ("businessUnit"), for tests.
func (s *Server) GroupQueueIDs(groupType string, id int) []int { return s.groupQueues(groupType, id) }

// SendAlert sends one alert to every connection subscribed to alerts and
// returns how many it reached.
func (s *Server) SendAlert(alert any) int {
	s.mu.Lock()
	var conns []*hubClient
	for _, sub := range s.subs {
		if c := s.conns[sub.connID]; c != nil && sub.kind == subAlerts {
			conns = append(conns, c)
		}
	}
	s.mu.Unlock()
	for _, c := range conns {
		_ = c.send(s.method("alert"), []any{[]any{alert}})
	}
	return len(conns)
}

// method is the hub client method of a kind of gold data.
func (s *Server) method(kind string) string {
	if m := s.o.Methods[kind]; m != "" {
		return m
	}
	return map[string]string{"agent": "agentUpdate", "queue": "queueUpdate", "queueGroup": "queueGroupUpdate", "alert": "alert"}[kind]
}
