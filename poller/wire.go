package poller

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// The UJET Manager API's JSON, decoded tolerantly: unknown keys are ignored,
// nulls become zero values, and ids, numbers, flags and timestamps are
// accepted in whichever JSON type a server sends them (the docs themselves mix
// "agent_number": 97 and "agent_number": "77").

// ID is an identifier that may arrive as a JSON number or string. Null is "".
type ID string

// UnmarshalJSON implements json.Unmarshaler.
func (id *ID) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0:
		return errors.New("empty id")
	case string(b) == "null":
		*id = ""
	case b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*id = ID(strings.TrimSpace(s))
	case b[0] == '-' || (b[0] >= '0' && b[0] <= '9'):
		*id = ID(canonicalNumber(string(b)))
	default:
		return fmt.Errorf("id: want number or string, got %s", kindOf(b))
	}
	return nil
}

// MarshalJSON implements json.Marshaler; an ID is written as a string.
func (id ID) MarshalJSON() ([]byte, error) { return json.Marshal(string(id)) }

// canonicalNumber writes integral numbers without fraction or exponent
// (45.0 and 4.5e1 are id 45), and leaves anything else as sent.
func canonicalNumber(s string) string {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
		return s
	}
	return strconv.FormatInt(int64(f), 10)
}

// Text is a string that tolerates null (""), numbers and booleans (their
// JSON text).
type Text string

// UnmarshalJSON implements json.Unmarshaler.
func (t *Text) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0:
		return errors.New("empty text")
	case string(b) == "null":
		*t = ""
	case b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*t = Text(s)
	case b[0] == '{' || b[0] == '[':
		return fmt.Errorf("text: want string, got %s", kindOf(b))
	default:
		*t = Text(b)
	}
	return nil
}

// MarshalJSON implements json.Marshaler.
func (t Text) MarshalJSON() ([]byte, error) { return json.Marshal(string(t)) }

// Number is a JSON number that may be null, missing or sent as a numeric
// string. Valid is false when the server gave no usable number.
type Number struct {
	Value float64
	Valid bool
}

// UnmarshalJSON implements json.Unmarshaler.
func (n *Number) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	*n = Number{}
	switch {
	case len(b) == 0:
		return errors.New("empty number")
	case b[0] == '{' || b[0] == '[':
		return fmt.Errorf("number: want number, got %s", kindOf(b))
	case b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		b = []byte(strings.TrimSpace(s))
	}
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return nil // null, true/false, "" and "n/a" mean "no number"
	}
	*n = Number{Value: f, Valid: true}
	return nil
}

// MarshalJSON implements json.Marshaler; an invalid Number is null.
func (n Number) MarshalJSON() ([]byte, error) {
	if !n.Valid {
		return []byte("null"), nil
	}
	return json.Marshal(n.Value)
}

// Ptr returns the number, or nil when there is none.
func (n Number) Ptr() *float64 {
	if !n.Valid {
		return nil
	}
	v := n.Value
	return &v
}

// Flag is a boolean that tolerates null (false), "true"/"false" strings and
// 0/1 numbers.
type Flag bool

// UnmarshalJSON implements json.Unmarshaler.
func (f *Flag) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	s := string(b)
	if len(b) > 0 && b[0] == '"' {
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		s = strings.ToLower(strings.TrimSpace(s))
	}
	switch {
	case len(b) > 0 && (b[0] == '{' || b[0] == '['):
		return fmt.Errorf("flag: want boolean, got %s", kindOf(b))
	case s == "true" || s == "1" || s == "yes":
		*f = true
	default:
		*f = false
		if v, err := strconv.ParseFloat(s, 64); err == nil && v != 0 {
			*f = true
		}
	}
	return nil
}

// Timestamp is a time that may be null, empty or unparseable (all zero). It
// is kept in UTC.
type Timestamp struct{ time.Time }

var timeLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02 15:04:05Z07:00", "2006-01-02 15:04:05 MST", "2006-01-02 15:04:05"}

