package boards

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/wallboard/wallboard/config"
	"github.com/wallboard/wallboard/model"
)

var t0 = time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)

func load(t testing.TB, yaml string) *Set {
	t.Helper()
	p := filepath.Join(t.TempDir(), "wallboard.yaml")
	if err := os.WriteFile(p, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := config.LoadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return New(f)
}

func get(t testing.TB, s *Set, id string) *Board {
	t.Helper()
	b, ok := s.Get(id)
	if !ok {
		t.Fatalf("no board %q", id)
	}
	return b
}

func pct(v float64) *float64 { return &v }
func ago(d time.Duration) *time.Time {
	at := t0.Add(-d)
	return &at
}

// fixture: a UJET source and a Connect source, as the poller and the
// subscriber normalize them.
func fixture() []model.SourceState {
	return []model.SourceState{
		{
			Health: model.Health{Source: "ujet", Kind: "ujet", OK: true, UpdatedAt: t0},
			Agents: []model.Agent{
				{Source: "ujet", ID: "1", Name: "Ana María Martínez", Teams: []string{"Billing"}, State: model.StateAvailable},
				{Source: "ujet", ID: "2", Name: "Bo Chen", Teams: []string{"Support"}, State: model.StateBusy},
				{Source: "ujet", ID: "3", Name: "Cy Diaz", Teams: []string{"Support", "billing escalations"}, State: model.StateAway},
				{Source: "ujet", ID: "4", Name: "Di Evans", State: model.StateOffline},
			},
			Queues: []model.Queue{
				{Source: "ujet", ID: "11:en:call", Name: "Support/Billing", Lang: "en", Channel: "call", Waiting: 3, OldestSince: ago(90 * time.Second), SLAPercent: pct(72)},
				{Source: "ujet", ID: "11:es:chat", Name: "Support/Billing", Lang: "es", Channel: "chat", Waiting: 1, OldestSince: ago(10 * time.Second), SLAPercent: pct(95)},
				{Source: "ujet", ID: "12:en:call", Name: "Support / Billing / Refunds", Lang: "en", Channel: "call"},
				{Source: "ujet", ID: "13:en:call", Name: "Support/Billings", Lang: "en", Channel: "call", SLAPercent: pct(50)},
				{Source: "ujet", ID: "110:en:call", Name: "Sales", Lang: "en", Channel: "call", Waiting: 12, OldestSince: ago(4 * time.Minute)},
			},
		},
		{
			Health: model.Health{Source: "connect", Kind: "connect", OK: false, UpdatedAt: t0.Add(-time.Minute), Error: "reconnecting"},
			Agents: []model.Agent{
				{Source: "connect", ID: "501", Name: "Eve Fox", Teams: []string{"Sales East"}, State: model.StateBusy},
				{Source: "connect", ID: "502", Name: "Gil Ho", Teams: []string{"Sales West"}, State: model.StateAvailable},
			},
			Queues: []model.Queue{
				{Source: "connect", ID: "1001:audio", Name: "Sales East", Channel: "call", Waiting: 2},
				{Source: "connect", ID: "1002:instantMessage", Name: "Sales Chat", Channel: "chat"},
				{Source: "connect", ID: "1003:audio", Name: "Renewals", Channel: "call"},
			},
		},
	}
}

func queueIDs(mb model.Board) []string {
	var out []string
	for _, q := range mb.Queues {
		out = append(out, q.Source+"/"+q.ID)
	}
	sort.Strings(out)
	return out
}

func agentIDs(mb model.Board) []string {
	var out []string
	for _, a := range mb.Agents {
		out = append(out, a.Source+"/"+a.ID)
	}
	sort.Strings(out)
	return out
}

func same(t *testing.T, what string, got []string, want ...string) {
	t.Helper()
	sort.Strings(want)
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("%s:\n got  %v\n want %v", what, got, want)
	}
}

const boardsYAML = `
boards:
  - id: billing
    title: Billing
    queues:
      ujet:
        path_prefixes: ["support/billing"]
    agents:
      teams: [BILLING, "Billing Escalations"]
  - id: billing-en-calls
    queues:
      ujet:
        path_prefixes: ["Support/Billing"]
        langs: [EN]
        channels: [call]
  - id: menu11
    sources: [ujet]
    queues:
      ujet:
        menu_ids: [11]
  - id: sales
    queues:
      connect:
        queue_ids: [1001]
        business_unit_ids: [9]
    agents:
      teams: ["7"]
      sources: [connect]
  - id: connect-only
    sources: [connect]
`

func TestNilFileIsBoardAll(t *testing.T) {
	s := New(nil)
	if len(s.List()) != 1 {
		t.Fatalf("boards %d", len(s.List()))
	}
	all := get(t, s, "all")
	mb := all.Apply(fixture(), t0)
	if len(mb.Queues) != 8 || len(mb.Agents) != 6 || len(mb.Sources) != 2 || mb.ID != "all" || mb.Title != "All queues" {
		t.Fatalf("board all must show everything: %d queues, %d agents, %d sources", len(mb.Queues), len(mb.Agents), len(mb.Sources))
	}
	if !reflect.DeepEqual(mb, model.Merge("all", "All queues", t0, fixture())) {
		t.Error("board all must equal model.Merge of every source")
	}
	if _, ok := s.Get("nope"); ok {
		t.Error("unknown board found")
	}
}

