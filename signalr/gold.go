package signalr

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Kind says which hub method delivered a gold-data message.
type Kind string

// The kinds of gold data, one per hub client method (see Methods).
const (
	KindAgent          Kind = "agent"
	KindQueue          Kind = "queue"
	KindAgentAggregate Kind = "agentAggregate"
	KindAgentGroup     Kind = "agentGroup"
	KindQueueAggregate Kind = "queueAggregate"
	KindQueueGroup     Kind = "queueGroup"
	KindAlert          Kind = "alert"
)

// Kinds lists every kind.
func Kinds() []Kind {
	return []Kind{KindAgent, KindQueue, KindAgentAggregate, KindAgentGroup, KindQueueAggregate, KindQueueGroup, KindAlert}
}

// ErrMalformed marks a message that is not JSON or has a known field of the
// wrong type; ErrUnknownShape one that is JSON but not a Realtime Data
// Response (no id, not an object, another entity type). Both are skipped.
var (
	ErrMalformed    = errors.New("malformed gold data")
	ErrUnknownShape = errors.New("unknown-shaped gold data")
)

// maxAlerts bounds the alerts a State keeps.
const maxAlerts = 50

// Entity is the merged gold data of one agent, queue, aggregate or group.
type Entity struct {
	Kind      Kind
	Key       string // the id; "groupType/groupId" for groups; the sorted entity ids for aggregates
	Type      string
	Name      string
	EntityIDs []string
	// Metrics are the metric bags: modality ("audio", "instantMessage",
	// "message", "agnostic") → metric name → value (json.Number or object).
	Metrics map[string]map[string]any
	// Sessions are the session bags: modality → session id → fields.
	Sessions map[string]map[string]*Session
	// Status is the current status (agentStatus, reasonCodeName, startTime, isSuspended, …).
	Status     map[string]any
	History    []map[string]any
	Breakdowns map[string]map[string]any // keyed by queueId (or id)
}

// Session is one session of a session bag.
type Session struct {
	Fields map[string]any
	// FirstSeen is when the session was added, for sessions without a start time.
	FirstSeen time.Time
}

// State is the gold data of one SignalR connection, merged from full copies
// and diffs. The first message for an entity creates it (a full copy); later
// ones are diffs merged into it: object fields are merged recursively, a null
// value removes the field, arrays replace, addedSessions and sessions upsert
// sessions field by field, removedSessions remove them, breakdowns replaces
// all breakdowns, addedBreakdowns upserts, removedBreakdowns removes. Every
// operation is idempotent. State is not safe for concurrent use.
type State struct {
	entities map[Kind]map[string]*Entity
	alerts   []map[string]any
	now      func() time.Time
}

// NewState returns an empty state; now (time.Now when nil) stamps sessions
// that carry no start time.
func NewState(now func() time.Time) *State {
	if now == nil {
		now = time.Now
	}
	s := &State{now: now}
	s.Reset()
	return s
}

// Reset forgets everything: after a reconnect nothing survives unless re-sent.
func (s *State) Reset() {
	s.entities = map[Kind]map[string]*Entity{}
	s.alerts = nil
}

// Len returns how many entities of kind the state holds.
func (s *State) Len(kind Kind) int { return len(s.entities[kind]) }

// Entity returns the entity of kind with key.
func (s *State) Entity(kind Kind, key string) (*Entity, bool) {
	e, ok := s.entities[kind][key]
	return e, ok
}

// Entities returns the entities of kind sorted by key.
func (s *State) Entities(kind Kind) []*Entity {
	out := make([]*Entity, 0, len(s.entities[kind]))
	for _, e := range s.entities[kind] {
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool { return lessKey(out[i].Key, out[j].Key) })
	return out
}

// Alerts returns the latest alerts, oldest first.
func (s *State) Alerts() []map[string]any { return s.alerts }

