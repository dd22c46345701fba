// Package boards applies board definitions from the configuration file to
// the sources' data: which queues and agents a board shows, how its figures
// compare with its thresholds, and how agent names show on shared screens.
//
// Everything here is pure and safe for concurrent use: a Set is built once
// per configuration (and rebuilt on reload) and never changes.
//
// How the server uses it:
//
//	set := boards.New(file)                     // file from config.LoadFile; nil: just board "all"
//	set = set.WithConnect(structures)           // optional: Connect membership for states that carry none (the subscriber puts it in its state)
//	b, ok := set.Get(id)                        // 404 when !ok
//	mb := b.Apply(store.States(), time.Now())   // the board's snapshot (full names)
//	ev := b.Evaluate(mb)                        // threshold levels per tile and queue, with reasons
//	shown := b.ForDisplay(mb)                   // names as the board's mode wants, for walls, embeds and their JSON
//
// Views show a level by colour and by icon or text: ev.Tile(config.TileSLACall)
// and ev.Queue(q) give a Level (none, ok, warn, critical) and the Reason to
// show. Waits grow without new data, so re-run Evaluate at ev.NextChange.
// b.Tiles lists the tiles in order; b.Theme, b.Rotate and b.AllowedOrigins
// configure the page; b.Fingerprint tells after a reload which boards changed.
//
// On reload, build a new Set from the new file and swap it in; boards that
// kept their id keep their URL, so connected screens stay connected.
package boards

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/wallboard/wallboard/config"
	"github.com/wallboard/wallboard/model"
)

// Set is the boards of one configuration, in file order, "all" included.
type Set struct {
	list []*Board
	byID map[string]*Board
}

// New builds the boards of f; nil f gives the single board "all" with the
// built-in defaults.
func New(f *config.File) *Set {
	if f == nil {
		f = config.Default()
	}
	s := &Set{byID: make(map[string]*Board, len(f.Boards))}
	for _, def := range f.Boards {
		b := compile(def, f.EmbedOrigins(def.ID))
		s.list = append(s.list, b)
		s.byID[b.ID] = b
	}
	return s
}

// Location is the board's time zone: its own, else the server's.
func (b *Board) Location() *time.Location {
	if b.loc == nil {
		return time.Local
	}
	return b.loc
}

// Get returns the board with id.
func (s *Set) Get(id string) (*Board, bool) {
	b, ok := s.byID[id]
	return b, ok
}

// TimeZones lists the time zones boards count their day in, besides the
// server's own, each once.
func (s *Set) TimeZones() []string {
	var out []string
	for _, b := range s.list {
		if b.TimeZone != "" && !slices.Contains(out, b.TimeZone) {
			out = append(out, b.TimeZone)
		}
	}
	return out
}

// List returns the boards in file order (the built-in "all" first when the
// file does not define it). The slice is the caller's.
func (s *Set) List() []*Board { return append([]*Board(nil), s.list...) }

// ConnectStructure is the part of Clarity Connect's MBU structure that board
// filters need: which agents and queues belong to which team, and which teams
// and queues to which group and business unit. Ids are Connect's, as strings.
// The Connect subscriber puts it in its SourceState (model.Membership), and
// Apply uses it from there.
type ConnectStructure = model.Membership

// WithConnect returns a copy of s whose boards resolve Connect team, group and
// business unit ids with structures (by Connect source name), for sources
// whose states carry no Membership of their own. Without either, those
// criteria select nothing; queue ids and team names work without them.
func (s *Set) WithConnect(structures map[string]ConnectStructure) *Set {
	out := &Set{byID: make(map[string]*Board, len(s.list))}
	for _, b := range s.list {
		nb := *b
		nb.connect = make(map[string]connectResolved, len(structures))
		for src, st := range structures {
			nb.connect[src] = b.resolveConnect(st)
		}
		out.list = append(out.list, &nb)
		out.byID[nb.ID] = &nb
	}
	return out
}

// Board is one board definition, compiled for fast filtering.
type Board struct {
	config.Board // ID, Title, Tiles, Names, Theme, Rotate, Thresholds, …

	// AllowedOrigins may frame this board's embeds: access.embed.allowed_origins
	// and the board's embed_origins (for CSP frame-ancestors).
	AllowedOrigins []string

	loc          *time.Location  // the board's time zone; nil: the server's
	sources      map[string]bool // nil: every source
	queuesSet    bool            // some queue criterion is given
	ujet         ujetFilter
	connectIDs   map[string]bool // queue ids given directly
	connectChans []string        // nil: every channel
	agentSources map[string]bool
	agentTeams   []string   // team names (and ids, for Connect); nil: every agent
	overrides    []override // most specific first
	connect      map[string]connectResolved
}

