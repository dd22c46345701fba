package present

import (
	"cmp"
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/wallboard/wallboard/boards"
	"github.com/wallboard/wallboard/config"
	"github.com/wallboard/wallboard/model"
	"github.com/wallboard/wallboard/views"
)

// Trend spans a supervisor may pick, in hours; defaultTrendHours without ?hours=.
const (
	defaultTrendHours = 4
	maxTrendHours     = 24
)

// maxFilterLen bounds a filter value taken from the URL.
const maxFilterLen = 200

// Supervisor is the live part of the supervisor view (full names), every
// row shown.
func (p *Board) Supervisor() views.Supervisor {
	def, mb, now := p.Def, p.Full, p.Now
	v := views.Supervisor{
		BoardID:     def.ID,
		Title:       def.Title,
		Now:         now.UnixMilli(),
		StoreDown:   p.StoreDown,
		NoSources:   len(mb.Sources) == 0,
		DataSince:   p.dataSince,
		States:      p.states,
		Forecasts:   p.forecasts != nil,
		MessagesURL: p.msgURL,
		Messages:    p.msgs,
		MessageLog:  p.msgLog,
	}
	if p.StoreDown {
		v.StoreError = StoreDownText
		for _, s := range p.sources {
			s.Error = "" // the store's failure is said once, above
			v.Sources = append(v.Sources, s)
		}
	} else {
		v.Sources = p.sources
	}

	var breached int
	for _, qc := range p.Eval.Queues {
		if breach(qc.Level) {
			breached++
		}
	}
	for _, kind := range def.Tiles {
		t := tile(kind)
		c := p.tileCheck(kind)
		st := views.SupervisorTile{ID: string(kind), Label: t.SupervisorLabel(), Level: string(c.Level), Reason: c.Reason, ReasonTick: reasonTick(c)}
		switch {
		case t.Figure != nil:
			f := t.Figure(p, c)
			st.Value, st.Since, st.Title = f.Value, f.Since, f.Title
		case kind == config.TileQueueTable:
			st.Value = strconv.Itoa(breached) + " / " + strconv.Itoa(len(mb.Queues))
			st.Summary = true
		default:
			continue // agents_by_state: the state counts; agent_grid: the agent table
		}
		if st.Level == "" {
			st.Level = string(boards.LevelNone)
		}
		v.Tiles = append(v.Tiles, st)
	}

	names := map[string]bool{}
	for _, q := range mb.Queues {
		qc := p.Eval.Queue(q)
		row := views.SupervisorQueue{
			Key:          DOMKey(q.Source, q.ID),
			Source:       q.Source,
			ID:           q.ID,
			Name:         q.Name,
			Lang:         q.Lang,
			Channel:      q.Channel,
			Waiting:      q.Waiting,
			WaitingLevel: string(qc.Waiting.Level),
			OldestSince:  unixMilli(q.OldestSince),
			WaitLevel:    string(qc.LongestWait.Level),
			SLA:          Percent(q.SLAPercent),
			SLALevel:     string(qc.SLA.Level),
			Level:        string(qc.Level),
			Reason:       qc.Reason,
			ReasonTick:   reasonTick(qc.Check),
			KLongest:     views.NoTimeKey,
			Index:        len(v.Queues),
			Answered:     Count(q.Answered),
			Abandoned:    Count(q.Abandoned),
			Forecast:     p.forecastRow(q),
		}
		if q.Answered != nil {
			row.KAnswered = strconv.Itoa(*q.Answered)
		}
		if q.Abandoned != nil {
			row.KAbandoned = strconv.Itoa(*q.Abandoned)
		}
		day := dayFigures(q, p.zone(), p.Now)
		row.AbandonRate, row.AHT, row.Closed, row.Opens = day.AbandonRate, day.AHT, day.Closed, day.Opens
		if r := q.AbandonRate(); r != nil {
			row.KAbandonRate = strconv.FormatFloat(*r, 'f', -1, 64)
		}
		if q.AverageHandleSeconds != nil {
			row.KAHT = strconv.FormatFloat(*q.AverageHandleSeconds, 'f', -1, 64)
		}
		if row.OldestSince != 0 && q.Waiting > 0 {
			row.KLongest = -row.OldestSince
		}
		if q.Waiting > 0 {
			row.AvgSeconds = int64(math.Round(q.AverageWaitSeconds))
			row.AvgWait = views.Duration(time.Duration(row.AvgSeconds) * time.Second)
		}
		if q.SLAPercent != nil && !math.IsNaN(*q.SLAPercent) {
			row.SLAValue = strconv.FormatFloat(*q.SLAPercent, 'f', -1, 64)
		}
		v.Queues = append(v.Queues, row)
		names[q.Name] = true
	}
	v.QueueGroups = p.groupRows()
	v.QueueCounts, v.GroupCounts = hasCounts(mb.Queues), groupCounts(p.Full.QueueGroups)
	for n := range names {
		v.QueueNames = append(v.QueueNames, n)
	}
	slices.Sort(v.QueueNames)

	teams := map[string]bool{}
	for _, a := range mb.Agents {
		card := agentCard(a, p.Eval.Agent(a))
		row := views.SupervisorAgent{
			Key:        card.Key,
			Name:       a.Name,
			Teams:      a.Teams,
			State:      card.State,
			StateLabel: card.StateLabel,
			StateRank:  slices.Index(model.States(), model.State(card.State)),
			Status:     card.Status,
			Color:      card.Color,
			Since:      card.Since,
			OnHold:     a.OnHold,
			HoldSince:  card.HoldSince,
			Level:      card.Level,
			Reason:     card.Reason,
			Index:      len(v.Agents),
		}
		for _, t := range a.Teams {
			teams[t] = true
		}
		v.Agents = append(v.Agents, row)
	}
	for t := range teams {
		v.Teams = append(v.Teams, t)
	}
	slices.Sort(v.Teams)
	return v
}