// Apply merges one hub message: a Realtime Data Response object or an array
// of them. Bad elements of an array are skipped and reported; the good ones
// are applied. A rejected element changes nothing.
func (s *State) Apply(kind Kind, payload []byte) error {
	v, err := decodeJSON(payload)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	switch t := v.(type) {
	case map[string]any:
		return s.applyOne(kind, t)
	case []any:
		var errs []error
		for i, el := range t {
			m, ok := el.(map[string]any)
			if !ok {
				errs = append(errs, fmt.Errorf("element %d: %w: %s instead of an object", i, ErrUnknownShape, jsonKind(el)))
				continue
			}
			if err := s.applyOne(kind, m); err != nil {
				errs = append(errs, fmt.Errorf("element %d: %w", i, err))
			}
		}
		return errors.Join(errs...)
	default:
		return fmt.Errorf("%w: %s instead of an object or array", ErrUnknownShape, jsonKind(v))
	}
}

func decodeJSON(b []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	if d.More() {
		return nil, errors.New("trailing data after JSON value")
	}
	return v, nil
}

// patch is a validated message, ready to apply.
type patch struct {
	key, typ  string
	name      *string
	entityIDs []string
	metrics   map[string]any // modality → object or nil
	sessions  map[string]sessionPatch
	hasStatus bool
	status    map[string]any // nil clears
	history   []map[string]any
	histOne   bool
	breakAll  []map[string]any
	hasAll    bool
	breakAdd  []map[string]any
	breakDel  []string
}

type sessionPatch struct {
	clear   bool // the modality is null
	upserts []map[string]any
	removes []string
}

func (s *State) applyOne(kind Kind, m map[string]any) error {
	if kind == KindAlert {
		s.alerts = append(s.alerts, m)
		if len(s.alerts) > maxAlerts {
			s.alerts = s.alerts[len(s.alerts)-maxAlerts:]
		}
		return nil
	}
	p, err := parsePatch(kind, m)
	if err != nil {
		return err
	}
	byKey := s.entities[kind]
	if byKey == nil {
		byKey = map[string]*Entity{}
		s.entities[kind] = byKey
	}
	e := byKey[p.key]
	if e == nil {
		e = &Entity{Kind: kind, Key: p.key}
		byKey[p.key] = e
	}
	s.merge(e, p)
	return nil
}