// UnmarshalJSON implements json.Unmarshaler.
func (t *Timestamp) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	t.Time = time.Time{}
	if len(b) == 0 || b[0] != '"' {
		if len(b) > 0 && (b[0] == '{' || b[0] == '[') {
			return fmt.Errorf("timestamp: want string, got %s", kindOf(b))
		}
		return nil // null or a number: unknown
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	s = strings.TrimSpace(s)
	for _, layout := range timeLayouts {
		if v, err := time.Parse(layout, s); err == nil {
			if v.Year() < 1 || v.Year() > 9999 {
				return nil
			}
			t.Time = v.UTC()
			return nil
		}
	}
	return nil
}

// MarshalJSON implements json.Marshaler; the zero time is null.
func (t Timestamp) MarshalJSON() ([]byte, error) {
	if t.IsZero() {
		return []byte("null"), nil
	}
	return json.Marshal(t.Format(time.RFC3339Nano))
}

// Ptr returns the time, or nil when it is unknown.
func (t Timestamp) Ptr() *time.Time {
	if t.IsZero() {
		return nil
	}
	v := t.Time
	return &v
}

func kindOf(b []byte) string {
	if len(b) == 0 {
		return "nothing"
	}
	switch b[0] {
	case '{':
		return "object"
	case '[':
		return "array"
	case '"':
		return "string"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	}
	return "number"
}

// AgentStatus is one entry of agents/current_status: a logged-in agent.
type AgentStatus struct {
	ID              ID        `json:"id"`
	Status          Text      `json:"status"`
	StatusID        ID        `json:"status_id"`
	StatusUpdatedAt Timestamp `json:"status_updated_at"`
	OnHold          Flag      `json:"on_hold"`
	OnHoldDuration  Number    `json:"on_hold_duration"` // seconds
}

// UserStatus is one entry of user_statuses (also the status object inside an
// agent).
type UserStatus struct {
	ID    ID   `json:"id"`
	WFMID ID   `json:"wfm_id"`
	Name  Text `json:"name"`
	Color Text `json:"color"`
}

// TeamRef is a team as embedded in an agent.
type TeamRef struct {
	ID   ID   `json:"id"`
	Name Text `json:"name"`
}

// AgentInfo is one entry of agents: who an agent is.
type AgentInfo struct {
	ID              ID          `json:"id"`
	FirstName       Text        `json:"first_name"`
	LastName        Text        `json:"last_name"`
	AgentNumber     Text        `json:"agent_number"`
	Status          *UserStatus `json:"status"`
	StatusUpdatedAt Timestamp   `json:"status_updated_at"`
	Online          Flag        `json:"online"`
	WrapUp          Flag        `json:"wrap_up"`
	Teams           []TeamRef   `json:"teams"`
}

// Team is one entry of teams.
type Team struct {
	ID       ID   `json:"id"`
	Name     Text `json:"name"`
	ParentID ID   `json:"parent_id"`
	Deleted  Flag `json:"deleted"`
}

// Assignment is one agent or team assignment of a menu: the language and
// channel a queue exists for.
type Assignment struct {
	Lang        Text `json:"lang"`
	QueueLevel  Text `json:"queue_level"`
	ChannelType Text `json:"channel_type"`
}

// Menu is one entry of menus. Leaf menus with assignments are queues.
type Menu struct {
	ID               ID           `json:"id"`
	Name             Text         `json:"name"`
	ParentID         ID           `json:"parent_id"`
	Position         Number       `json:"position"`
	Deleted          Flag         `json:"deleted"`
	Hidden           Flag         `json:"hidden"`
	MenuType         Text         `json:"menu_type"`
	AgentAssignments []Assignment `json:"agent_assignments"`
	TeamAssignments  []Assignment `json:"team_assignments"`
}

// MenuStatus is one entry of menus/current_status: a queue with someone
// waiting.
type MenuStatus struct {
	MenuID                ID        `json:"menu_id"`
	Lang                  Text      `json:"lang"`
	MenuPathID            ID        `json:"menu_path_id"`
	MenuPath              Text      `json:"menu_path"`
	CommType              Text      `json:"comm_type"` // "Call", "Chat"
	InQueueCount          Number    `json:"in_queue_count"`
	OldestInQueue         Timestamp `json:"oldest_in_queue"`
	OldestDurationInQueue Number    `json:"oldest_duration_in_queue"` // seconds
	TotalQueueDuration    Number    `json:"total_queue_duration"`
	AverageQueueDuration  Number    `json:"average_queue_duration"`
}

