package ujet

import (
	"encoding/json"
	"fmt"
)

// FaultKind is a way a response can go wrong.
type FaultKind int

// Fault kinds.
const (
	FaultStatus500     FaultKind = iota + 1 // 500 with a JSON error
	FaultUnauthorized                       // 401 with WWW-Authenticate, as if the token were wrong
	FaultTooMany                            // 429 with Retry-After: 2
	FaultMalformedJSON                      // 200 with the real body cut in half
	FaultHTML                               // 502 with an HTML error page, as a proxy in front would send
	FaultSlow                               // sleeps Options.SlowDelay (default 10s) before answering, unless the client gives up
	FaultNullFields                         // valid JSON with null in every optional field
	FaultExtraFields                        // valid JSON with unknown keys added to every object
	FaultHTMLOK                             // 200 with an HTML page (a maintenance page) instead of JSON
)

func (k FaultKind) String() string {
	switch k {
	case FaultStatus500:
		return "500"
	case FaultUnauthorized:
		return "401"
	case FaultTooMany:
		return "429"
	case FaultMalformedJSON:
		return "malformed JSON"
	case FaultHTML:
		return "HTML 502"
	case FaultSlow:
		return "slow"
	case FaultNullFields:
		return "null fields"
	case FaultExtraFields:
		return "extra fields"
	case FaultHTMLOK:
		return "HTML 200"
	}
	return fmt.Sprintf("FaultKind(%d)", int(k))
}

// Fault makes the next Count requests to Path fail as Kind.
type Fault struct {
	Path  string // endpoint below /manager/api/v1/, e.g. "agents/current_status"; "" matches any
	Kind  FaultKind
	Count int // how many requests; default 1
}

// Inject queues f for the next matching request(s). Faults apply only to
// requests that pass the rate limit and auth; queued faults match in the
// order they were injected.
func (h *Handler) Inject(f Fault) {
	if f.Count <= 0 {
		f.Count = 1
	}
	h.mu.Lock()
	h.faults = append(h.faults, f)
	h.mu.Unlock()
}

// takeFault consumes one use of the first fault matching endpoint. Callers
// hold h.mu.
func (h *Handler) takeFault(endpoint string) *Fault {
	for i := range h.faults {
		f := h.faults[i]
		if f.Path != "" && f.Path != endpoint {
			continue
		}
		h.faults[i].Count--
		if h.faults[i].Count <= 0 {
			h.faults = append(h.faults[:i], h.faults[i+1:]...)
		}
		return &f
	}
	return nil
}

// transform re-decodes v as generic JSON and applies f to every object.
func transform(v any, f func(map[string]any)) any {
	var g any
	if err := json.Unmarshal(encode(v), &g); err != nil {
		return v
	}
	walk(g, f)
	return g
}

func walk(v any, f func(map[string]any)) {
	switch x := v.(type) {
	case map[string]any:
		for _, c := range x {
			walk(c, f)
		}
		f(x)
	case []any:
		for _, c := range x {
			walk(c, f)
		}
	}
}

// optionalFields are the keys the vendor's examples show as null somewhere,
// or that a client cannot count on.
func optionalFields() []string {
	return []string{
		"middle_name", "avatar_url", "agent_number", "location", "last_login_time",
		"status_updated_at", "parent_id", "output_msg", "email", "color", "wfm_id",
		"teams", "channels", "assignees", "agent_assignments", "team_assignments",
		"on_hold_duration", "oldest_in_queue", "sla", "menu_path", "created_at",
	}
}

func nullOptional(m map[string]any) {
	for _, k := range optionalFields() {
		if _, ok := m[k]; ok {
			m[k] = nil
		}
	}
}

func addExtra(m map[string]any) {
	m["x_sim_unknown_string"] = "surprise"
	m["x_sim_unknown_number"] = 42.5
	m["x_sim_unknown_object"] = map[string]any{"nested": []any{1, "two", nil, true}}
	m["x_sim_unknown_null"] = nil
}