func parsePatch(kind Kind, m map[string]any) (patch, error) {
	var p patch
	if v, ok := m["type"]; ok && v != nil {
		t, ok := v.(string)
		if !ok {
			return p, fmt.Errorf("%w: type is %s", ErrMalformed, jsonKind(v))
		}
		if !typeFits(kind, t) {
			return p, fmt.Errorf("%w: type %q sent as %s", ErrUnknownShape, t, kind)
		}
		p.typ = t
	}
	if v, ok := m["entityIds"]; ok && v != nil {
		arr, ok := v.([]any)
		if !ok {
			return p, fmt.Errorf("%w: entityIds is %s", ErrMalformed, jsonKind(v))
		}
		for _, el := range arr {
			id, ok := idString(el)
			if !ok {
				return p, fmt.Errorf("%w: entity id is %s", ErrMalformed, jsonKind(el))
			}
			p.entityIDs = append(p.entityIDs, id)
		}
		sort.Slice(p.entityIDs, func(i, j int) bool { return lessKey(p.entityIDs[i], p.entityIDs[j]) })
	}
	switch kind {
	case KindAgent, KindQueue:
		id, ok := idString(m["id"])
		if !ok {
			return p, fmt.Errorf("%w: no numeric id", ErrUnknownShape)
		}
		p.key = id
	case KindAgentGroup, KindQueueGroup:
		id, ok := idString(m["groupId"])
		if !ok {
			return p, fmt.Errorf("%w: no numeric groupId", ErrUnknownShape)
		}
		gt, _ := m["groupType"].(string)
		p.key = strings.ToLower(gt) + "/" + id
	case KindAgentAggregate, KindQueueAggregate:
		p.key = strings.Join(p.entityIDs, ",")
		if id, ok := idString(m["id"]); ok {
			p.key = id
		}
	default:
		return p, fmt.Errorf("%w: unknown kind %q", ErrUnknownShape, kind)
	}
	if v, ok := m["name"]; ok {
		switch n := v.(type) {
		case nil:
			empty := ""
			p.name = &empty
		case string:
			p.name = &n
		default:
			return p, fmt.Errorf("%w: name is %s", ErrMalformed, jsonKind(v))
		}
	}
	if v, ok := m["metrics"]; ok && v != nil {
		bag, ok := v.(map[string]any)
		if !ok {
			return p, fmt.Errorf("%w: metrics is %s", ErrMalformed, jsonKind(v))
		}
		for mod, mv := range bag {
			if _, ok := mv.(map[string]any); !ok && mv != nil {
				return p, fmt.Errorf("%w: metrics.%s is %s", ErrMalformed, mod, jsonKind(mv))
			}
		}
		p.metrics = bag
	}
	if v, ok := m["sessions"]; ok && v != nil {
		bag, ok := v.(map[string]any)
		if !ok {
			return p, fmt.Errorf("%w: sessions is %s", ErrMalformed, jsonKind(v))
		}
		p.sessions = map[string]sessionPatch{}
		for mod, mv := range bag {
			sp, err := parseSessionBag(mod, mv)
			if err != nil {
				return p, err
			}
			p.sessions[mod] = sp
		}
	}
	if v, ok := m["currentStatus"]; ok {
		p.hasStatus = true
		switch st := v.(type) {
		case nil:
		case map[string]any:
			p.status = st
		case string: // the dictionary calls it a string; accept the bare status name
			p.status = map[string]any{"agentStatus": st}
		default:
			return p, fmt.Errorf("%w: currentStatus is %s", ErrMalformed, jsonKind(v))
		}
	}
	if v, ok := m["statusHistory"]; ok && v != nil {
		switch h := v.(type) {
		case map[string]any:
			p.history, p.histOne = []map[string]any{h}, true
		case []any:
			objs, err := objects("statusHistory", h)
			if err != nil {
				return p, err
			}
			p.history = objs
			if p.history == nil {
				p.history = []map[string]any{}
			}
		default:
			return p, fmt.Errorf("%w: statusHistory is %s", ErrMalformed, jsonKind(v))
		}
	}
	var err error
	if v, ok := m["breakdowns"]; ok && v != nil {
		arr, ok := v.([]any)
		if !ok {
			return p, fmt.Errorf("%w: breakdowns is %s", ErrMalformed, jsonKind(v))
		}
		if p.breakAll, err = keyedObjects("breakdowns", arr); err != nil {
			return p, err
		}
		p.hasAll = true
	}
	if v, ok := m["addedBreakdowns"]; ok && v != nil {
		arr, ok := v.([]any)
		if !ok {
			return p, fmt.Errorf("%w: addedBreakdowns is %s", ErrMalformed, jsonKind(v))
		}
		if p.breakAdd, err = keyedObjects("addedBreakdowns", arr); err != nil {
			return p, err
		}
	}
	if v, ok := m["removedBreakdowns"]; ok && v != nil {
		arr, ok := v.([]any)
		if !ok {
			return p, fmt.Errorf("%w: removedBreakdowns is %s", ErrMalformed, jsonKind(v))
		}
		for _, el := range arr {
			k, ok := idString(el)
			if o, isObj := el.(map[string]any); isObj {
				k, ok = breakdownKey(o)
			}
			if !ok {
				return p, fmt.Errorf("%w: removed breakdown without queueId", ErrMalformed)
			}
			p.breakDel = append(p.breakDel, k)
		}
	}
	return p, nil
}