func TestBoardShowsOnlyItsQueuesAndAgents(t *testing.T) {
	s := load(t, boardsYAML)
	var ids []string
	for _, b := range s.List() {
		ids = append(ids, b.ID)
	}
	if strings.Join(ids, ",") != "all,billing,billing-en-calls,menu11,sales,connect-only" {
		t.Fatalf("list %v", ids)
	}

	mb := get(t, s, "billing").Apply(fixture(), t0)
	// Whole segments, any case and spacing; a UJET-only filter shows no Connect queues.
	same(t, "billing queues", queueIDs(mb), "ujet/11:en:call", "ujet/11:es:chat", "ujet/12:en:call")
	same(t, "billing agents (team names, any case)", agentIDs(mb), "ujet/1", "ujet/3")
	if mb.Title != "Billing" || len(mb.Sources) != 2 {
		t.Errorf("title %q, sources %v: a board without sources keeps every source's health", mb.Title, mb.Sources)
	}

	mb = get(t, s, "billing-en-calls").Apply(fixture(), t0)
	same(t, "langs and channels narrow", queueIDs(mb), "ujet/11:en:call", "ujet/12:en:call")
	same(t, "no agent filter: every agent", agentIDs(mb), "connect/501", "connect/502", "ujet/1", "ujet/2", "ujet/3", "ujet/4")

	mb = get(t, s, "menu11").Apply(fixture(), t0)
	same(t, "menu path id 11, not 110", queueIDs(mb), "ujet/11:en:call", "ujet/11:es:chat")
	if len(mb.Sources) != 1 || mb.Sources[0].Source != "ujet" || len(mb.Agents) != 4 {
		t.Errorf("sources [ujet] keeps only ujet: %+v, %d agents", mb.Sources, len(mb.Agents))
	}

	mb = get(t, s, "connect-only").Apply(fixture(), t0)
	same(t, "connect-only queues", queueIDs(mb), "connect/1001:audio", "connect/1002:instantMessage", "connect/1003:audio")
	if !mb.Stale() {
		t.Error("the Connect source is down: its board is stale")
	}
}

func TestConnectStructureResolvesTeamsGroupsAndUnits(t *testing.T) {
	s := load(t, boardsYAML)
	sales := get(t, s, "sales")
	mb := sales.Apply(fixture(), t0)
	same(t, "before the structure: queue ids only", queueIDs(mb), "connect/1001:audio")
	same(t, "before the structure: team id 7 matches no name", agentIDs(mb))

	s2 := s.WithConnect(map[string]ConnectStructure{"connect": {
		TeamAgents:         map[string][]string{"7": {"501"}},
		TeamQueues:         map[string][]string{"7": {"1001"}, "8": {"1002"}},
		BusinessUnitQueues: map[string][]string{"9": {"1003"}},
		BusinessUnitTeams:  map[string][]string{"9": {"8"}},
	}})
	mb = get(t, s2, "sales").Apply(fixture(), t0)
	same(t, "business unit 9: its queue and its team's", queueIDs(mb), "connect/1001:audio", "connect/1002:instantMessage", "connect/1003:audio")
	same(t, "agents of team id 7", agentIDs(mb), "connect/501")
	// The original set is unchanged.
	same(t, "WithConnect copies", queueIDs(get(t, s, "sales").Apply(fixture(), t0)), "connect/1001:audio")
}

// The Connect subscriber puts the MBU membership in its source state: boards
// on every replica resolve team, group and business unit ids from it.
func TestMembershipInTheSourceState(t *testing.T) {
	s := load(t, boardsYAML)
	states := fixture()
	for i := range states {
		if states[i].Source == "connect" {
			states[i].Membership = &model.Membership{
				TeamAgents:         map[string][]string{"7": {"501"}},
				TeamQueues:         map[string][]string{"7": {"1001"}, "8": {"1002"}},
				BusinessUnitQueues: map[string][]string{"9": {"1003"}},
				BusinessUnitTeams:  map[string][]string{"9": {"8"}},
			}
		}
	}
	mb := get(t, s, "sales").Apply(states, t0)
	same(t, "business unit 9 from the state: its queue and its team's", queueIDs(mb), "connect/1001:audio", "connect/1002:instantMessage", "connect/1003:audio")
	same(t, "agents of team id 7 from the state", agentIDs(mb), "connect/501")
}

func TestApplyDoesNotChangeItsInput(t *testing.T) {
	s := load(t, boardsYAML)
	in := fixture()
	for _, b := range s.List() {
		b.Apply(in, t0)
		b.ForDisplay(b.Apply(in, t0))
	}
	if !reflect.DeepEqual(in, fixture()) {
		t.Fatal("Apply changed the states it was given")
	}
}

func TestAllowedOrigins(t *testing.T) {
	s := load(t, `
boards:
  - id: a
    embed_origins: ["https://A.example.com"]
  - id: b
access:
  embed:
    allowed_origins: [https://intranet.example.com]
`)
	if got := get(t, s, "a").AllowedOrigins; strings.Join(got, " ") != "https://intranet.example.com https://a.example.com" {
		t.Errorf("a: %v", got)
	}
	if got := get(t, s, "b").AllowedOrigins; strings.Join(got, " ") != "https://intranet.example.com" {
		t.Errorf("b: %v", got)
	}
}

