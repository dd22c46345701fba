package connect

import (
	"fmt"
	"hash/fnv"
	"reflect"
	"sort"
	"strings"
	"time"

	"github.com/wallboard/wallboard/simulator"
)

// doc is the gold copy of one entity: plain fields plus session bags.
type doc struct {
	fields   map[string]any
	sessions map[string]map[int64]map[string]any // modality → session id → session
}

// queueKey identifies a Connect queue: a leaf menu in one language. Its
// channels are the queue's modalities.
type queueKey struct {
	MenuPathID int
	Lang       string
}

// directory gives the Center's queues stable Connect ids and names.
type directory struct {
	queueIDs   map[queueKey]int
	queueNames map[int]string
	queueTeams map[int][]int
	order      []queueKey
}

const firstQueueID = 101

func newDirectory(t simulator.Truth) *directory {
	d := &directory{queueIDs: map[queueKey]int{}, queueNames: map[int]string{}, queueTeams: map[int][]int{}}
	menus := map[int]simulator.Menu{}
	for _, m := range t.Menus {
		menus[m.ID] = m
	}
	for _, q := range t.Queues {
		k := queueKey{q.MenuPathID, q.Lang}
		if _, ok := d.queueIDs[k]; ok {
			continue
		}
		id := firstQueueID + len(d.order)
		d.queueIDs[k] = id
		d.order = append(d.order, k)
		d.queueNames[id] = QueueName(q.Path, q.Lang)
		for _, ta := range menus[q.MenuID].TeamAssignments {
			if ta.Lang == q.Lang && !containsInt(d.queueTeams[id], ta.TeamID) {
				d.queueTeams[id] = append(d.queueTeams[id], ta.TeamID)
			}
		}
	}
	return d
}

// QueueName is the Connect queue name of a simulator queue path and language.
func QueueName(path, lang string) string {
	return fmt.Sprintf("%s (%s)", path, lang)
}

func containsInt(s []int, v int) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// modality maps a simulator channel to a Connect modality.
func modality(channel string) string {
	if channel == "chat" {
		return "instantMessage"
	}
	return "audio"
}

// ConnectStatus maps a simulator (UJET) status to Connect's agentStatus,
// reasonCodeName and isSuspended.
func ConnectStatus(a simulator.Agent) (status, reason string, suspended bool) {
	if !a.LoggedIn || a.StatusID == simulator.StatusOffline {
		return "loggedOut", "", false
	}
	switch a.StatusID {
	case simulator.StatusAvailable:
		return "available", "", false
	case simulator.StatusInCall:
		return "inCall", "", false
	case simulator.StatusInChat:
		return "inImCall", "", false
	case simulator.StatusWrapUp:
		return "afterCall", "", false
	case simulator.StatusMissedCall:
		return "ringOnNoAnswer", "", true
	case simulator.StatusUnavailable:
		return "unavailable", "", false
	}
	return "unavailable", a.StatusName, false
}

// statusIDs are the numbers of Connect's Status enum (agentStatusId).
var statusIDs = map[string]int{
	"available": 1, "inCall": 2, "unavailable": 3, "unknown": 4, "afterCall": 5, "loggedOut": 6,
	"offPhoneActivity": 7, "ringOnNoAnswer": 8, "busy": 9, "beRightBack": 10, "directCall": 11,
	"inactive": 12, "inImCall": 14, "directInboundDial": 15, "directOutboundDial": 16, "atLunch": 17,
	"offWork": 18, "conferenceCall": 19, "ringing": 20,
}

// currentStatus is an agent's Connect Agent Status as the document shows it
// in both forms: agents with an odd id carry agentStatus as the enum's
// number (the Status Model's integer), the others as its name with
// agentStatusId beside it (Agent Status by Agent).
func currentStatus(a simulator.Agent) map[string]any {
	status, reason, suspended := ConnectStatus(a)
	cur := map[string]any{"startTime": iso(a.StatusSince), "isSuspended": suspended}
	if a.ID%2 == 1 {
		cur["agentStatus"] = statusIDs[status]
	} else {
		cur["agentStatus"] = status
		cur["agentStatusId"] = statusIDs[status]
	}
	if reason != "" {
		cur["reasonCodeName"] = reason
	}
	return cur
}