// MenuSLA is one entry of menus/sla for one channel.
type MenuSLA struct {
	MenuPathID ID     `json:"menu_path_id"`
	Lang       Text   `json:"lang"`
	MenuPath   Text   `json:"menu_path"`
	SLA        Number `json:"sla"` // percent; invalid when null
}

// QueueGroupSLA is one entry of menus/sla_by_queue_groups.
type QueueGroupSLA struct {
	QueueGroupID   ID     `json:"queue_group_id"`
	QueueGroupName Text   `json:"queue_group_name"`
	SLA            Number `json:"sla"`
}

// errHTML marks a body that is an HTML page, not JSON.
var errHTML = errors.New("got an HTML page instead of JSON")

// decodeList decodes a JSON array of T. A null body is an empty list; an
// object, an HTML page or broken JSON is an error. The error does not name the
// endpoint: the caller wraps it.
func decodeList[T any](body []byte) ([]T, error) {
	b := bytes.TrimSpace(body)
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf")) // a UTF-8 byte order mark
	if len(b) == 0 {
		return nil, errors.New("empty body")
	}
	switch b[0] {
	case '[':
	case '<':
		return nil, errHTML
	case 'n':
		if string(b) == "null" {
			return []T{}, nil
		}
		return nil, errors.New("not JSON")
	case '{':
		return nil, errors.New("want a JSON array, got an object")
	default:
		return nil, fmt.Errorf("want a JSON array, got %s", kindOf(b))
	}
	var out []T
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, err
	}
	if out == nil {
		out = []T{}
	}
	return out, nil
}

// MenuRef is a menu as embedded in a call or chat (selected_menu).
type MenuRef struct {
	ID   ID   `json:"id"`
	Name Text `json:"name"`
}

// MenuPathRef is the menu path of a call or chat.
type MenuPathRef struct {
	Name             Text `json:"name"`
	MaterializedPath Text `json:"materialized_path"`
}

// QueueDuration is one stay of a call or chat in a queue.
type QueueDuration struct {
	MenuPathID    ID        `json:"menu_path_id"`
	MenuPath      Text      `json:"menu_path"`
	Lang          Text      `json:"lang"`
	QueueDuration Number    `json:"queue_duration"`
	EndedAt       Timestamp `json:"ended_at"`
}

// HandleDuration is one agent's part of a call or chat.
type HandleDuration struct {
	MenuPathID   ID     `json:"menu_path_id"`
	Lang         Text   `json:"lang"`
	CallDuration Number `json:"call_duration"`
	ChatDuration Number `json:"chat_duration"`
	ACWDuration  Number `json:"acw_duration"`
}

// Contact is one entry of calls or chats: the fields the day counts use.
type Contact struct {
	ID              ID               `json:"id"`
	Lang            Text             `json:"lang"`
	Status          Text             `json:"status"`
	FailReason      Text             `json:"fail_reason"`
	CreatedAt       Timestamp        `json:"created_at"`
	QueuedAt        Timestamp        `json:"queued_at"`
	AssignedAt      Timestamp        `json:"assigned_at"`
	ConnectedAt     Timestamp        `json:"connected_at"`
	EndsAt          Timestamp        `json:"ends_at"`
	UpdatedAt       Timestamp        `json:"updated_at"`
	QueueDuration   Number           `json:"queue_duration"`
	WaitDuration    Number           `json:"wait_duration"`
	CallDuration    Number           `json:"call_duration"`
	ChatDuration    Number           `json:"chat_duration"`
	SelectedMenu    *MenuRef         `json:"selected_menu"`
	MenuPath        *MenuPathRef     `json:"menu_path"`
	QueueDurations  []QueueDuration  `json:"queue_durations"`
	HandleDurations []HandleDuration `json:"handle_durations"`
}
