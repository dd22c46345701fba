package boards

import (
	"hash/fnv"
	"sort"
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
	if len(f) < 2 {
		return name
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
	h := fnv.New32a()
	h.Write([]byte(source))
	h.Write([]byte{0})
	h.Write([]byte(id))
	return 1000 + int((h.Sum32()+uint32(probe)*7919)%9000)
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
	agents := make([]model.Agent, len(mb.Agents))
	copy(agents, mb.Agents)
	switch b.Names {
	case config.NamesFirstInitial:
		for i := range agents {
			agents[i].Name = FirstInitial(agents[i].Name)
		}
	case config.NamesHidden:
		// Assign labels in source/id order so that collisions resolve the
		// same way every time.
		idx := make([]int, len(agents))
		for i := range idx {
			idx[i] = i
		}
		sort.Slice(idx, func(x, y int) bool {
			a, c := agents[idx[x]], agents[idx[y]]
			if a.Source != c.Source {
				return a.Source < c.Source
			}
			return a.ID < c.ID
		})
		taken := make(map[int]bool, len(agents))
		for _, i := range idx {
			n := 0
			for probe := 0; ; probe++ {
				n = labelNumber(agents[i].Source, agents[i].ID, probe)
				if !taken[n] || probe > 9000 {
					break
				}
			}
			taken[n] = true
			agents[i].Name = "Agent " + strconv.Itoa(n)
		}
	}
	sort.SliceStable(agents, func(i, j int) bool {
		x, y := agents[i], agents[j]
		if x.Name != y.Name {
			return x.Name < y.Name
		}
		if x.Source != y.Source {
			return x.Source < y.Source
		}
		return x.ID < y.ID
	})
	mb.Agents = agents
	return mb
}