const thresholdsYAML = `
defaults:
  thresholds:
    sla_warn: 80
    sla_critical: 60
    longest_wait_warn: 60s
    longest_wait_critical: 3m
    waiting_warn: 5
    waiting_critical: 10
boards:
  - id: t
    tiles: [calls_waiting, chats_waiting, longest_wait, sla_call, sla_chat, queue_table, agent_grid]
    queue_thresholds:
      - path_prefix: Support
        sla_warn: 99
        sla_critical: 90
      - path_prefix: Support/Billing
        sla_warn: 70
        sla_critical: 50
      - queue_id: "11:es:chat"
        sla_warn: 96
  - id: quiet
    tiles: [agent_grid]
`

func TestThresholdLevelsAndReasons(t *testing.T) {
	s := load(t, thresholdsYAML)
	b := get(t, s, "t")
	mb := b.Apply(fixture(), t0)
	ev := b.Evaluate(mb)

	q := func(source, id string) QueueCheck {
		for _, x := range mb.Queues {
			if x.Source == source && x.ID == id {
				return ev.Queue(x)
			}
		}
		t.Fatalf("no queue %s/%s", source, id)
		return QueueCheck{}
	}
	cases := []struct {
		name  string
		got   Check
		level Level
		why   string
	}{
		// Support/Billing (70/50) beats Support (99/90): the longer prefix wins.
		{"11:en:call SLA", q("ujet", "11:en:call").SLA, LevelOK, ""},
		{"11:en:call wait", q("ujet", "11:en:call").LongestWait, LevelWarn, "longest wait 1:30, warn at 1:00"},
		{"11:en:call waiting", q("ujet", "11:en:call").Waiting, LevelOK, ""},
		// A queue id beats any prefix; its missing fields come from the board.
		{"11:es:chat SLA", q("ujet", "11:es:chat").SLA, LevelWarn, "SLA 95% below 96%"},
		// Support (99/90): 50% is critical.
		{"13 SLA", q("ujet", "13:en:call").SLA, LevelCritical, "SLA 50% below 90%"},
		{"Sales wait", q("ujet", "110:en:call").LongestWait, LevelCritical, "longest wait 4:00, limit 3:00"},
		{"Sales waiting", q("ujet", "110:en:call").Waiting, LevelCritical, "12 waiting, limit 10"},
		{"Sales SLA unknown", q("ujet", "110:en:call").SLA, LevelNone, "no SLA data"},
		{"nobody waits", q("ujet", "12:en:call").LongestWait, LevelOK, ""},
		// Tiles use the board's thresholds and model.Board.Totals.
		{"calls waiting", ev.Tile(config.TileCallsWaiting), LevelCritical, "17 calls waiting, limit 10"},
		{"chats waiting", ev.Tile(config.TileChatsWaiting), LevelOK, ""},
		{"longest wait", ev.Tile(config.TileLongestWait), LevelCritical, "longest wait 4:00, limit 3:00"},
		{"call SLA (mean of 72 and 50)", ev.Tile(config.TileSLACall), LevelWarn, "call SLA 61% below 80%"},
		{"chat SLA", ev.Tile(config.TileSLAChat), LevelOK, ""},
		{"queue table", ev.Tile(config.TileQueueTable), LevelCritical, "2 queues critical, 2 warn"},
		{"agent grid has no thresholds", ev.Tile(config.TileAgentGrid), LevelNone, ""},
	}
	for _, c := range cases {
		if c.got.Level != c.level || c.got.Reason != c.why {
			t.Errorf("%s: got %s %q, want %s %q", c.name, c.got.Level, c.got.Reason, c.level, c.why)
		}
	}
	sales := q("ujet", "110:en:call")
	if sales.Level != LevelCritical || sales.Reason != "longest wait 4:00, limit 3:00; 12 waiting, limit 10" {
		t.Errorf("queue summary: %s %q", sales.Level, sales.Reason)
	}
	if ev.Worst.Level != LevelCritical || ev.Worst.Reason != "17 calls waiting, limit 10" {
		t.Errorf("worst of the board's tiles: %+v", ev.Worst)
	}
	if w := get(t, s, "quiet").Evaluate(get(t, s, "quiet").Apply(fixture(), t0)).Worst; w.Level != LevelNone {
		t.Errorf("a board showing only agents has nothing to breach: %+v", w)
	}
}

func TestBreachChangesWithData(t *testing.T) {
	b := get(t, New(nil), "all")
	states := []model.SourceState{{Health: model.Health{Source: "u", Kind: "ujet", OK: true},
		Queues: []model.Queue{{Source: "u", ID: "1:en:call", Name: "Q", Channel: "call", SLAPercent: pct(85)}}}}
	if c := b.Evaluate(b.Apply(states, t0)).Tile(config.TileSLACall); c.Level != LevelOK {
		t.Fatalf("85%% against the built-in 80/60: %+v", c)
	}
	states[0].Queues[0].SLAPercent = pct(79.6)
	if c := b.Evaluate(b.Apply(states, t0)).Tile(config.TileSLACall); c.Level != LevelWarn || c.Reason != "call SLA 79.6% below 80%" {
		t.Fatalf("79.6%%: %+v (must not read as 80%% below 80%%)", c)
	}
	states[0].Queues[0].SLAPercent = pct(59)
	if c := b.Evaluate(b.Apply(states, t0)).Tile(config.TileSLACall); c.Level != LevelCritical || c.Reason != "call SLA 59% below 60%" {
		t.Fatalf("59%%: %+v", c)
	}
	states[0].Queues[0].SLAPercent = nil
	if c := b.Evaluate(b.Apply(states, t0)).Tile(config.TileSLACall); c.Level != LevelNone {
		t.Fatalf("an unknown SLA is never a breach: %+v", c)
	}
	// No waiting thresholds by default: counts have no level.
	states[0].Queues[0].Waiting = 500
	if c := b.Evaluate(b.Apply(states, t0)).Tile(config.TileCallsWaiting); c.Level != LevelNone {
		t.Fatalf("no waiting thresholds: %+v", c)
	}
}