// SupervisorFilters reads the filter and sort state from a URL query.
// Unknown sort columns and bad hours fall back to the defaults.
func SupervisorFilters(q url.Values) views.SupervisorFilters {
	clean := func(k string) string {
		v := strings.TrimSpace(q.Get(k))
		if len(v) > maxFilterLen {
			v = v[:maxFilterLen]
		}
		return v
	}
	f := views.SupervisorFilters{
		Q:     clean("q"),
		Team:  clean("team"),
		State: clean("state"),
		Queue: clean("queue"),
		Sort:  clean("sort"),
		QSort: clean("qsort"),
		Hours: defaultTrendHours,
	}
	if !slices.Contains(agentSortColumns(), strings.TrimPrefix(f.Sort, "-")) {
		f.Sort = ""
	}
	if !slices.Contains(queueSortColumns(), strings.TrimPrefix(f.QSort, "-")) {
		f.QSort = ""
	}
	if !model.State(f.State).Valid() {
		f.State = ""
	}
	if h, err := strconv.Atoi(q.Get("hours")); err == nil && h >= 1 && h <= maxTrendHours {
		f.Hours = h
	}
	return f
}

func agentSortColumns() []string { return []string{"name", "team", "state", "status", "time", "hold"} }

func queueSortColumns() []string {
	return []string{"name", "lang", "channel", "waiting", "longest", "avg", "sla", "answered", "abandoned", "abandon_rate", "aht", "level"}
}

