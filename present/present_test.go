package present

import (
	"strings"
	"testing"
	"time"

	"github.com/wallboard/wallboard/boards"
	"github.com/wallboard/wallboard/config"
	"github.com/wallboard/wallboard/internal/fixture"
	"github.com/wallboard/wallboard/model"
	"github.com/wallboard/wallboard/views"
)

func TestStatusColor(t *testing.T) {
	for in, want := range map[string]string{
		"green": "green", "light_blue": "light_blue", "Blue Grey": "blue_grey", "blue-grey": "blue_grey",
		"indigo": "indigo", "purple": "purple", "brown": "brown", "pink": "pink", "gray": "grey",
		"#e91e63": "pink", "#4CAF50": "green", "#f00": "red", "": "neutral", "chartreuse-ish": "neutral",
		"#12345": "neutral", "#zzzzzz": "neutral",
	} {
		if got := statusColor(in); got != want {
			t.Errorf("statusColor(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSplitPath(t *testing.T) {
	for in, want := range map[string][2]string{
		"Support/Billing":          {"Support/", "Billing"},
		"Support / Orders / Today": {"Support / Orders /", "Today"},
		"Sales":                    {"", "Sales"},
		"Odd/":                     {"", "Odd/"},
	} {
		p, l := splitPath(in)
		if p != want[0] || l != want[1] {
			t.Errorf("splitPath(%q) = %q, %q; want %q", in, p, l, want)
		}
	}
}

func TestAgentColumnsFit(t *testing.T) {
	for _, n := range []int{0, 1, 5, 12, 40, 80, 200, 500} {
		cols := agentColumns(n)
		if cols < 1 || cols > maxAgentCols {
			t.Errorf("agentColumns(%d) = %d", n, cols)
		}
	}
	if c := agentColumns(40); c != 4 {
		t.Errorf("40 agents in %d columns, want 4 (readable cards)", c)
	}
}

func TestWallViewStates(t *testing.T) {
	now := time.Now()
	st := fixture.State(now, 16, 4)
	st.Agents[0].State = "bogus" // a state the model does not know
	bd, _ := boards.New(nil).Get("all")
	w := New(bd, bd.Apply([]model.SourceState{st}, now), false).Wall(false)
	counts := map[string]int{}
	var states []views.StateCount
	for _, t := range w.Tiles {
		if t.ID == "t-states" {
			states = t.States
		}
	}
	for _, s := range states {
		counts[s.State] = s.Count
	}
	if counts["available"] != 1 || counts["unknown"] != 1 || counts["busy"] != 4 || counts["offline"] != 2 {
		t.Errorf("state counts %v", counts)
	}
	if _, ok := counts["unknown"]; !ok {
		t.Errorf("an agent in an unknown state is not counted: %v", counts)
	}
	for _, a := range w.Agents {
		if a.Name == st.Agents[0].Name && a.State != "unknown" {
			t.Errorf("agent in state bogus shows as %q", a.State)
		}
	}
}

// An agent whose vendor gives no status colour (Connect) takes its state's
// colour; a vendor colour, even an unknown one, stays the vendor's.
func TestAgentColor(t *testing.T) {
	cases := []struct {
		a    model.Agent
		want string
	}{
		{model.Agent{State: model.StateAvailable}, "green"},
		{model.Agent{State: model.StateBusy}, "light_blue"},
		{model.Agent{State: model.StateAway, Status: "unavailable"}, "amber"},
		{model.Agent{State: model.StateAvailable, StatusColor: "Blue Grey"}, "blue_grey"},
		{model.Agent{State: model.StateAvailable, StatusColor: "#4caf51"}, "green"},
		{model.Agent{State: model.StateAvailable, StatusColor: "sparkly"}, "neutral"},
		{model.Agent{State: "bogus"}, "neutral"},
	}
	for _, c := range cases {
		if got := agentColor(c.a); got != c.want {
			t.Errorf("agentColor(%+v) = %q, want %q", c.a, got, c.want)
		}
	}
}

// Every tile of the configuration's vocabulary has one registry entry, in
// the same order, and every entry shows somewhere.
func TestRegistryCoversEveryTile(t *testing.T) {
	tiles := config.Tiles()
	if len(registry) != len(tiles) {
		t.Fatalf("registry has %d tiles, config %d", len(registry), len(tiles))
	}
	for i, kind := range tiles {
		e := registry[i]
		if e.Kind != kind {
			t.Errorf("registry[%d] is %q, want %q", i, e.Kind, kind)
		}
		if e.Label == "" || e.Embed == "" {
			t.Errorf("%s: no label or embed kind", kind)
		}
		if !e.Body && e.WallID == "" {
			t.Errorf("%s: neither a wall figure nor a body tile", kind)
		}
		if e.Embed == views.EmbedFigure && e.Figure == nil {
			t.Errorf("%s: a figure embed without a Figure", kind)
		}
	}
}

// Day counts show where a vendor gives them ("—" where not), with their
// columns only then; queue groups sum them over their channels.
func TestDayCountsAndConnectGroups(t *testing.T) {
	now := time.Now()
	n := func(v int) *int { return &v }
	st := model.SourceState{
		Health: model.Health{Source: "connect", Kind: "connect", OK: true, UpdatedAt: now},
		Queues: []model.Queue{
			{Source: "connect", ID: "101:audio", Name: "Sales", Channel: "call", Answered: n(40), Abandoned: n(3)},
			{Source: "connect", ID: "101:instantMessage", Name: "Sales", Channel: "chat"},
		},
		QueueGroups: []model.QueueGroup{
			{Source: "connect", ID: "team/7", Name: "Blue", Channel: "call", Waiting: n(2), Answered: n(40), Abandoned: n(3)},
			{Source: "connect", ID: "team/7", Name: "Blue", Channel: "chat", Waiting: n(1), Answered: n(5)},
			{Source: "ujet", ID: "20", Name: "Shipping", Channel: "call", SLAPercent: new(91.0)},
		},
	}
	bd, _ := boards.New(nil).Get("all")
	p := New(bd, bd.Apply([]model.SourceState{st}, now), false)
	sv := p.Supervisor()
	if !sv.QueueCounts || !sv.GroupCounts {
		t.Fatalf("counts columns hidden: queues %v groups %v", sv.QueueCounts, sv.GroupCounts)
	}
	got := map[string][2]string{}
	for _, q := range sv.Queues {
		got[q.Channel] = [2]string{q.Answered, q.Abandoned}
	}
	if got["call"] != [2]string{"40", "3"} || got["chat"] != [2]string{"—", "—"} {
		t.Errorf("queue counts %v", got)
	}
	rows := map[string]views.QueueGroupRow{}
	for _, g := range sv.QueueGroups {
		rows[g.Name] = g
	}
	if b := rows["Blue"]; b.Waiting != "3" || b.Answered != "45" || b.Abandoned != "3" || b.Call != "—" || b.Chat != "—" {
		t.Errorf("Connect group row %+v", b)
	}
	if s := rows["Shipping"]; s.Waiting != "—" || s.Answered != "—" || s.Call != "91%" {
		t.Errorf("UJET group row %+v", s)
	}
	// Without any counts, no columns.
	st.Queues[0].Answered, st.Queues[0].Abandoned = nil, nil
	st.QueueGroups = st.QueueGroups[2:]
	w := New(bd, bd.Apply([]model.SourceState{st}, now), false).Wall(false)
	if w.QueueCounts || w.GroupCounts {
		t.Errorf("counts columns shown without counts: %v %v", w.QueueCounts, w.GroupCounts)
	}
}

func TestDayTilesClosedQueuesAndSLAMethod(t *testing.T) {
	now := time.Date(2026, 12, 3, 3, 0, 0, 0, time.UTC)
	n := func(v int) *int { return &v }
	pct := func(v float64) *float64 { return &v }
	opens := time.Date(2026, 12, 3, 8, 0, 0, 0, time.UTC)
	aht := 185.4
	st := model.SourceState{
		Health: model.Health{Source: "ujet", Kind: "ujet", OK: true, UpdatedAt: now},
		Queues: []model.Queue{
			{Source: "ujet", ID: "1:en:call", Name: "Support/Billing", Channel: "call", SLAPercent: pct(90), Answered: n(90), Abandoned: n(10), AverageHandleSeconds: &aht},
			{Source: "ujet", ID: "2:en:call", Name: "Web/Sales", Channel: "call", SLAPercent: pct(10), Answered: n(0), Abandoned: n(0), Closed: true, OpensAt: &opens},
		},
	}
	f := &config.File{Boards: []config.Board{{ID: "b", Title: "B", TimeZone: "UTC",
		Tiles: []config.Tile{config.TileSLACall, config.TileHandledToday, config.TileAbandonedToday, config.TileAbandonRate, config.TileQueueTable}}}}
	bd, ok := boards.New(f).Get("b")
	if !ok {
		t.Fatal("no board")
	}
	p := New(bd, bd.Apply([]model.SourceState{st}, now), false)
	w := p.Wall(false)
	tiles := map[string]views.Tile{}
	for _, tl := range w.Tiles {
		tiles[tl.Kind] = tl
	}
	for kind, want := range map[string]string{"handled_today": "90", "abandoned_today": "10", "abandon_rate": "10%", "sla_call": "90%"} {
		if got := tiles[kind].Value; got != want {
			t.Errorf("tile %s = %q, want %q", kind, got, want)
		}
	}
	if title := tiles["sla_call"].Title; title == "" || !strings.Contains(title, "weighted") {
		t.Errorf("SLA tooltip %q does not say it is weighted", title)
	}
	if title := tiles["handled_today"].Title; !strings.Contains(title, "UTC") {
		t.Errorf("handled tooltip %q does not say when the day started", title)
	}
	rows := map[string]views.Queue{}
	for _, q := range w.Queues {
		rows[q.Name] = q
	}
	if q := rows["Support/Billing"]; q.AbandonRate != "10%" || q.AHT != "3:05" || q.Closed {
		t.Errorf("open queue row %+v", q)
	}
	if q := rows["Web/Sales"]; !q.Closed || q.Opens != "08:00" || q.AbandonRate != "—" {
		t.Errorf("closed queue row %+v", q)
	}
	e := p.Embed(config.TileHandledToday)
	if e.Value != "90" || e.Kind != views.EmbedFigure {
		t.Errorf("handled embed %+v", e)
	}
	sv := p.Supervisor()
	for _, q := range sv.Queues {
		if q.Name == "Web/Sales" && (!q.Closed || q.Opens != "08:00") {
			t.Errorf("supervisor closed row %+v", q)
		}
		if q.Name == "Support/Billing" && (q.KAbandonRate != "10" || q.AHT != "3:05") {
			t.Errorf("supervisor row %+v", q)
		}
	}
}

// A reason's moving clock reaches every view that shows reasons as text:
// the wall's tile and queue row, the embeds and the supervisor's cells.
func TestReasonTicksReachTheViews(t *testing.T) {
	now := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	oldest := now.Add(-4 * time.Minute)
	st := model.SourceState{
		Health: model.Health{Source: "ujet", Kind: "ujet", OK: true, UpdatedAt: now},
		Queues: []model.Queue{{Source: "ujet", ID: "1:en:call", Name: "Sales", Channel: "call", Waiting: 2, OldestSince: &oldest, SLAPercent: new(50.0)}},
	}
	bd, _ := boards.New(nil).Get("all") // built-in thresholds: SLA below 60% and a wait of 3:00 are critical
	p := New(bd, bd.Apply([]model.SourceState{st}, now), false)
	want := views.Tick{Since: oldest.UnixMilli(), At: len("SLA 50% below 60%; longest wait ")}
	check := func(where, reason string, tick views.Tick, w views.Tick) {
		t.Helper()
		if tick != w {
			t.Errorf("%s: %q ticks %+v, want %+v", where, reason, tick, w)
		}
	}
	w := p.Wall(false)
	if len(w.Queues) != 1 || w.Queues[0].Reason != "SLA 50% below 60%; longest wait 4:00, limit 3:00" {
		t.Fatalf("wall queues %+v", w.Queues)
	}
	check("wall queue row", w.Queues[0].Reason, w.Queues[0].ReasonTick, want)
	tileTick := views.Tick{Since: oldest.UnixMilli(), At: len("longest wait ")}
	for _, tl := range w.Tiles {
		switch tl.Kind {
		case string(config.TileLongestWait):
			check("wall tile", tl.Reason, tl.ReasonTick, tileTick)
		default:
			check("wall tile "+tl.Kind, tl.Reason, tl.ReasonTick, views.Tick{})
		}
	}
	e := p.Embed(config.TileQueueTable)
	check("embed queue row", e.Queues[0].Reason, e.Queues[0].ReasonTick, want)
	e = p.Embed(config.TileLongestWait)
	check("embed tile", e.Reason, e.ReasonTick, tileTick)
	sv := p.Supervisor()
	check("supervisor queue row", sv.Queues[0].Reason, sv.Queues[0].ReasonTick, want)
	found := false
	for _, tl := range sv.Tiles {
		if tl.ID == string(config.TileLongestWait) {
			check("supervisor tile", tl.Reason, tl.ReasonTick, tileTick)
			found = true
		}
	}
	if !found {
		t.Error("no longest-wait tile on the supervisor view")
	}
}