type ujetFilter struct {
	pick     bool // menu ids or prefixes given
	menuIDs  map[string]bool
	prefixes [][]string // folded path segments
	langs    []string
	channels []string
	groups   map[string]bool // queue group ids and folded names; nil: see groupShown
}

type connectResolved struct {
	queues map[string]bool
	agents map[string]bool // agents of teams named by id in agents.teams
}

type override struct {
	queueID string
	prefix  []string
	th      config.Thresholds // merged over the board's
}

func compile(def config.Board, origins []string) *Board {
	b := &Board{Board: def, AllowedOrigins: origins}
	if def.TimeZone != "" {
		// Checked when the file was read; resolved once here, not per render.
		if loc, err := time.LoadLocation(def.TimeZone); err == nil {
			b.loc = loc
		}
	}
	b.sources = set(def.Sources)
	b.queuesSet = def.Queues.Set()
	u := def.Queues.UJET
	b.ujet = ujetFilter{
		pick:     len(u.MenuIDs)+len(u.PathPrefixes) > 0,
		menuIDs:  set(u.MenuIDs),
		langs:    trimmed(u.Langs),
		channels: trimmed(u.Channels),
	}
	for _, p := range u.PathPrefixes {
		b.ujet.prefixes = append(b.ujet.prefixes, segments(p))
	}
	if len(u.QueueGroups) > 0 {
		b.ujet.groups = map[string]bool{}
		for _, g := range u.QueueGroups {
			b.ujet.groups[strings.ToLower(strings.TrimSpace(g))] = true
		}
	}
	b.connectIDs = set(def.Queues.Connect.QueueIDs)
	b.connectChans = trimmed(def.Queues.Connect.Channels)
	b.agentSources = set(def.Agents.Sources)
	b.agentTeams = trimmed(def.Agents.Teams)
	// Queue ids before prefixes, longer prefixes before shorter ones.
	for _, qt := range def.QueueThresholds {
		if qt.QueueID != "" {
			b.overrides = append(b.overrides, override{queueID: qt.QueueID, th: qt.Thresholds.Over(def.Thresholds)})
		}
	}
	var prefixed []override
	for _, qt := range def.QueueThresholds {
		if qt.PathPrefix != "" {
			prefixed = append(prefixed, override{prefix: segments(qt.PathPrefix), th: qt.Thresholds.Over(def.Thresholds)})
		}
	}
	for i := 1; i < len(prefixed); i++ { // stable insertion sort by length, descending
		for j := i; j > 0 && len(prefixed[j].prefix) > len(prefixed[j-1].prefix); j-- {
			prefixed[j], prefixed[j-1] = prefixed[j-1], prefixed[j]
		}
	}
	b.overrides = append(b.overrides, prefixed...)
	return b
}

func (b *Board) resolveConnect(st ConnectStructure) connectResolved {
	c := b.Queues.Connect
	r := connectResolved{queues: map[string]bool{}, agents: map[string]bool{}}
	teams := map[string]bool{}
	for _, t := range c.TeamIDs {
		teams[t] = true
	}
	for _, g := range c.GroupIDs {
		for _, t := range st.GroupTeams[g] {
			teams[t] = true
		}
	}
	for _, bu := range c.BusinessUnitIDs {
		for _, t := range st.BusinessUnitTeams[bu] {
			teams[t] = true
		}
		for _, q := range st.BusinessUnitQueues[bu] {
			r.queues[q] = true
		}
	}
	for t := range teams {
		for _, q := range st.TeamQueues[t] {
			r.queues[q] = true
		}
	}
	for _, t := range b.Agents.Teams {
		for _, a := range st.TeamAgents[t] {
			r.agents[a] = true
		}
	}
	return r
}