func TestNameModes(t *testing.T) {
	a := model.Agent{Source: "ujet", ID: "42", Name: "Ana María Martínez"}
	if got := DisplayName(config.NamesFull, a); got != "Ana María Martínez" {
		t.Errorf("full: %q", got)
	}
	for in, want := range map[string]string{
		"Ana María Martínez": "Ana M.", "Martínez, Ana": "Ana M.", "Cher": "Cher", "  bo   chen ": "bo C.", "Émile zola": "Émile Z.", "": "", "Agent 12": "Agent 12",
	} {
		if got := FirstInitial(in); got != want {
			t.Errorf("FirstInitial(%q) = %q, want %q", in, got, want)
		}
	}
	hidden := DisplayName(config.NamesHidden, a)
	if !regexp.MustCompile(`^Agent [1-9]\d{3}$`).MatchString(hidden) {
		t.Errorf("hidden: %q", hidden)
	}
	a.Name, a.State = "Someone Else", model.StateBusy
	if DisplayName(config.NamesHidden, a) != hidden {
		t.Error("a hidden label depends only on the agent's source and id")
	}
	if DisplayName(config.NamesHidden, model.Agent{Source: "connect", ID: "42"}) == hidden {
		t.Error("the same id in another source gets another label")
	}
}

func TestForDisplay(t *testing.T) {
	s := load(t, `
boards:
  - id: initials
    names: first_initial
  - id: hidden
    names: hidden
  - id: full
`)
	mb := get(t, New(nil), "all").Apply(fixture(), t0)
	before := fmt.Sprint(mb.Agents)

	if got := get(t, s, "full").ForDisplay(mb); !reflect.DeepEqual(got, mb) {
		t.Error("full names: unchanged")
	}
	ini := get(t, s, "initials").ForDisplay(mb)
	var names []string
	for _, a := range ini.Agents {
		names = append(names, a.Name)
	}
	if strings.Join(names, ",") != "Ana M.,Bo C.,Cy D.,Di E.,Eve F.,Gil H." {
		t.Errorf("first_initial: %v", names)
	}
	hb := get(t, s, "hidden")
	hid := hb.ForDisplay(mb)
	seen := map[string]bool{}
	for i, a := range hid.Agents {
		if !strings.HasPrefix(a.Name, "Agent ") || seen[a.Name] {
			t.Errorf("hidden: %q (duplicate %v)", a.Name, seen[a.Name])
		}
		seen[a.Name] = true
		for _, orig := range mb.Agents {
			for _, part := range strings.Fields(orig.Name) {
				if strings.Contains(a.Name, part) {
					t.Errorf("hidden label %q gives away %q", a.Name, part)
				}
			}
		}
		if i > 0 && hid.Agents[i-1].Name > a.Name {
			t.Error("hidden: agents sorted by label, not by the names")
		}
	}
	// Stable: the same agent has the same label on the next update, with
	// others gone and states changed.
	later := fixture()
	later[0].Agents = later[0].Agents[:2]
	later[0].Agents[0].State = model.StateBusy
	hid2 := hb.ForDisplay(get(t, New(nil), "all").Apply(later, t0.Add(time.Minute)))
	label := func(b model.Board, src, id string) string {
		for _, a := range b.Agents {
			if a.Source == src && a.ID == id {
				return a.Name
			}
		}
		return ""
	}
	for _, id := range []string{"1", "2"} {
		if label(hid, "ujet", id) != label(hid2, "ujet", id) || label(hid, "ujet", id) == "" {
			t.Errorf("agent %s: label %q then %q", id, label(hid, "ujet", id), label(hid2, "ujet", id))
		}
	}
	if fmt.Sprint(mb.Agents) != before {
		t.Error("ForDisplay changed its input")
	}
}

func TestHiddenLabelsUniqueOnABigBoard(t *testing.T) {
	var agents []model.Agent
	for i := range 2000 {
		agents = append(agents, model.Agent{Source: "u", ID: fmt.Sprint(i), Name: fmt.Sprint("Name ", i)})
	}
	s := load(t, "boards:\n  - id: h\n    names: hidden\n")
	mb := get(t, s, "h").ForDisplay(model.Board{Agents: agents})
	seen := map[string]bool{}
	for _, a := range mb.Agents {
		if seen[a.Name] {
			t.Fatalf("label %q given twice", a.Name)
		}
		seen[a.Name] = true
	}
}