func parseSessionBag(mod string, v any) (sessionPatch, error) {
	var sp sessionPatch
	if v == nil {
		sp.clear = true
		return sp, nil
	}
	bag, ok := v.(map[string]any)
	if !ok {
		return sp, fmt.Errorf("%w: sessions.%s is %s", ErrMalformed, mod, jsonKind(v))
	}
	for _, field := range []string{"addedSessions", "sessions"} {
		fv, ok := bag[field]
		if !ok || fv == nil {
			continue
		}
		arr, ok := fv.([]any)
		if !ok {
			return sp, fmt.Errorf("%w: sessions.%s.%s is %s", ErrMalformed, mod, field, jsonKind(fv))
		}
		for _, el := range arr {
			o, ok := el.(map[string]any)
			if !ok {
				return sp, fmt.Errorf("%w: sessions.%s.%s holds %s", ErrMalformed, mod, field, jsonKind(el))
			}
			if _, ok := idString(o["sessionId"]); !ok {
				return sp, fmt.Errorf("%w: session without sessionId in sessions.%s.%s", ErrMalformed, mod, field)
			}
			sp.upserts = append(sp.upserts, o)
		}
	}
	if fv, ok := bag["removedSessions"]; ok && fv != nil {
		arr, ok := fv.([]any)
		if !ok {
			return sp, fmt.Errorf("%w: sessions.%s.removedSessions is %s", ErrMalformed, mod, jsonKind(fv))
		}
		for _, el := range arr {
			id, ok := idString(el)
			if o, isObj := el.(map[string]any); isObj {
				id, ok = idString(o["sessionId"])
			}
			if !ok {
				return sp, fmt.Errorf("%w: removed session without sessionId in sessions.%s", ErrMalformed, mod)
			}
			sp.removes = append(sp.removes, id)
		}
	}
	return sp, nil
}

func objects(field string, arr []any) ([]map[string]any, error) {
	var out []map[string]any
	for _, el := range arr {
		o, ok := el.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%w: %s holds %s", ErrMalformed, field, jsonKind(el))
		}
		out = append(out, o)
	}
	return out, nil
}

func keyedObjects(field string, arr []any) ([]map[string]any, error) {
	out, err := objects(field, arr)
	if err != nil {
		return nil, err
	}
	for _, o := range out {
		if _, ok := breakdownKey(o); !ok {
			return nil, fmt.Errorf("%w: %s entry without queueId", ErrMalformed, field)
		}
	}
	if out == nil {
		out = []map[string]any{}
	}
	return out, nil
}

func breakdownKey(o map[string]any) (string, bool) {
	if k, ok := idString(o["queueId"]); ok {
		return k, true
	}
	return idString(o["id"])
}

func typeFits(kind Kind, t string) bool {
	t = strings.ToLower(t)
	switch kind {
	case KindAgent, KindAgentAggregate, KindAgentGroup:
		return t == "agent" || t == ""
	case KindQueue, KindQueueAggregate, KindQueueGroup:
		return t == "queue" || t == ""
	}
	return false
}

