package boards

import (
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/wallboard/wallboard/config"
	"github.com/wallboard/wallboard/model"
)

// DisplayName is agent a's name as mode shows it:
//
//	full           "Ana Martínez"
//	first_initial  "Ana M."  ("Martínez, Ana" → "Ana M."; one word stays as it is)
//	hidden         "Agent 4821", the same label for the same agent (source and id)
//
// Hidden labels of two agents can collide; ForDisplay separates them.
func DisplayName(mode config.NameMode, a model.Agent) string {
	switch mode {
	case config.NamesHidden:
		return "Agent " + strconv.Itoa(labelNumber(a.Source, a.ID, 0))
	case config.NamesFirstInitial:
		return FirstInitial(a.Name)
	}
	return a.Name
}

// FirstInitial shortens a full name to the first name and the initial of the
// last: "Ana María Martínez" → "Ana M.", "Martínez, Ana" → "Ana M.".
func FirstInitial(name string) string {
	name = strings.TrimSpace(name)
	if last, first, ok := strings.Cut(name, ","); ok && strings.TrimSpace(first) != "" && strings.TrimSpace(last) != "" {
		f := strings.Fields(first)
		l := strings.Fields(last)
		return f[0] + " " + initial(l[0])
	}
	f := strings.Fields(name)
	if len(f) < 2 || strings.Trim(f[len(f)-1], "0123456789") == "" {
		return strings.Join(f, " ") // one word, or a label like "Agent 12"
	}
	return f[0] + " " + initial(f[len(f)-1])
}

func initial(word string) string {
	r, _ := utf8.DecodeRuneInString(word)
	if r == utf8.RuneError {
		return ""
	}
	return string(unicode.ToUpper(r)) + "."
}

// labelNumber is a four-digit number from the agent's source and id; probe
// picks the next candidate when an earlier one is taken.
func labelNumber(source, id string, probe int) int {
	// FNV-1a of source, a zero byte and id.
	const offset, prime = 2166136261, 16777619
	h := uint32(offset)
	for i := 0; i < len(source); i++ {
		h = (h ^ uint32(source[i])) * prime
	}
	h *= prime
	for i := 0; i < len(id); i++ {
		h = (h ^ uint32(id[i])) * prime
	}
	return 1000 + int((h+uint32(probe)*7919)%9000)
}

// DisplayName is a's name as this board shows it (see the package function).
func (b *Board) DisplayName(a model.Agent) string { return DisplayName(b.Names, a) }

// ForDisplay returns mb with agent names as the board's name mode shows
// them, for the wall, embeds and the JSON they read; mb is not changed. In
// hidden mode labels are unique within the board and agents are sorted by
// label, so the order does not give away names either. The supervisor view,
// behind a login, uses mb itself.
func (b *Board) ForDisplay(mb model.Board) model.Board {
	if b.Names == config.NamesFull || b.Names == "" {
		return mb
	}
	names := make([]string, len(mb.Agents))
	switch b.Names {
	case config.NamesFirstInitial:
		for i := range mb.Agents {
			names[i] = FirstInitial(mb.Agents[i].Name)
		}
	case config.NamesHidden:
		// Assign labels in source/id order so that collisions resolve the
		// same way every time.
		idx := make([]int, len(mb.Agents))
		for i := range idx {
			idx[i] = i
		}
		slices.SortFunc(idx, func(x, y int) int {
			a, c := &mb.Agents[x], &mb.Agents[y]
			return cmpStrings(a.Source, c.Source, a.ID, c.ID, "", "")
		})
		taken := make(map[int]bool, len(mb.Agents))
		for _, i := range idx {
			n := 0
			for probe := 0; ; probe++ {
				n = labelNumber(mb.Agents[i].Source, mb.Agents[i].ID, probe)
				if !taken[n] || probe > 9000 {
					break
				}
			}
			taken[n] = true
			names[i] = "Agent " + strconv.Itoa(n)
		}
	default:
		for i := range mb.Agents {
			names[i] = mb.Agents[i].Name
		}
	}
	order := make([]int, len(mb.Agents))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(x, y int) int {
		a, c := &mb.Agents[x], &mb.Agents[y]
		return cmpStrings(names[x], names[y], a.Source, c.Source, a.ID, c.ID)
	})
	agents := make([]model.Agent, len(mb.Agents))
	for k, i := range order {
		agents[k] = mb.Agents[i]
		agents[k].Name = names[i]
	}
	mb.Agents = agents
	return mb
}
