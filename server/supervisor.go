package server

// The supervisor view: GET /boards/{id}/supervisor and its websocket
// /boards/{id}/supervisor/ws, for signed-in supervisors only (full names).
//
// The server renders every queue and agent of the board, with threshold
// levels and reasons; static/supervisor.js filters and sorts the rows in the
// browser as the page's URL query says (q, team, state, queue, sort, qsort,
// hours), re-applies that after every live update, draws the sparklines from
// GET /api/v1/boards/{id}/history and lists breaches as levels rise. The
// first page render applies the URL's filters and sorting itself, so a
// bookmarked view is right before any script runs.

import (
	"bytes"
	"cmp"
	"context"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/wallboard/wallboard/access"
	"github.com/wallboard/wallboard/boards"
	"github.com/wallboard/wallboard/config"
	"github.com/wallboard/wallboard/model"
	"github.com/wallboard/wallboard/views"
)

// viewSupervisor is the supervisor view's name with the hub.
const viewSupervisor = "supervisor"

// Asset names of the supervisor page, in package static.
const (
	assetSupervisorCSS = "supervisor.css"
	assetSupervisorJS  = "supervisor.js"
)

// Trend spans a supervisor may pick, in hours; defaultTrendHours without ?hours=.
const (
	defaultTrendHours = 4
	maxTrendHours     = 24
)

// maxFilterLen bounds a filter value taken from the URL.
const maxFilterLen = 200

// mountSupervisor mounts the supervisor routes and registers the view; New
// calls it through routes.
func (s *Server) mountSupervisor(r router) {
	s.registerView(viewSupervisor, s.renderSupervisor)
	r.user("/boards/:id/supervisor", s.handleSupervisor)
	r.supervisorLive("/boards/:id/supervisor/ws", s.handleSupervisorWS)
}

// supervisorLive mounts a supervisor websocket: a signed-in supervisor (a
// display cookie, valid under /boards/{id}, is not enough: this view shows
// full names) with an allowed Origin.
func (r router) supervisorLive(path string, h echo.HandlerFunc) {
	if r.g == nil {
		r.e.GET(path, h)
		return
	}
	r.e.GET(path, h, echo.WrapMiddleware(r.g.RequireUser), echo.WrapMiddleware(r.g.RequireSameCredentials(access.PathSegment(1))))
}

func (s *Server) handleSupervisorWS(c echo.Context) error {
	return s.serveLive(c, c.Param("id"), viewSupervisor)
}

// handleSupervisor renders the whole supervisor page from a fresh snapshot,
// with the URL's filters applied.
func (s *Server) handleSupervisor(c echo.Context) error {
	def, mb, storeDown, ok := s.boardData(c.Request().Context(), c.Param("id"))
	if !ok {
		return s.notFound(c, "Board "+c.Param("id"))
	}
	now := mb.GeneratedAt
	f := supervisorFilters(c.QueryParams())
	v := supervisorView(&def, mb, now, storeDown)
	applySupervisorFilters(&v, f)
	p := views.SupervisorPage{
		Assets:      s.assets.views(),
		CSS:         s.assets.url(assetSupervisorCSS),
		JS:          s.assets.url(assetSupervisorJS),
		Sync:        s.sync(&def, now),
		WSURL:       "/boards/" + def.ID + "/supervisor/ws",
		HistoryURL:  "/api/v1/boards/" + def.ID + "/history",
		OpenNotice:  s.openNotice(),
		ConfigError: s.configError(),
		Filters:     f,
		View:        v,
	}
	return s.html(c, http.StatusOK, func(ctx context.Context, buf *bytes.Buffer) error {
		return views.SupervisorDocument(p).Render(ctx, buf)
	})
}