// benchStates is 200 agents and 50 queues over a UJET and a Connect source.
func benchStates() []model.SourceState {
	teams := []string{"Billing", "Support", "Sales", "Retention"}
	prefixes := []string{"Support/Billing", "Support/Tech", "Sales/New", "Sales/Renewals", "Retention"}
	var u, c model.SourceState
	u.Health = model.Health{Source: "ujet", Kind: "ujet", OK: true, UpdatedAt: t0}
	c.Health = model.Health{Source: "connect", Kind: "connect", OK: true, UpdatedAt: t0}
	for i := range 200 {
		a := model.Agent{ID: fmt.Sprint(i), Name: fmt.Sprintf("Agent Person %03d", i), Teams: []string{teams[i%4]}, State: model.States()[i%5], Since: ago(time.Duration(i) * time.Second)}
		if i < 150 {
			a.Source = "ujet"
			u.Agents = append(u.Agents, a)
		} else {
			a.Source = "connect"
			c.Agents = append(c.Agents, a)
		}
	}
	for i := range 50 {
		q := model.Queue{Name: fmt.Sprintf("%s/Q%d", prefixes[i%5], i), Lang: []string{"en", "es"}[i%2], Channel: []string{"call", "chat"}[i/2%2],
			Waiting: i % 7, OldestSince: ago(time.Duration(i*5) * time.Second), SLAPercent: pct(float64(50 + i))}
		if i < 40 {
			q.Source, q.ID = "ujet", fmt.Sprintf("%d:%s:%s", i, q.Lang, q.Channel)
			u.Queues = append(u.Queues, q)
		} else {
			q.Source, q.ID = "connect", fmt.Sprintf("%d:audio", 1000+i)
			c.Queues = append(c.Queues, q)
		}
	}
	return []model.SourceState{u, c}
}

// benchSet is 20 boards: all, and 19 with filters, overrides and name modes.
func benchSet(b *testing.B) *Set {
	var y strings.Builder
	y.WriteString("boards:\n")
	prefixes := []string{"Support/Billing", "Support/Tech", "Sales/New", "Sales/Renewals", "Retention"}
	teams := []string{"Billing", "Support", "Sales", "Retention"}
	names := []string{"full", "first_initial", "hidden"}
	for i := range 19 {
		fmt.Fprintf(&y, "  - id: b%d\n    names: %s\n    queues:\n      ujet:\n        path_prefixes: [%q]\n        langs: [en]\n      connect:\n        queue_ids: [%d]\n",
			i, names[i%3], prefixes[i%5], 1040+i%10)
		fmt.Fprintf(&y, "    agents:\n      teams: [%s]\n    queue_thresholds:\n      - path_prefix: %q\n        sla_warn: 90\n      - queue_id: \"%d\"\n        waiting_warn: 2\n",
			teams[i%4], prefixes[(i+1)%5], i)
	}
	return load(b, y.String())
}

// BenchmarkApply applies and evaluates every board of a 20-board set to a
// 200-agent, 50-queue state: the work of one store change.
func BenchmarkApply(b *testing.B) {
	s, states := benchSet(b), benchStates()
	list := s.List()
	if len(list) != 20 {
		b.Fatalf("%d boards", len(list))
	}
	b.Run("apply", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			for _, bd := range list {
				bd.Apply(states, t0)
			}
		}
	})
	b.Run("apply+evaluate+display", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			for _, bd := range list {
				mb := bd.Apply(states, t0)
				bd.Evaluate(mb)
				bd.ForDisplay(mb)
			}
		}
	})
}

func TestApplyOrdersLikeMerge(t *testing.T) {
	// Names repeat across sources and queues share names: the tie-breaks must
	// match model.Merge so that a board renders the same as before boards.
	states := benchStates()
	for i := range states[0].Agents {
		states[0].Agents[i].Name = fmt.Sprint("Same ", i%3)
	}
	for i := range states[1].Agents {
		states[1].Agents[i].Name = fmt.Sprint("Same ", i%3)
	}
	for i := range states[0].Queues {
		states[0].Queues[i].Name = "Q"
	}
	all := get(t, New(nil), "all")
	if got, want := all.Apply(states, t0), model.Merge("all", "All queues", t0, states); !reflect.DeepEqual(got, want) {
		t.Fatal("Apply of board all differs from model.Merge")
	}
}

func TestFingerprintChangesWithTheBoardOnly(t *testing.T) {
	a := load(t, "boards:\n  - id: x\n    theme: dark\n  - id: y\n")
	b := load(t, "boards:\n  - id: x\n    theme: dark\n  - id: y\n")
	c := load(t, "boards:\n  - id: x\n    theme: light\n  - id: y\n")
	d := load(t, "boards:\n  - id: x\n    theme: dark\n  - id: y\n    thresholds:\n      sla_warn: 81\n")
	fp := func(s *Set, id string) string { return get(t, s, id).Fingerprint() }
	if fp(a, "x") == "" || fp(a, "x") != fp(b, "x") || fp(a, "y") != fp(b, "y") {
		t.Error("the same definition must give the same fingerprint")
	}
	if fp(a, "x") == fp(c, "x") || fp(a, "y") != fp(c, "y") {
		t.Error("a theme change changes only its board")
	}
	if fp(a, "y") == fp(d, "y") || fp(a, "x") != fp(d, "x") {
		t.Error("a threshold change changes only its board")
	}
}