func (s *State) merge(e *Entity, p patch) {
	if p.typ != "" {
		e.Type = p.typ
	}
	if p.name != nil {
		e.Name = *p.name
	}
	if p.entityIDs != nil {
		e.EntityIDs = p.entityIDs
	}
	for mod, mv := range p.metrics {
		if mv == nil {
			delete(e.Metrics, mod)
			continue
		}
		if e.Metrics == nil {
			e.Metrics = map[string]map[string]any{}
		}
		dst := e.Metrics[mod]
		if dst == nil {
			dst = map[string]any{}
			e.Metrics[mod] = dst
		}
		mergeMap(dst, mv.(map[string]any))
	}
	for mod, sp := range p.sessions {
		if sp.clear {
			delete(e.Sessions, mod)
			continue
		}
		if e.Sessions == nil {
			e.Sessions = map[string]map[string]*Session{}
		}
		bag := e.Sessions[mod]
		if bag == nil {
			bag = map[string]*Session{}
			e.Sessions[mod] = bag
		}
		for _, o := range sp.upserts {
			id, _ := idString(o["sessionId"])
			sess := bag[id]
			if sess == nil {
				sess = &Session{Fields: map[string]any{}, FirstSeen: s.now()}
				bag[id] = sess
			}
			mergeMap(sess.Fields, o)
		}
		for _, id := range sp.removes {
			delete(bag, id)
		}
	}
	if p.hasStatus {
		if p.status == nil {
			e.Status = nil
		} else {
			if e.Status == nil {
				e.Status = map[string]any{}
			}
			mergeMap(e.Status, p.status)
		}
	}
	if p.history != nil {
		if p.histOne {
			h := p.history[0]
			if n := len(e.History); n == 0 || !sameStatus(e.History[n-1], h) {
				e.History = append(e.History, copyMap(h))
			}
		} else {
			e.History = make([]map[string]any, 0, len(p.history))
			for _, h := range p.history {
				e.History = append(e.History, copyMap(h))
			}
		}
	}
	if p.hasAll {
		e.Breakdowns = map[string]map[string]any{}
		for _, o := range p.breakAll {
			k, _ := breakdownKey(o)
			e.Breakdowns[k] = copyMap(o)
		}
	}
	for _, o := range p.breakAdd {
		if e.Breakdowns == nil {
			e.Breakdowns = map[string]map[string]any{}
		}
		k, _ := breakdownKey(o)
		if dst := e.Breakdowns[k]; dst != nil {
			mergeMap(dst, o)
		} else {
			e.Breakdowns[k] = copyMap(o)
		}
	}
	for _, k := range p.breakDel {
		delete(e.Breakdowns, k)
	}
}

func sameStatus(a, b map[string]any) bool {
	return fmt.Sprint(a["agentStatus"]) == fmt.Sprint(b["agentStatus"]) && fmt.Sprint(a["startTime"]) == fmt.Sprint(b["startTime"])
}

// mergeMap merges src into dst: objects recursively, null deletes, anything
// else replaces. dst never shares maps with src.
func mergeMap(dst, src map[string]any) {
	for k, v := range src {
		switch sv := v.(type) {
		case nil:
			delete(dst, k)
		case map[string]any:
			if dv, ok := dst[k].(map[string]any); ok {
				mergeMap(dv, sv)
			} else {
				dst[k] = copyMap(sv)
			}
		default:
			dst[k] = copyValue(v)
		}
	}
}

func copyMap(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		if v == nil {
			continue
		}
		out[k] = copyValue(v)
	}
	return out
}

func copyValue(v any) any {
	switch t := v.(type) {
	case map[string]any:
		return copyMap(t)
	case []any:
		out := make([]any, len(t))
		for i, el := range t {
			out[i] = copyValue(el)
		}
		return out
	}
	return v
}

// idString returns a JSON integer (or a string of digits) as a string.
func idString(v any) (string, bool) {
	switch t := v.(type) {
	case json.Number:
		if i, err := t.Int64(); err == nil {
			return strconv.FormatInt(i, 10), true
		}
	case float64:
		if t == float64(int64(t)) {
			return strconv.FormatInt(int64(t), 10), true
		}
	case string:
		if i, err := strconv.ParseInt(strings.TrimSpace(t), 10, 64); err == nil {
			return strconv.FormatInt(i, 10), true
		}
	}
	return "", false
}

// lessKey orders numeric keys numerically, others as strings.
func lessKey(a, b string) bool {
	x, errA := strconv.ParseInt(a, 10, 64)
	y, errB := strconv.ParseInt(b, 10, 64)
	if errA == nil && errB == nil {
		return x < y
	}
	return a < b
}

func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case map[string]any:
		return "an object"
	case []any:
		return "an array"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case json.Number, float64:
		return "a number"
	}
	return fmt.Sprintf("%T", v)
}