// ApplySupervisorFilters hides the rows f filters out and orders the rows
// as f sorts them, as static/supervisor.js does in the browser, for the first
// render of a page.
func ApplySupervisorFilters(v *views.Supervisor, f views.SupervisorFilters) {
	q := strings.ToLower(f.Q)
	for i := range v.Agents {
		a := &v.Agents[i]
		a.Hidden = (q != "" && !strings.Contains(strings.ToLower(a.Name), q)) ||
			(f.Team != "" && !slices.Contains(a.Teams, f.Team)) ||
			(f.State != "" && a.State != f.State)
		if !a.Hidden {
			v.AgentsShown++
		}
	}
	for i := range v.Queues {
		r := &v.Queues[i]
		r.Hidden = !svQueueMatches(r.Name, f.Queue)
		if !r.Hidden {
			v.QueuesShown++
		}
	}
	if col, desc := svSortSpec(f.Sort); col != "" {
		key := func(a views.SupervisorAgent) svSortKey {
			switch col {
			case "team":
				return svTextKey(strings.Join(a.Teams, ", "))
			case "state":
				return svNumKey(float64(a.StateRank))
			case "status":
				return svTextKey(a.Status)
			case "time":
				if a.Since == 0 {
					return svSortKey{}
				}
				return svNumKey(float64(-a.Since))
			case "hold":
				if !a.OnHold {
					return svSortKey{}
				}
				if a.HoldSince == 0 {
					return svNumKey(float64(views.NoTimeKey))
				}
				return svNumKey(float64(-a.HoldSince))
			}
			return svTextKey(a.Name)
		}
		slices.SortStableFunc(v.Agents, func(x, y views.SupervisorAgent) int { return svCompare(key(x), key(y), desc) })
	}
	if col, desc := svSortSpec(f.QSort); col != "" {
		key := func(r views.SupervisorQueue) svSortKey {
			switch col {
			case "lang":
				return svTextKey(r.Lang)
			case "channel":
				return svTextKey(r.Channel)
			case "waiting":
				return svNumKey(float64(r.Waiting))
			case "longest":
				return svNumKey(float64(r.KLongest))
			case "avg":
				return svNumKey(float64(r.AvgSeconds))
			case "sla":
				if r.SLAValue == "" {
					return svSortKey{}
				}
				n, _ := strconv.ParseFloat(r.SLAValue, 64)
				return svNumKey(n)
			case "answered", "abandoned", "abandon_rate", "aht":
				k := map[string]string{"answered": r.KAnswered, "abandoned": r.KAbandoned, "abandon_rate": r.KAbandonRate, "aht": r.KAHT}[col]
				if k == "" {
					return svSortKey{}
				}
				n, _ := strconv.ParseFloat(k, 64)
				return svNumKey(n)
			case "level":
				return svNumKey(float64(views.LevelRank(r.Level)))
			}
			return svTextKey(r.Name)
		}
		slices.SortStableFunc(v.Queues, func(x, y views.SupervisorQueue) int { return svCompare(key(x), key(y), desc) })
	}
}

// svQueueMatches reports whether a queue named name passes the queue filter
// f: f is a prefix of the name or of a part of its path ("Billing" matches
// "Support / Billing EN"), without regard to case.
func svQueueMatches(name, f string) bool {
	if f == "" {
		return true
	}
	name, f = strings.ToLower(name), strings.ToLower(f)
	if strings.HasPrefix(name, f) {
		return true
	}
	for i := 0; i < len(name); i++ {
		if name[i] == '/' || name[i] == '>' {
			if strings.HasPrefix(strings.TrimSpace(name[i+1:]), f) {
				return true
			}
		}
	}
	return false
}

// svSortSpec splits "-col" into col and descending.
func svSortSpec(s string) (col string, desc bool) {
	if c, ok := strings.CutPrefix(s, "-"); ok {
		return c, true
	}
	return s, false
}

// svSortKey is a row's value in a column: text, a number, or missing (rows
// without a value sort last in either direction).
type svSortKey struct {
	ok   bool
	num  bool
	n    float64
	text string
}

func svTextKey(s string) svSortKey { return svSortKey{ok: s != "", text: strings.ToLower(s)} }
func svNumKey(n float64) svSortKey { return svSortKey{ok: true, num: true, n: n} }

func svCompare(x, y svSortKey, desc bool) int {
	switch {
	case !x.ok && !y.ok:
		return 0
	case !x.ok:
		return 1
	case !y.ok:
		return -1
	}
	var c int
	if x.num {
		c = cmp.Compare(x.n, y.n)
	} else {
		c = strings.Compare(x.text, y.text)
	}
	if desc {
		c = -c
	}
	return c
}