func TestNextChangeIsTheNextWaitCrossing(t *testing.T) {
	b := get(t, New(nil), "all") // built-in waits: warn 60s, critical 3m
	states := []model.SourceState{{Health: model.Health{Source: "u", Kind: "ujet", OK: true},
		Queues: []model.Queue{
			{Source: "u", ID: "1:en:call", Name: "A", Channel: "call", Waiting: 1, OldestSince: ago(40 * time.Second)},
			{Source: "u", ID: "2:en:call", Name: "B", Channel: "call", Waiting: 1, OldestSince: ago(150 * time.Second)},
		}}}
	ev := b.Evaluate(b.Apply(states, t0))
	// A turns warn 20 s from now; B turns critical 30 s from now.
	if want := t0.Add(20 * time.Second); !ev.NextChange.Equal(want) {
		t.Fatalf("NextChange %v, want %v", ev.NextChange, want)
	}
	// Re-evaluated then, A is warn.
	ev = b.Evaluate(b.Apply(states, ev.NextChange))
	if c := ev.Queues[QueueKey{"u", "1:en:call"}].LongestWait; c.Level != LevelWarn {
		t.Fatalf("A at its crossing: %+v", c)
	}
	if want := t0.Add(30 * time.Second); !ev.NextChange.Equal(want) {
		t.Fatalf("then NextChange %v, want %v", ev.NextChange, want)
	}
	states[0].Queues = states[0].Queues[:0]
	if ev := b.Evaluate(b.Apply(states, t0)); !ev.NextChange.IsZero() {
		t.Fatalf("nobody waits: NextChange %v", ev.NextChange)
	}
}

// Queue groups: every group on a board that shows every queue; the named
// ones (id or name, any case), narrowed by channel, where named; none on a
// board with a queue filter that names none.
func TestQueueGroupsShown(t *testing.T) {
	s := load(t, `boards:
  - id: shipping
    queues:
      ujet:
        path_prefixes: [Support]
        queue_groups: [" shipping ", "29"]
        channels: [call]
  - id: support
    queues:
      ujet:
        path_prefixes: [Support]
`)
	states := fixture()
	states[0].QueueGroups = []model.QueueGroup{
		{Source: "ujet", ID: "20", Name: "Shipping", Channel: "call", SLAPercent: pct(91)},
		{Source: "ujet", ID: "20", Name: "Shipping", Channel: "chat"},
		{Source: "ujet", ID: "24", Name: "Customer Support", Channel: "call", SLAPercent: pct(99.2)},
		{Source: "ujet", ID: "29", Name: "Escalations", Channel: "call", SLAPercent: pct(98.3)},
	}
	groups := func(mb model.Board) []string {
		var out []string
		for _, g := range mb.QueueGroups {
			out = append(out, g.Name+"/"+g.Channel)
		}
		return out
	}
	same(t, "all: every group, by name", groups(get(t, s, "all").Apply(states, t0)),
		"Customer Support/call", "Escalations/call", "Shipping/call", "Shipping/chat")
	same(t, "named groups, call only", groups(get(t, s, "shipping").Apply(states, t0)), "Escalations/call", "Shipping/call")
	if g := get(t, s, "support").Apply(states, t0).QueueGroups; len(g) != 0 {
		t.Errorf("a queue filter without queue_groups shows %v, want none", g)
	}
	mb := get(t, s, "all").Apply(states, t0)
	if mb.QueueGroups[3].SLAPercent != nil {
		t.Errorf("Shipping chat SLA %v, want nil (null)", *mb.QueueGroups[3].SLAPercent)
	}
	// The queue_groups tile: the worst group, counted once per group.
	if c := get(t, s, "all").Evaluate(mb).Tile(config.TileQueueGroups); c.Level != LevelOK || c.Reason != "" {
		t.Errorf("queue_groups tile %+v, want ok", c)
	}
	states[0].QueueGroups[0].SLAPercent = pct(50)
	states[0].QueueGroups[1].SLAPercent = pct(55)
	mb = get(t, s, "all").Apply(states, t0)
	if c := get(t, s, "all").Evaluate(mb).Tile(config.TileQueueGroups); c.Level != LevelCritical || c.Reason != "1 queue group critical" {
		t.Errorf("queue_groups tile %+v, want critical, 1 queue group", c)
	}
}

// Connect's queue groups (group, team or business unit) sit beside UJET's:
// every one on a board of every queue, UJET's filters do not drop them, and a
// board picking Connect queues by group, team or business unit shows those.
func TestConnectQueueGroupsShown(t *testing.T) {
	s := load(t, `boards:
  - id: ujet-named
    queues:
      ujet:
        queue_groups: [Shipping]
        channels: [call]
      connect:
        channels: [chat]
  - id: west
    queues:
      connect:
        group_ids: ["5"]
        team_ids: ["7"]
        channels: [call]
  - id: ujet-only
    queues:
      ujet:
        path_prefixes: [Support]
`)
	states := fixture()
	states[0].QueueGroups = []model.QueueGroup{{Source: "ujet", ID: "20", Name: "Shipping", Channel: "call", SLAPercent: pct(91)}}
	n := func(v int) *int { return &v }
	states[1].QueueGroups = []model.QueueGroup{
		{Source: "connect", ID: "group/5", Name: "West", Channel: "call", Waiting: n(4), Answered: n(30), Abandoned: n(2)},
		{Source: "connect", ID: "group/5", Name: "West", Channel: "chat", Waiting: n(1)},
		{Source: "connect", ID: "group/6", Name: "East", Channel: "call", Waiting: n(0)},
		{Source: "connect", ID: "team/7", Name: "Blue", Channel: "call"},
	}
	groups := func(id string) []string {
		var out []string
		for _, g := range get(t, s, id).Apply(states, t0).QueueGroups {
			out = append(out, g.Source+":"+g.Name+"/"+g.Channel)
		}
		sort.Strings(out)
		return out
	}
	same(t, "all", groups("all"), "connect:Blue/call", "connect:East/call", "ujet:Shipping/call", "connect:West/call", "connect:West/chat")
	same(t, "UJET names and channels, Connect channels", groups("ujet-named"), "ujet:Shipping/call", "connect:West/chat")
	same(t, "Connect group and team picks", groups("west"), "connect:Blue/call", "connect:West/call")
	if g := groups("ujet-only"); len(g) != 0 {
		t.Errorf("a UJET-only queue filter shows %v", g)
	}
	// Connect groups have no SLA: they never turn the tile.
	if c := get(t, s, "all").Evaluate(get(t, s, "all").Apply(states, t0)).Tile(config.TileQueueGroups); c.Level != LevelOK {
		t.Errorf("queue_groups tile %+v, want ok", c)
	}
}