// Apply builds the board's snapshot from the sources' states: only its
// sources, queues and agents, merged and sorted exactly as model.Merge does.
// It does not change states.
func (b *Board) Apply(states []model.SourceState, now time.Time) model.Board {
	if b.TimeZone != "" {
		// Today's counts from midnight in the board's zone.
		zoned := make([]model.SourceState, len(states))
		for i := range states {
			zoned[i] = states[i].InZone(b.TimeZone)
		}
		states = zoned
	}
	mb := model.Board{ID: b.ID, Title: b.Title, GeneratedAt: now, Sources: make([]model.Health, 0, len(states))}
	conn := b.connectFor(states)
	// Pick first, then copy into slices allocated once, at their size.
	type pick struct{ state, item int32 }
	var agentSel, queueSel []pick
	for i := range states {
		s := &states[i]
		if !b.sourceShown(s.Source) {
			continue
		}
		mb.Sources = append(mb.Sources, s.Health)
		if agentSel == nil {
			agentSel = make([]pick, 0, len(s.Agents))
			queueSel = make([]pick, 0, len(s.Queues))
		}
		for j := range s.Agents {
			if b.agentShown(&s.Agents[j], conn) {
				agentSel = append(agentSel, pick{int32(i), int32(j)})
			}
		}
		for j := range s.Queues {
			if !b.queuesSet || b.queueShown(s.Kind, &s.Queues[j], conn) {
				queueSel = append(queueSel, pick{int32(i), int32(j)})
			}
		}
	}
	// Sort the picks, small, rather than the agents and queues, in the
	// order of model.Merge; then copy each once.
	agent := func(p pick) *model.Agent { return &states[p.state].Agents[p.item] }
	slices.SortStableFunc(agentSel, func(x, y pick) int { return model.CompareAgents(*agent(x), *agent(y)) })
	queue := func(p pick) *model.Queue { return &states[p.state].Queues[p.item] }
	slices.SortStableFunc(queueSel, func(x, y pick) int { return model.CompareQueues(*queue(x), *queue(y)) })
	mb.Agents = make([]model.Agent, len(agentSel))
	for k, p := range agentSel {
		mb.Agents[k] = *agent(p)
	}
	mb.Queues = make([]model.Queue, len(queueSel))
	for k, p := range queueSel {
		mb.Queues[k] = *queue(p)
	}
	mb.QueueGroups = []model.QueueGroup{}
	for i := range states {
		s := &states[i]
		if !b.sourceShown(s.Source) {
			continue
		}
		for _, g := range s.QueueGroups {
			if b.groupShown(s.Kind, &g) {
				mb.QueueGroups = append(mb.QueueGroups, g)
			}
		}
	}
	slices.SortStableFunc(mb.QueueGroups, model.CompareQueueGroups)
	slices.SortStableFunc(mb.Sources, func(x, y model.Health) int { return strings.Compare(x.Source, y.Source) })
	return mb
}

// groupShown reports whether the board shows queue group g of a source of
// kind. UJET groups: the groups it names (by id or name), narrowed by its
// UJET channels; without names, every group when it shows every queue and
// none otherwise. Connect groups ("group/5", "team/2", "business_unit/1"):
// those of the groups, teams and business units the board picks Connect
// queues by, narrowed by its Connect channels; every one (of those channels)
// when it shows every queue or every Connect queue.
func (b *Board) groupShown(kind string, g *model.QueueGroup) bool {
	if kind == config.VendorConnect {
		return b.connectGroupShown(g)
	}
	if b.ujet.channels != nil && !containsFold(b.ujet.channels, g.Channel) {
		return false
	}
	if b.ujet.groups == nil {
		return !b.queuesSet
	}
	return b.ujet.groups[g.ID] || b.ujet.groups[strings.ToLower(strings.TrimSpace(g.Name))]
}

func (b *Board) connectGroupShown(g *model.QueueGroup) bool {
	if !b.queuesSet {
		return true
	}
	c := b.Queues.Connect
	if b.connectChans != nil && !containsFold(b.connectChans, g.Channel) {
		return false
	}
	if !c.Picks() {
		return c.Set()
	}
	level, id, _ := strings.Cut(g.ID, "/")
	var ids []string
	switch level {
	case "group":
		ids = c.GroupIDs
	case "team":
		ids = c.TeamIDs
	case "business_unit":
		ids = c.BusinessUnitIDs
	}
	for _, v := range ids {
		if strings.TrimSpace(v) == id {
			return true
		}
	}
	return false
}

// cmpStrings compares (a1, a2, a3) with (b1, b2, b3), given as a1, b1, a2, b2, a3, b3.
func cmpStrings(a1, b1, a2, b2, a3, b3 string) int {
	if c := strings.Compare(a1, b1); c != 0 {
		return c
	}
	if c := strings.Compare(a2, b2); c != 0 {
		return c
	}
	return strings.Compare(a3, b3)
}

func (b *Board) sourceShown(source string) bool {
	return b.sources == nil || b.sources[source]
}

// connectFor resolves the board's Connect team, group and business unit ids
// with the Membership the states carry, over those given to WithConnect.
func (b *Board) connectFor(states []model.SourceState) map[string]connectResolved {
	c := b.Queues.Connect
	if len(c.TeamIDs)+len(c.GroupIDs)+len(c.BusinessUnitIDs)+len(b.Agents.Teams) == 0 {
		return b.connect
	}
	conn, copied := b.connect, false
	for i := range states {
		if states[i].Membership == nil {
			continue
		}
		if !copied {
			conn = make(map[string]connectResolved, len(b.connect)+1)
			for k, v := range b.connect {
				conn[k] = v
			}
			copied = true
		}
		conn[states[i].Source] = b.resolveConnect(*states[i].Membership)
	}
	return conn
}