// renderSupervisor is the supervisor view's viewRenderer: every row, none
// hidden; each browser applies its own URL's filters.
func (s *Server) renderSupervisor(ctx context.Context, def boards.Board, mb model.Board, now time.Time, storeDown bool) ([]byte, error) {
	v := supervisorView(&def, mb, now, storeDown)
	v.QueuesShown, v.AgentsShown = len(v.Queues), len(v.Agents)
	var buf bytes.Buffer
	buf.Grow(32 << 10)
	if err := views.SupervisorView(v, views.SupervisorFilters{}, true).Render(ctx, &buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// supervisorFilters reads the filter and sort state from a URL query.
// Unknown sort columns and bad hours fall back to the defaults.
func supervisorFilters(q url.Values) views.SupervisorFilters {
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
	return []string{"name", "lang", "channel", "waiting", "longest", "avg", "sla", "level"}
}

// svTileLabel is the supervisor's names of the board's tiles: shorter than
// the wall's where the supervisor's tiles are narrow, and the queue table is
// summed up as the number of queues in breach.
func svTileLabel(t config.Tile) string {
	switch t {
	case config.TileAgentsLoggedIn:
		return "Logged in"
	case config.TileQueueTable:
		return "Breached"
	}
	return tileLabel(t)
}

// supervisorView builds the live part of the supervisor view of board def
// from mb (full names), every row shown.
func supervisorView(def *boards.Board, mb model.Board, now time.Time, storeDown bool) views.Supervisor {
	ev := def.Evaluate(mb)
	v := views.Supervisor{
		BoardID:   def.ID,
		Title:     def.Title,
		Now:       now.UnixMilli(),
		StoreDown: storeDown,
		NoSources: len(mb.Sources) == 0,
	}
	if storeDown {
		v.StoreError = storeDownText
	}
	for _, h := range mb.Sources {
		src := views.Source{Name: h.Source, Kind: h.Kind, Error: shorten(h.Error, maxErrorLen)}
		switch {
		case h.UpdatedAt.IsZero():
			src.Status = views.SourceWaiting
		case !h.OK:
			src.Status = views.SourceStale
			src.Since = h.UpdatedAt.UnixMilli()
		default:
			src.Status = views.SourceOK
			src.Error = ""
		}
		if storeDown {
			src.Error = "" // the store's failure is said once, above
		}
		if !h.UpdatedAt.IsZero() && (v.DataSince == 0 || h.UpdatedAt.UnixMilli() < v.DataSince) {
			v.DataSince = h.UpdatedAt.UnixMilli()
		}
		v.Sources = append(v.Sources, src)
	}

	t := mb.Totals()
	var breached int
	for _, qc := range ev.Queues {
		if qc.Level == boards.LevelWarn || qc.Level == boards.LevelCritical {
			breached++
		}
	}
	for _, tile := range def.Tiles {
		st := views.SupervisorTile{ID: string(tile), Label: svTileLabel(tile)}
		c := ev.Tile(tile)
		st.Level, st.Reason = string(c.Level), c.Reason
		switch tile {
		case config.TileCallsWaiting:
			st.Value = strconv.Itoa(t.CallsWaiting)
		case config.TileChatsWaiting:
			st.Value = strconv.Itoa(t.ChatsWaiting)
		case config.TileOtherWaiting:
			st.Value = strconv.Itoa(t.OtherWaiting)
		case config.TileLongestWait:
			st.Value = "—"
			st.Since = unixMilli(t.LongestSince)
		case config.TileSLACall:
			st.Value = svPercent(t.SLACall)
		case config.TileSLAChat:
			st.Value = svPercent(t.SLAChat)
		case config.TileAgentsLoggedIn:
			st.Value = strconv.Itoa(t.AgentsLoggedIn)
		case config.TileQueueTable:
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

	byState := map[model.State]int{}
	for st, n := range t.AgentsByState {
		if !st.Valid() {
			st = model.StateUnknown
		}
		byState[st] += n
	}
	for _, st := range model.States() {
		n := byState[st]
		if st == model.StateUnknown && n == 0 {
			continue
		}
		v.States = append(v.States, views.StateCount{State: string(st), Label: stateLabel(st), Count: n})
	}

	names := map[string]bool{}
	for _, q := range mb.Queues {
		qc := ev.Queue(q)
		row := views.SupervisorQueue{
			Key:          domKey(q.Source, q.ID),
			Source:       q.Source,
			ID:           q.ID,
			Name:         q.Name,
			Lang:         q.Lang,
			Channel:      q.Channel,
			Waiting:      q.Waiting,
			WaitingLevel: string(qc.Waiting.Level),
			OldestSince:  unixMilli(q.OldestSince),
			WaitLevel:    string(qc.LongestWait.Level),
			SLA:          svPercent(q.SLAPercent),
			SLALevel:     string(qc.SLA.Level),
			Level:        string(qc.Level),
			Reason:       qc.Reason,
			KLongest:     -now.UnixMilli(),
			Index:        len(v.Queues),
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
	v.QueueGroups = groupRows(def, mb)
	for n := range names {
		v.QueueNames = append(v.QueueNames, n)
	}
	slices.Sort(v.QueueNames)

	teams := map[string]bool{}
	for _, a := range mb.Agents {
		st := a.State
		if !st.Valid() {
			st = model.StateUnknown
		}
		row := views.SupervisorAgent{
			Key:        domKey(a.Source, a.ID),
			Name:       a.Name,
			Teams:      a.Teams,
			State:      string(st),
			StateLabel: stateLabel(st),
			StateRank:  slices.Index(model.States(), st),
			Status:     a.Status,
			Color:      agentColor(a),
			Since:      unixMilli(a.Since),
			OnHold:     a.OnHold,
			HoldSince:  unixMilli(a.HoldSince),
			Index:      len(v.Agents),
		}
		c := ev.Agent(a)
		row.Level, row.Reason = string(c.Level), c.Reason
		if row.Status == "" {
			row.Status = row.StateLabel
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

// svPercent formats an SLA; nil (unknown) is "—", never 0%.
func svPercent(p *float64) string {
	if p == nil || math.IsNaN(*p) {
		return "—"
	}
	return strconv.FormatFloat(math.Round(*p), 'f', 0, 64) + "%"
}

// applySupervisorFilters hides the rows f filters out and orders the rows
// as f sorts them, as static/supervisor.js does in the browser, for the first
// render of a page.
func applySupervisorFilters(v *views.Supervisor, f views.SupervisorFilters) {
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
					return svNumKey(float64(-v.Now))
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

// groupRows makes one row per queue group (source and id) of mb, with its
// call and chat SLA, in the board's order: the wall's, the embed's and the
// supervisor's queue-group tables.
func groupRows(def *boards.Board, mb model.Board) []views.QueueGroupRow {
	var out []views.QueueGroupRow
	index := map[string]int{}
	for _, g := range mb.QueueGroups {
		key := domKey(g.Source, g.ID)
		i, ok := index[key]
		if !ok {
			i = len(out)
			index[key] = i
			out = append(out, views.QueueGroupRow{Key: key, Source: g.Source, ID: g.ID, Name: g.Name, Call: "—", Chat: "—", CallLevel: "none", ChatLevel: "none", Level: "none"})
		}
		row := &out[i]
		c := def.Group(g)
		switch g.Channel {
		case "call":
			row.Call, row.CallLevel = svPercent(g.SLAPercent), string(c.Level)
		case "chat":
			row.Chat, row.ChatLevel = svPercent(g.SLAPercent), string(c.Level)
		default:
			continue
		}
		if c.Level.Worse(boards.Level(row.Level)) {
			row.Level = string(c.Level)
		}
		if c.Level == boards.LevelWarn || c.Level == boards.LevelCritical {
			if row.Reason != "" {
				row.Reason += "; "
			}
			row.Reason += c.Reason
		}
	}
	return out
}