// A chat board across vendors: channels narrow Connect queues too, and alone
// pick every queue of those channels.
func TestChannelsAcrossVendors(t *testing.T) {
	s := load(t, `boards:
  - id: chats
    queues:
      ujet:
        channels: [chat]
      connect:
        channels: [" Chat "]
  - id: connect-calls
    queues:
      connect:
        queue_ids: [1001, 1002]
        channels: [call]
`)
	same(t, "chat queues of both vendors", queueIDs(get(t, s, "chats").Apply(fixture(), t0)), "connect/1002:instantMessage", "ujet/11:es:chat")
	same(t, "picked Connect queues narrowed to calls", queueIDs(get(t, s, "connect-calls").Apply(fixture(), t0)), "connect/1001:audio")
}

// Agents past their state's time limit: each with its level and reason, the
// agent grid summing them up, and the next crossing known so the wall can
// re-render then.
func TestAgentStateTimeLimits(t *testing.T) {
	s := load(t, "defaults:\n  thresholds:\n    state_time:\n      away: {warn: 10m, critical: 30m}\n      wrap_up: {warn: 2m}\n")
	b := get(t, s, "all")
	states := fixture()
	ags := states[0].Agents
	ags[0].State, ags[0].Since = model.StateAway, ago(45*time.Minute)   // critical
	ags[1].State, ags[1].Since = model.StateWrapUp, ago(3*time.Minute)  // warn
	ags[2].State, ags[2].Since = model.StateWrapUp, ago(90*time.Second) // warns in 30 s
	ags[3].State, ags[3].Since = model.StateBusy, ago(5*time.Hour)      // no limit
	mb := b.Apply(states, t0)
	ev := b.Evaluate(mb)
	for _, tc := range []struct {
		a     model.Agent
		level Level
		why   string
	}{
		{ags[0], LevelCritical, "away 45:00, limit 30:00"},
		{ags[1], LevelWarn, "in wrap-up 3:00, warn at 2:00"},
		{ags[2], LevelNone, ""},
		{ags[3], LevelNone, ""},
	} {
		if c := ev.Agent(tc.a); c.Level != tc.level || c.Reason != tc.why {
			t.Errorf("agent %s: %+v, want %s %q", tc.a.ID, c, tc.level, tc.why)
		}
	}
	if c := ev.Tile(config.TileAgentGrid); c.Level != LevelCritical || c.Reason != "1 agent critical, 1 warn" {
		t.Errorf("agent grid %+v", c)
	}
	if want := t0.Add(30 * time.Second); !ev.NextChange.Equal(want) {
		t.Errorf("next change %v, want %v (agent 3 reaching 2:00 in wrap-up)", ev.NextChange, want)
	}

	// A limit for the status (any case and spacing) wins over the state's:
	// a meal may last longer than other time away.
	s = load(t, "defaults:\n  thresholds:\n    state_time:\n      away: {warn: 10m, critical: 30m}\n    status_time:\n      \"meal \": {warn: 40m, critical: 1h}\n")
	b = get(t, s, "all")
	ags[0].Status = "Meal"
	ags[1].State, ags[1].Status, ags[1].Since = model.StateAway, "Break", ago(12*time.Minute)
	ev = b.Evaluate(b.Apply(states, t0))
	if c := ev.Agent(ags[0]); c.Level != LevelWarn || c.Reason != "\u2068Meal\u2069 45:00, warn at 40:00" {
		t.Errorf("agent at meal for 45 min: %+v, want warn by the Meal limit", c)
	}
	if c := ev.Agent(ags[1]); c.Level != LevelWarn || c.Reason != "away 12:00, warn at 10:00" {
		t.Errorf("agent on break for 12 min: %+v, want warn by the away limit", c)
	}
}

