package model

import (
	"strings"
	"sync/atomic"
)

// StatusMap maps a vendor's status names to normalized states. Vendors let
// customers define their own statuses, so the mapping is data: defaults for
// the statuses every installation has, overridden from configuration.
//
// A configuration reload swaps a new mapping into the running one (Replace)
// while pollers read it; it is safe for concurrent use.
type StatusMap struct {
	table atomic.Pointer[statusTable]
}

type statusTable struct {
	byName   map[string]State // keyed by folded status name
	fallback State
}

// DefaultUJETStatuses are UJET's built-in user statuses (see the Manager API's
// user_statuses example) and their states. Custom statuses fall back to away:
// an agent in a status the wall does not know is not taking contacts.
func DefaultUJETStatuses() map[string]State {
	return map[string]State{
		"Available":    StateAvailable,
		"Unavailable":  StateAway,
		"Break":        StateAway,
		"Special Task": StateAway,
		"Meal":         StateAway,
		"Missed Call":  StateAway,
		"Wrap-up":      StateWrapUp,
		"Wrap Up":      StateWrapUp,
		"In-call":      StateBusy,
		"In-chat":      StateBusy,
		"In-Call":      StateBusy,
		"In-Chat":      StateBusy,
		"On Call":      StateBusy,
		"On Chat":      StateBusy,
		"Offline":      StateOffline,
		"Logged Out":   StateOffline,
	}
}

// NewStatusMap returns a map of defaults overridden by overrides; names are
// compared without regard to case, spaces, dashes and underscores. Statuses in
// neither fall back to fallback (StateAway when empty).
func NewStatusMap(defaults, overrides map[string]State, fallback State) *StatusMap {
	if fallback == "" {
		fallback = StateAway
	}
	t := &statusTable{byName: make(map[string]State, len(defaults)+len(overrides)), fallback: fallback}
	for k, v := range defaults {
		t.byName[foldStatus(k)] = v
	}
	for k, v := range overrides {
		t.byName[foldStatus(k)] = v
	}
	m := &StatusMap{}
	m.table.Store(t)
	return m
}

// Replace makes m map as from does, from now on: its users see the new
// mapping at their next normalization.
func (m *StatusMap) Replace(from *StatusMap) {
	m.table.Store(from.table.Load())
}

// State returns the state of a status name. An empty name is StateUnknown.
func (m *StatusMap) State(status string) State {
	if strings.TrimSpace(status) == "" {
		return StateUnknown
	}
	t := m.table.Load()
	if s, ok := t.byName[foldStatus(status)]; ok {
		return s
	}
	return t.fallback
}

// Lookup returns the state of a status name and whether the name is mapped
// (by the defaults or an override), without the fallback.
func (m *StatusMap) Lookup(status string) (State, bool) {
	if strings.TrimSpace(status) == "" {
		return StateUnknown, false
	}
	s, ok := m.table.Load().byName[foldStatus(status)]
	return s, ok
}

// FoldStatus is the form status names are compared in: lower case, without
// spaces, dashes and underscores ("Wrap-up" and "wrap up" are the same).
func FoldStatus(s string) string { return foldStatus(s) }

func foldStatus(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch r {
		case ' ', '-', '_', '\t':
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Isolate wraps s, vendor text (a name or status) about to be put in a
// sentence, in Unicode's first-strong isolate (U+2068 … U+2069): a
// direction control character in it, or a right-to-left name, cannot
// reorder the rest of the sentence in a browser or a tooltip. Elements that
// show a name alone are isolated by CSS instead (unicode-bidi: isolate).
func Isolate(s string) string {
	if s == "" {
		return s
	}
	return "\u2068" + s + "\u2069"
}