func iso(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

func sessionID(parts ...any) int64 {
	h := fnv.New64a()
	fmt.Fprint(h, parts...)
	return int64(h.Sum64() >> 12) // fits a JSON number exactly
}

func agentName(a simulator.Agent) string { return strings.TrimSpace(a.FirstName + " " + a.LastName) }

// agentDocs builds the gold copy of every agent.
func agentDocs(t simulator.Truth) map[int]doc {
	out := make(map[int]doc, len(t.Agents))
	for _, a := range t.Agents {
		status, _, _ := ConnectStatus(a)
		cur := currentStatus(a)
		d := doc{
			fields: map[string]any{
				"type": "agent", "id": a.ID, "name": agentName(a), "currentStatus": cur,
				"metrics": map[string]any{
					"audio":          map[string]any{"answeredCount": a.CallCount},
					"instantMessage": map[string]any{"answeredCount": a.ChatCount},
				},
			},
			sessions: map[string]map[int64]map[string]any{"audio": {}, "instantMessage": {}},
		}
		if status == "inCall" || status == "inImCall" {
			mod := "audio"
			if status == "inImCall" {
				mod = "instantMessage"
			}
			id := sessionID("agent", a.ID, a.StatusSince.UnixNano())
			s := map[string]any{"sessionId": id, "agentId": a.ID, "sessionType": "Queued", "sessionStatus": "Active", "isOnHold": a.OnHold}
			if a.OnHold && a.HoldSince != nil {
				s["holdStartTime"] = iso(*a.HoldSince)
			}
			d.sessions[mod][id] = s
		}
		out[a.ID] = d
	}
	return out
}

// queueDocs builds the gold copy of every queue: waiting sessions per
// modality and the metrics of the last hour of handled contacts.
func queueDocs(t simulator.Truth, dir *directory) map[int]doc {
	out := map[int]doc{}
	for _, q := range t.Queues {
		id, ok := dir.queueIDs[queueKey{q.MenuPathID, q.Lang}]
		if !ok {
			continue
		}
		d, ok := out[id]
		if !ok {
			d = doc{
				fields:   map[string]any{"type": "queue", "id": id, "name": dir.queueNames[id], "metrics": map[string]any{}},
				sessions: map[string]map[int64]map[string]any{},
			}
			out[id] = d
		}
		mod := modality(q.Channel)
		answered, abandoned := 0, 0
		for _, h := range t.History {
			if h.MenuPathID == q.MenuPathID && h.Lang == q.Lang && h.Channel == q.Channel {
				if h.Answered {
					answered++
				} else {
					abandoned++
				}
			}
		}
		m := map[string]any{"queuedCount": len(q.Waiting), "answeredCount": answered, "abandonedCount": abandoned}
		d.fields["metrics"].(map[string]any)[mod] = m
		bag := map[int64]map[string]any{}
		seen := map[int64]int{}
		waiting := append([]time.Time(nil), q.Waiting...)
		sort.Slice(waiting, func(i, j int) bool { return waiting[i].Before(waiting[j]) })
		for _, w := range waiting {
			base := sessionID("queue", id, mod, w.UnixNano())
			n := seen[base]
			seen[base]++
			sid := base + int64(n)
			bag[sid] = map[string]any{"sessionId": sid, "queueId": id, "sessionType": "Queued", "sessionStatus": "Queued", "startTimeStamp": iso(w)}
		}
		d.sessions[mod] = bag
	}
	return out
}

// full renders a doc as a full copy.
func (d doc) full() map[string]any {
	out := make(map[string]any, len(d.fields)+1)
	for k, v := range d.fields {
		out[k] = v
	}
	bags := map[string]any{}
	for mod, bag := range d.sessions {
		list := make([]any, 0, len(bag))
		for _, id := range sortedIDs(bag) {
			list = append(list, bag[id])
		}
		bags[mod] = map[string]any{"sessions": list}
	}
	out["sessions"] = bags
	return out
}

// diff renders what changed from prev to d, or nil when nothing did.
func (d doc) diff(prev doc) map[string]any {
	out := diffMaps(prev.fields, d.fields)
	bags := map[string]any{}
	mods := map[string]bool{}
	for m := range d.sessions {
		mods[m] = true
	}
	for m := range prev.sessions {
		mods[m] = true
	}
	for mod := range mods {
		cur, old := d.sessions[mod], prev.sessions[mod]
		var added, changed, removed []any
		for _, id := range sortedIDs(cur) {
			o, ok := old[id]
			if !ok {
				added = append(added, cur[id])
				continue
			}
			if ch := diffMaps(o, cur[id]); ch != nil {
				ch["sessionId"] = id
				changed = append(changed, ch)
			}
		}
		for _, id := range sortedIDs(old) {
			if _, ok := cur[id]; !ok {
				removed = append(removed, map[string]any{"sessionId": id})
			}
		}
		if added == nil && changed == nil && removed == nil {
			continue
		}
		bag := map[string]any{}
		if added != nil {
			bag["addedSessions"] = added
		}
		if changed != nil {
			bag["sessions"] = changed
		}
		if removed != nil {
			bag["removedSessions"] = removed
		}
		bags[mod] = bag
	}
	if len(bags) > 0 {
		if out == nil {
			out = map[string]any{}
		}
		out["sessions"] = bags
	}
	if out == nil {
		return nil
	}
	for _, k := range []string{"type", "id", "groupType", "groupId"} {
		if v, ok := d.fields[k]; ok {
			out[k] = v
		}
	}
	return out
}

// diffMaps returns the fields of cur that differ from old (recursively for
// objects) and null for fields old had and cur has not; nil when equal.
func diffMaps(old, cur map[string]any) map[string]any {
	var out map[string]any
	set := func(k string, v any) {
		if out == nil {
			out = map[string]any{}
		}
		out[k] = v
	}
	for k, v := range cur {
		ov, ok := old[k]
		if !ok {
			set(k, v)
			continue
		}
		vm, isMap := v.(map[string]any)
		om, oldMap := ov.(map[string]any)
		if isMap && oldMap {
			if ch := diffMaps(om, vm); ch != nil {
				set(k, ch)
			}
			continue
		}
		if !reflect.DeepEqual(ov, v) {
			set(k, v)
		}
	}
	for k := range old {
		if _, ok := cur[k]; !ok {
			set(k, nil)
		}
	}
	return out
}

func sortedIDs(m map[int64]map[string]any) []int64 {
	ids := make([]int64, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	return ids
}