// A board counts its day from midnight in its own time zone: the source's
// counts for that zone replace the server's; other boards keep the server's.
func TestBoardTimeZoneCounts(t *testing.T) {
	s := load(t, "boards:\n  - id: paris\n    time_zone: Europe/Paris\n  - id: here\n")
	if got := s.TimeZones(); len(got) != 1 || got[0] != "Europe/Paris" {
		t.Fatalf("time zones %v", got)
	}
	n := func(v int) *int { return &v }
	st := model.SourceState{
		Health: model.Health{Source: "ujet", Kind: "ujet", OK: true},
		Queues: []model.Queue{{Source: "ujet", ID: "501:en:call", Name: "Support", Channel: "call", Answered: n(40), Abandoned: n(4)},
			{Source: "ujet", ID: "502:en:call", Name: "Sales", Channel: "call", Answered: n(1), Abandoned: n(0)}},
		Days: []model.DayCounts{{Zone: "Europe/Paris", Queues: map[string]model.QueueDay{"501:en:call": {Answered: 7, Abandoned: 1}}}},
	}
	states := []model.SourceState{st}
	paris := get(t, s, "paris").Apply(states, t0)
	here := get(t, s, "here").Apply(states, t0)
	if q := paris.Queues[1]; *q.Answered != 7 || *q.Abandoned != 1 {
		t.Errorf("Paris board: Support %d/%d, want 7/1", *q.Answered, *q.Abandoned)
	}
	if q := paris.Queues[0]; *q.Answered != 0 || *q.Abandoned != 0 {
		t.Errorf("Paris board: Sales %d/%d, want 0/0 (nothing since Paris midnight)", *q.Answered, *q.Abandoned)
	}
	if q := here.Queues[1]; *q.Answered != 40 || *q.Abandoned != 4 {
		t.Errorf("server-zone board: Support %d/%d, want 40/4", *q.Answered, *q.Abandoned)
	}
	if *states[0].Queues[0].Answered != 40 {
		t.Error("Apply changed its input")
	}
}

// A closed queue raises no SLA or waiting alert, whatever its figures.
func TestClosedQueueRaisesNoAlert(t *testing.T) {
	s := load(t, "boards:\n  - id: a\n")
	since := t0.Add(-time.Hour)
	q := model.Queue{Source: "ujet", ID: "1:en:call", Name: "Night", Channel: "call", Waiting: 3, OldestSince: &since, SLAPercent: pct(5)}
	mb := model.Board{ID: "a", GeneratedAt: t0, Queues: []model.Queue{q}}
	b := get(t, s, "a")
	if ev := b.Evaluate(mb); ev.Queue(q).Level != LevelCritical {
		t.Fatalf("open queue level %s, want critical", ev.Queue(q).Level)
	}
	q.Closed = true
	mb.Queues[0] = q
	ev := b.Evaluate(mb)
	if c := ev.Queue(q); c.Level != LevelNone {
		t.Errorf("closed queue level %s (%s), want none", c.Level, c.Reason)
	}
	if c := ev.Tile(config.TileSLACall); c.Level != LevelNone {
		t.Errorf("call SLA tile %s with only a closed queue", c.Level)
	}
}

// The clock time in a wait's or a state time's reason grows by itself:
// the check says where it is in the reason and when it began, also when
// reasons are joined and when other words in the reason look like times.
func TestReasonsCarryTheirMovingClock(t *testing.T) {
	ticks := func(c Check, since time.Time, clock string) {
		t.Helper()
		if !c.Since.Equal(since) || !strings.HasPrefix(c.Reason[c.SinceAt:], clock) {
			t.Errorf("%q: since %v at %d (%q), want %v at %q", c.Reason, c.Since, c.SinceAt, c.Reason[c.SinceAt:], since, clock)
		}
	}
	s := load(t, thresholdsYAML)
	b := get(t, s, "t")
	mb := b.Apply(fixture(), t0)
	ev := b.Evaluate(mb)
	for _, q := range mb.Queues {
		qc := ev.Queue(q)
		switch q.ID {
		case "110:en:call": // "longest wait 4:00, limit 3:00; 12 waiting, limit 10"
			ticks(qc.LongestWait, *q.OldestSince, "4:00, limit")
			ticks(qc.Check, *q.OldestSince, "4:00, limit")
			if !qc.Waiting.Since.IsZero() {
				t.Errorf("a count does not move: %+v", qc.Waiting)
			}
		case "11:es:chat", "13:en:call": // SLA only
			if !qc.Since.IsZero() {
				t.Errorf("queue %s: an SLA does not move: %+v", q.ID, qc.Check)
			}
		}
	}
	ticks(ev.Tile(config.TileLongestWait), *mb.Totals().LongestSince, "4:00, limit")
	if c := ev.Tile(config.TileCallsWaiting); !c.Since.IsZero() {
		t.Errorf("calls waiting does not move: %+v", c)
	}

	// Joined after a reason without one, the clock moves along.
	var c Check
	c.Append("; ", Check{Level: LevelWarn, Reason: "SLA 50% below 90%"})
	at := t0.Add(-4 * time.Minute)
	c.Append("; ", waitCheck(4*time.Minute, &at, b.Thresholds))
	if c.Reason != "SLA 50% below 90%; longest wait 4:00, limit 3:00" {
		t.Fatalf("joined %q", c.Reason)
	}
	ticks(c, at, "4:00, limit")
	// The first part with a clock keeps it.
	c.Append("; ", Check{Reason: "away 1:00", Since: t0, SinceAt: 5})
	ticks(c, at, "4:00, limit")

	// A status that looks like a time does not take the clock.
	s = load(t, "defaults:\n  thresholds:\n    status_time:\n      \"break 10:15\": {warn: 10m}\n")
	b = get(t, s, "all")
	states := fixture()
	a := &states[0].Agents[0]
	a.State, a.Status, a.Since = model.StateAway, "Break 10:15", ago(12*time.Minute)
	ac := b.Evaluate(b.Apply(states, t0)).Agent(*a)
	if ac.Reason != "\u2068Break 10:15\u2069 12:00, warn at 10:00" {
		t.Fatalf("agent reason %q", ac.Reason)
	}
	ticks(ac, *a.Since, "12:00, warn")
}
