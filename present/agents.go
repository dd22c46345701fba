package present

import (
	"math"
	"strconv"
	"strings"

	"github.com/wallboard/wallboard/boards"
	"github.com/wallboard/wallboard/model"
	"github.com/wallboard/wallboard/views"
)

// palette is the wall's status colours: UJET's colour names (Material palette)
// with their approximate RGB, for mapping custom hex colours to the nearest.
type paletteColor struct {
	name    string
	r, g, b int
}

func palette() [19]paletteColor {
	return [...]paletteColor{
		{"red", 0xf4, 0x43, 0x36}, {"pink", 0xe9, 0x1e, 0x63}, {"purple", 0x9c, 0x27, 0xb0},
		{"deep_purple", 0x67, 0x3a, 0xb7}, {"indigo", 0x3f, 0x51, 0xb5}, {"blue", 0x21, 0x96, 0xf3},
		{"light_blue", 0x03, 0xa9, 0xf4}, {"cyan", 0x00, 0xbc, 0xd4}, {"teal", 0x00, 0x96, 0x88},
		{"green", 0x4c, 0xaf, 0x50}, {"light_green", 0x8b, 0xc3, 0x4a}, {"lime", 0xcd, 0xdc, 0x39},
		{"yellow", 0xff, 0xeb, 0x3b}, {"amber", 0xff, 0xc1, 0x07}, {"orange", 0xff, 0x98, 0x00},
		{"deep_orange", 0xff, 0x57, 0x22}, {"brown", 0x79, 0x55, 0x48}, {"grey", 0x9e, 0x9e, 0x9e},
		{"blue_grey", 0x60, 0x7d, 0x8b},
	}
}

// agentCard is an agent as the wall and the embeds show it.
func agentCard(a model.Agent, c boards.Check) views.Agent {
	v := views.Agent{
		Key:        DOMKey(a.Source, a.ID),
		Name:       a.Name,
		Status:     a.Status,
		State:      string(a.State),
		StateLabel: StateLabel(a.State),
		Color:      agentColor(a),
		Since:      unixMilli(a.Since),
		OnHold:     a.OnHold,
		HoldSince:  unixMilli(a.HoldSince),
		Level:      string(c.Level),
		Reason:     c.Reason,
		ReasonTick: reasonTick(c),
	}
	if !a.State.Valid() {
		v.State = string(model.StateUnknown)
	}
	if v.Status == "" {
		v.Status = v.StateLabel
	}
	return v
}

// agentColor is the colour of an agent's status: the vendor's own when it
// gives one (UJET), else the colour of the agent's state (Connect has none).
func agentColor(a model.Agent) string {
	if c := statusColor(a.StatusColor); c != "neutral" || strings.TrimSpace(a.StatusColor) != "" {
		return c
	}
	switch a.State {
	case model.StateAvailable:
		return "green"
	case model.StateBusy:
		return "light_blue"
	case model.StateWrapUp:
		return "purple"
	case model.StateAway:
		return "amber"
	case model.StateOffline:
		return "grey"
	}
	return "neutral"
}

// statusColor maps a vendor status colour to a palette name the CSS knows:
// UJET's names as they are (any case, spaces or dashes), "gray" spellings,
// hex colours to the nearest palette colour, anything else to "neutral".
func statusColor(c string) string {
	c = strings.ToLower(strings.TrimSpace(c))
	c = strings.NewReplacer(" ", "_", "-", "_", "gray", "grey").Replace(c)
	for _, p := range palette() {
		if p.name == c {
			return c
		}
	}
	if r, g, b, ok := parseHex(c); ok {
		best, bestD := "neutral", math.MaxInt
		for _, p := range palette() {
			d := (p.r-r)*(p.r-r) + (p.g-g)*(p.g-g) + (p.b-b)*(p.b-b)
			if d < bestD {
				best, bestD = p.name, d
			}
		}
		return best
	}
	return "neutral"
}

func parseHex(c string) (r, g, b int, ok bool) {
	c = strings.TrimPrefix(c, "#")
	if len(c) == 3 {
		c = string([]byte{c[0], c[0], c[1], c[1], c[2], c[2]})
	}
	if len(c) != 6 {
		return 0, 0, 0, false
	}
	v, err := strconv.ParseUint(c, 16, 32)
	if err != nil {
		return 0, 0, 0, false
	}
	return int(v >> 16 & 0xff), int(v >> 8 & 0xff), int(v & 0xff), true
}