// queueShown applies the queue criteria of the queue's vendor.
func (b *Board) queueShown(kind string, q *model.Queue, conn map[string]connectResolved) bool {
	switch kind {
	case config.VendorUJET:
		f := &b.ujet
		if !b.Queues.UJET.Set() {
			return false
		}
		if f.pick && !f.menuIDs[firstPart(q.ID)] && !f.menuIDs[q.ID] && !hasAnyPrefix(q.Name, f.prefixes) {
			return false
		}
		if f.langs != nil && !containsFold(f.langs, q.Lang) {
			return false
		}
		if f.channels != nil && !containsFold(f.channels, q.Channel) {
			return false
		}
		return true
	case config.VendorConnect:
		if b.connectChans != nil && !containsFold(b.connectChans, q.Channel) {
			return false
		}
		if !b.Queues.Connect.Picks() {
			return b.Queues.Connect.Set() // channels alone: every queue of them
		}
		id := firstPart(q.ID)
		if b.connectIDs[id] || b.connectIDs[q.ID] {
			return true
		}
		return conn[q.Source].queues[id]
	}
	return false
}

func (b *Board) agentShown(a *model.Agent, conn map[string]connectResolved) bool {
	if b.agentSources != nil && !b.agentSources[a.Source] {
		return false
	}
	if b.agentTeams == nil {
		return true
	}
	for _, t := range a.Teams {
		if containsFold(b.agentTeams, strings.TrimSpace(t)) {
			return true
		}
	}
	return conn[a.Source].agents[a.ID]
}

// thresholds returns the thresholds of queue q: the most specific override
// that matches it, or the board's.
// QueueThresholds returns the thresholds that apply to q: the most specific
// queue_thresholds override, else the board's.
func (b *Board) QueueThresholds(q *model.Queue) config.Thresholds { return b.thresholds(q) }

func (b *Board) thresholds(q *model.Queue) config.Thresholds {
	for i := range b.overrides {
		o := &b.overrides[i]
		if o.queueID != "" {
			if o.queueID == q.ID || o.queueID == firstPart(q.ID) {
				return o.th
			}
			continue
		}
		if hasPrefix(q.Name, o.prefix) {
			return o.th
		}
	}
	return b.Thresholds
}

// set returns the items as a set, nil when there are none.
func set(items []string) map[string]bool {
	if len(items) == 0 {
		return nil
	}
	m := make(map[string]bool, len(items))
	for _, it := range items {
		m[strings.TrimSpace(it)] = true
	}
	return m
}

// trimmed returns the items without surrounding spaces, nil when there are none.
func trimmed(items []string) []string {
	if len(items) == 0 {
		return nil
	}
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = strings.TrimSpace(it)
	}
	return out
}

// containsFold reports whether list holds s, without regard to case.
func containsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}

// firstPart is a queue id up to its first ':' (a UJET menu path id, a Connect queue id).
func firstPart(id string) string {
	if i := strings.IndexByte(id, ':'); i >= 0 {
		return id[:i]
	}
	return id
}

// segments splits a menu path at '/' into trimmed, lower-cased segments.
func segments(path string) []string {
	var out []string
	for _, s := range strings.Split(path, "/") {
		if s = strings.ToLower(strings.TrimSpace(s)); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func hasAnyPrefix(name string, prefixes [][]string) bool {
	for _, p := range prefixes {
		if hasPrefix(name, p) {
			return true
		}
	}
	return false
}

// hasPrefix reports whether menu path name starts with the segments of
// prefix, whole segments compared without regard to case or the spaces
// around '/'. It does not allocate.
func hasPrefix(name string, prefix []string) bool {
	if len(prefix) == 0 {
		return false
	}
	rest := name
	for _, want := range prefix {
		var seg string
		for {
			i := strings.IndexByte(rest, '/')
			if i < 0 {
				seg, rest = rest, ""
			} else {
				seg, rest = rest[:i], rest[i+1:]
			}
			seg = strings.TrimSpace(seg)
			if seg != "" || rest == "" {
				break
			}
		}
		if !strings.EqualFold(seg, want) {
			return false
		}
	}
	return true
}

// Fingerprint identifies the board's definition: it changes when anything
// about the board does (filters, thresholds, tiles, names, theme, rotation,
// origins) and only then. After a reload the server compares fingerprints to
// tell the screens of changed boards to reload and leave the others alone.
func (b *Board) Fingerprint() string {
	data, err := json.Marshal(struct {
		Def     config.Board
		Origins []string
	}{b.Board, b.AllowedOrigins})
	if err != nil { // cannot happen: plain data
		return ""
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:12])
}
