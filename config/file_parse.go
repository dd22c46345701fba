package config

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"math"
	"net/netip"
	"net/url"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
	"golang.org/x/crypto/bcrypt"

	"github.com/wallboard/wallboard/model"
)

// maxNodes bounds how many YAML nodes a file may expand to (aliases
// included), so that an alias bomb is an error rather than a hang.
const maxNodes = 200_000

// minSecretLen is the shortest display-token secret accepted, in bytes.
const minSecretLen = 32

// parser walks the YAML node tree, collecting every problem.
type parser struct {
	path     string
	problems []Problem
	nodes    int
}

func (p *parser) add(n *yaml.Node, field, format string, args ...any) {
	line := 0
	if n != nil {
		line = n.Line
	}
	p.problems = append(p.problems, Problem{Line: line, Field: field, Msg: fmt.Sprintf(format, args...)})
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// parseFile parses and validates data, the contents of path.
func parseFile(path string, data []byte) (*File, error) {
	p := &parser{path: path}
	var doc, extra yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	err := dec.Decode(&doc)
	if err == nil {
		if err = dec.Decode(&extra); err == nil {
			return nil, &Error{Path: path, Problems: []Problem{{Line: extra.Line, Msg: "a second YAML document (after ---); put everything in one"}}}
		}
	}
	if errors.Is(err, io.EOF) {
		err = nil
	}
	if err != nil {
		line, msg := syntaxError(err)
		if exact := syntaxLine(data, msg); exact > 0 {
			line = exact
		}
		return nil, &Error{Path: path, Problems: []Problem{{Line: line, Msg: "not valid YAML: " + msg}}}
	}
	f := &File{Path: path, sum: sha256.Sum256(data)}
	f.Defaults = BuiltinDefaults()
	var root *yaml.Node
	if doc.Kind == yaml.DocumentNode && len(doc.Content) > 0 {
		root = doc.Content[0]
	}
	var rawBoards []rawBoard
	var defaults defaultsRaw
	if root != nil && !(root.Kind == yaml.ScalarNode && root.Tag == "!!null") {
		p.mapping(root, "", map[string]func(*yaml.Node, string){
			"boards":   func(n *yaml.Node, field string) { rawBoards = p.boards(n, field) },
			"defaults": func(n *yaml.Node, field string) { defaults = p.defaults(n, field) },
			"statuses": func(n *yaml.Node, field string) { f.Statuses = p.statuses(n, field) },
			"access":   func(n *yaml.Node, field string) { f.Access = p.access(n, field) },
			"connect":  func(n *yaml.Node, field string) { f.Connect = p.connect(n, field) },
		})
	}
	// Defaults over the built-in ones.
	d := &f.Defaults
	d.Thresholds = defaults.th.t.Over(d.Thresholds)
	p.checkOrder("defaults.thresholds", defaults.th, thresholdsRaw{t: d.Thresholds})
	if defaults.tiles != nil {
		d.Tiles = defaults.tiles
	}
	if defaults.names != "" {
		d.Names = defaults.names
	}
	if defaults.theme != "" {
		d.Theme = defaults.theme
	}
	if defaults.rotate != nil {
		d.Rotate = *defaults.rotate
	}
	if defaults.burnIn != nil {
		d.BurnIn = *defaults.burnIn
	}
	if defaults.timeZone != "" {
		d.TimeZone = defaults.timeZone
	}
	// Boards with the defaults applied.
	seen := map[string]int{}
	haveAll := false
	for i, rb := range rawBoards {
		b := rb.b
		if b.ID != "" {
			if line, dup := seen[b.ID]; dup {
				p.add(rb.idNode, fmt.Sprintf("boards[%d].id", i), "duplicate board id %q (first defined at line %d)", b.ID, line)
			} else {
				seen[b.ID] = rb.idNode.Line
			}
		}
		if b.ID == AllBoardID {
			haveAll = true
		}
		if b.Title == "" {
			b.Title = b.ID
			if b.ID == AllBoardID {
				b.Title = "All queues"
			}
		}
		b.Thresholds = rb.th.t.Over(d.Thresholds)
		p.checkOrder(fmt.Sprintf("boards[%d].thresholds", i), rb.th, thresholdsRaw{t: b.Thresholds, lines: rb.th.lines})
		for j, qt := range rb.qth {
			p.checkOrder(fmt.Sprintf("boards[%d].queue_thresholds[%d]", i, j), qt, thresholdsRaw{t: qt.t.Over(b.Thresholds), lines: qt.lines})
		}
		if b.Tiles == nil {
			b.Tiles = append([]Tile{}, d.Tiles...)
		}
		if b.Names == "" {
			b.Names = d.Names
		}
		if b.Theme == "" {
			b.Theme = d.Theme
		}
		if rb.rotate != nil {
			b.Rotate = *rb.rotate
		} else {
			b.Rotate = d.Rotate
		}
		if rb.burnIn != nil {
			b.BurnIn = *rb.burnIn
		} else {
			b.BurnIn = d.BurnIn
		}
		if b.TimeZone == "" {
			b.TimeZone = d.TimeZone
		}
		f.Boards = append(f.Boards, b)
	}
	if !haveAll {
		f.Boards = append([]Board{allBoard(*d)}, f.Boards...)
	}
	if len(p.problems) > 0 {
		sort.SliceStable(p.problems, func(i, j int) bool { return p.problems[i].Line < p.problems[j].Line })
		return nil, &Error{Path: path, Problems: p.problems}
	}
	return f, nil
}

func syntaxError(err error) (line int, msg string) {
	msg = err.Error()
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		return line, m[2]
	}
	return 0, strings.TrimPrefix(msg, "yaml: ")
}

// syntaxLine finds the line of a YAML syntax error: the fewest leading
// lines that fail with the same message (the YAML parser reports the start of
// the enclosing block instead, or no line at all). Longer prefixes fail the
// same way once they hold the error, so a binary search finds it.
func syntaxLine(data []byte, msg string) int {
	lines := bytes.SplitAfter(data, []byte("\n"))
	fails := func(n int) bool {
		err := decodeAll(bytes.Join(lines[:n], nil))
		if err == nil {
			return false
		}
		_, m := syntaxError(err)
		return m == msg
	}
	lo, hi := 1, len(lines)
	if !fails(hi) {
		return 0
	}
	for lo < hi {
		mid := (lo + hi) / 2
		if fails(mid) {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return hi
}

// decodeAll decodes every document of data, returning the first error.
func decodeAll(data []byte) error {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var n yaml.Node
		if err := dec.Decode(&n); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
	}
}

// deref follows aliases and counts nodes against maxNodes. It returns nil
// once the budget is spent (after reporting it once).
func (p *parser) deref(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 100; i++ {
		n = n.Alias
	}
	if n == nil || n.Kind == yaml.AliasNode {
		return nil
	}
	p.nodes++
	if p.nodes == maxNodes {
		p.add(n, "", "the file expands to more than %d values (aliases included)", maxNodes)
	}
	if p.nodes >= maxNodes {
		return nil
	}
	return n
}

func join(field, key string) string {
	if field == "" {
		return key
	}
	return field + "." + key
}

// mapping walks a mapping node, calling handlers by key. Unknown and
// duplicate keys are problems.
func (p *parser) mapping(n *yaml.Node, field string, handlers map[string]func(*yaml.Node, string)) {
	n = p.deref(n)
	if n == nil {
		return
	}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return
	}
	if n.Kind != yaml.MappingNode {
		p.add(n, field, "want a mapping (key: value lines), got %s", kindName(n))
		return
	}
	keys := make([]string, 0, len(handlers))
	for k := range handlers {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		kn, vn := p.deref(n.Content[i]), n.Content[i+1]
		if kn == nil {
			return
		}
		if kn.Kind != yaml.ScalarNode {
			p.add(kn, field, "keys must be plain words")
			continue
		}
		key := kn.Value
		if line, dup := seen[key]; dup {
			p.add(kn, join(field, key), "given twice (first at line %d)", line)
			continue
		}
		seen[key] = kn.Line
		h, ok := handlers[key]
		if !ok {
			where := "here"
			if field != "" {
				where = "in " + field
			}
			if !plainKey(key) {
				// A key that is no word may be a pasted secret: not shown.
				p.add(kn, field, "unknown key (not shown: it is not a plain word); known keys %s: %s", where, strings.Join(keys, ", "))
				continue
			}
			p.add(kn, join(field, key), "unknown key%s; known keys %s: %s", suggest(key, keys), where, strings.Join(keys, ", "))
			continue
		}
		h(vn, join(field, key))
	}
}

// plainKey reports whether key looks like a configuration key (a short
// word of letters, digits, '_' and '-'), so an error may name it.
func plainKey(key string) bool {
	if key == "" || len(key) > 40 {
		return false
	}
	for _, c := range key {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return "nothing"
		}
		// Never the value itself: it may be a secret written one level
		// too high (access.display_tokens: <secret>).
		return "a single value"
	}
	return "something else"
}

// scalar returns n's value if n is a non-null scalar.
func (p *parser) scalar(n *yaml.Node, field string) (string, *yaml.Node, bool) {
	n = p.deref(n)
	if n == nil {
		return "", nil, false
	}
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		p.add(n, field, "want a value, got %s", kindName(n))
		return "", n, false
	}
	return n.Value, n, true
}

// secretScalar is the scalar node of a secret-bearing field, or nil (and
// an error saying want, never the value) when there is none.
func (p *parser) secretScalar(n *yaml.Node, field, want string) *yaml.Node {
	n = p.deref(n)
	if n == nil || n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		p.add(n, field, "%s", want)
		return nil
	}
	return n
}

func (p *parser) str(n *yaml.Node, field string) string {
	v, _, _ := p.scalar(n, field)
	return v
}

// list returns the items of a list of scalars; a single scalar is a list of one.
func (p *parser) list(n *yaml.Node, field string) []string {
	n = p.deref(n)
	if n == nil {
		return nil
	}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return []string{}
	}
	if n.Kind == yaml.ScalarNode {
		if strings.TrimSpace(n.Value) == "" {
			p.add(n, field, "empty value")
			return nil
		}
		return []string{n.Value}
	}
	if n.Kind != yaml.SequenceNode {
		p.add(n, field, "want a list, got %s", kindName(n))
		return nil
	}
	out := []string{}
	for i, it := range n.Content {
		v, vn, ok := p.scalar(it, fmt.Sprintf("%s[%d]", field, i))
		if !ok {
			continue
		}
		if strings.TrimSpace(v) == "" {
			p.add(vn, fmt.Sprintf("%s[%d]", field, i), "empty value")
			continue
		}
		out = append(out, strings.TrimSpace(v))
	}
	return out
}

// items returns the nodes of a list.
func (p *parser) items(n *yaml.Node, field string) []*yaml.Node {
	n = p.deref(n)
	if n == nil || (n.Kind == yaml.ScalarNode && n.Tag == "!!null") {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		p.add(n, field, "want a list, got %s", kindName(n))
		return nil
	}
	return n.Content
}

// ---- thresholds ----

type thresholdLines struct {
	slaWarn, slaCrit, waitWarn, waitCrit, cntWarn, cntCrit int
}

type thresholdsRaw struct {
	t     Thresholds
	lines thresholdLines // 0: not set in this block
}

func (p *parser) percent(n *yaml.Node, field string) (*float64, int) {
	v, vn, ok := p.scalar(n, field)
	if !ok {
		return nil, 0
	}
	f, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), "%"), 64)
	if err != nil || math.IsNaN(f) || f < 0 || f > 100 {
		p.add(vn, field, "%s is not a percentage (0–100)", v)
		return nil, vn.Line
	}
	return &f, vn.Line
}

// duration reads seconds (a number) or a Go duration ("90s", "2m").
func (p *parser) duration(n *yaml.Node, field string) (*time.Duration, int) {
	v, vn, ok := p.scalar(n, field)
	if !ok {
		return nil, 0
	}
	d, err := parseDuration(v)
	if err != nil {
		p.add(vn, field, "%s: %v", v, err)
		return nil, vn.Line
	}
	return &d, vn.Line
}

func parseDuration(v string) (time.Duration, error) {
	v = strings.TrimSpace(v)
	if f, err := strconv.ParseFloat(v, 64); err == nil {
		if math.IsNaN(f) || f < 0 || f > 365*24*3600 {
			return 0, fmt.Errorf("want seconds from 0 to a year")
		}
		return time.Duration(f * float64(time.Second)), nil
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		return 0, fmt.Errorf(`want seconds or a duration like "90s" or "2m"`)
	}
	if d < 0 {
		return 0, fmt.Errorf("a duration cannot be negative")
	}
	return d, nil
}

func (p *parser) count(n *yaml.Node, field string) (*int, int) {
	v, vn, ok := p.scalar(n, field)
	if !ok {
		return nil, 0
	}
	c, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || c < 0 {
		p.add(vn, field, "%s is not a count (a whole number, 0 or more)", v)
		return nil, vn.Line
	}
	return &c, vn.Line
}

// thresholdHandlers adds the threshold keys to h, filling r.
func (p *parser) thresholdHandlers(r *thresholdsRaw, h map[string]func(*yaml.Node, string)) map[string]func(*yaml.Node, string) {
	h["sla_warn"] = func(n *yaml.Node, f string) { r.t.SLAWarn, r.lines.slaWarn = p.percent(n, f) }
	h["sla_critical"] = func(n *yaml.Node, f string) { r.t.SLACritical, r.lines.slaCrit = p.percent(n, f) }
	h["longest_wait_warn"] = func(n *yaml.Node, f string) { r.t.LongestWaitWarn, r.lines.waitWarn = p.duration(n, f) }
	h["longest_wait_critical"] = func(n *yaml.Node, f string) { r.t.LongestWaitCritical, r.lines.waitCrit = p.duration(n, f) }
	h["waiting_warn"] = func(n *yaml.Node, f string) { r.t.WaitingWarn, r.lines.cntWarn = p.count(n, f) }
	h["waiting_critical"] = func(n *yaml.Node, f string) { r.t.WaitingCritical, r.lines.cntCrit = p.count(n, f) }
	return h
}

func (p *parser) thresholds(n *yaml.Node, field string) thresholdsRaw {
	var r thresholdsRaw
	p.mapping(n, field, p.thresholdHandlers(&r, map[string]func(*yaml.Node, string){
		"state_time":  func(n *yaml.Node, f string) { r.t.StateTime = p.stateTime(n, f) },
		"status_time": func(n *yaml.Node, f string) { r.t.StatusTime = p.statusTime(n, f) },
	}))
	return r
}

// statusTime reads per-status time limits: a mapping of vendor status names
// (any case and spacing) to {warn, critical} durations.
func (p *parser) statusTime(n *yaml.Node, field string) map[string]StateLimit {
	out := map[string]StateLimit{}
	n = p.deref(n)
	if n == nil || (n.Kind == yaml.ScalarNode && n.Tag == "!!null") {
		return out
	}
	if n.Kind != yaml.MappingNode {
		p.add(n, field, "want a mapping of status names to {warn, critical}, got %s", kindName(n))
		return out
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		kn := p.deref(n.Content[i])
		if kn == nil || kn.Kind != yaml.ScalarNode || model.FoldStatus(kn.Value) == "" {
			p.add(n.Content[i], field, "keys must be status names")
			continue
		}
		if l, ok := p.timeLimit(n.Content[i+1], join(field, kn.Value)); ok {
			out[model.FoldStatus(kn.Value)] = l
		}
	}
	return out
}

// timeLimit reads {warn, critical} durations; ok is false when neither is set.
func (p *parser) timeLimit(n *yaml.Node, f string) (StateLimit, bool) {
	var l StateLimit
	var wl, cl int
	p.mapping(n, f, map[string]func(*yaml.Node, string){
		"warn":     func(n *yaml.Node, f string) { l.Warn, wl = p.duration(n, f) },
		"critical": func(n *yaml.Node, f string) { l.Critical, cl = p.duration(n, f) },
	})
	if l.Warn != nil && l.Critical != nil && *l.Critical < *l.Warn {
		p.problems = append(p.problems, Problem{Line: max(wl, cl), Field: f + ".critical",
			Msg: fmt.Sprintf("critical %s is below warn %s; critical must be the longer time", *l.Critical, *l.Warn)})
	}
	return l, l.Warn != nil || l.Critical != nil
}

// stateTime reads per-state time limits: a mapping of agent states to
// {warn, critical} durations.
func (p *parser) stateTime(n *yaml.Node, field string) map[model.State]StateLimit {
	out := map[model.State]StateLimit{}
	h := map[string]func(*yaml.Node, string){}
	for _, st := range model.States() {
		h[string(st)] = func(n *yaml.Node, f string) {
			if l, ok := p.timeLimit(n, f); ok {
				out[st] = l
			}
		}
	}
	p.mapping(n, field, h)
	return out
}

// checkOrder reports critical thresholds that are milder than warn ones in
// merged (the effective thresholds). own says which fields the block itself
// set; a pair where neither is set there was checked where it was set.
func (p *parser) checkOrder(field string, own thresholdsRaw, merged thresholdsRaw) {
	t, l := merged.t, own.lines
	src := func(line int, name string) string {
		if line == 0 {
			return name + " (inherited)"
		}
		return name
	}
	at := func(a, b int) int {
		if b != 0 {
			return b
		}
		return a
	}
	if t.SLAWarn != nil && t.SLACritical != nil && *t.SLACritical > *t.SLAWarn && (l.slaWarn != 0 || l.slaCrit != 0) {
		p.problems = append(p.problems, Problem{Line: at(l.slaWarn, l.slaCrit), Field: field + ".sla_critical",
			Msg: fmt.Sprintf("%s %g is above %s %g; SLA is bad below its thresholds, so critical must be the lower one",
				src(l.slaCrit, "sla_critical"), *t.SLACritical, src(l.slaWarn, "sla_warn"), *t.SLAWarn)})
	}
	if t.LongestWaitWarn != nil && t.LongestWaitCritical != nil && *t.LongestWaitCritical < *t.LongestWaitWarn && (l.waitWarn != 0 || l.waitCrit != 0) {
		p.problems = append(p.problems, Problem{Line: at(l.waitWarn, l.waitCrit), Field: field + ".longest_wait_critical",
			Msg: fmt.Sprintf("%s %s is below %s %s; critical must be the longer wait",
				src(l.waitCrit, "longest_wait_critical"), *t.LongestWaitCritical, src(l.waitWarn, "longest_wait_warn"), *t.LongestWaitWarn)})
	}
	if t.WaitingWarn != nil && t.WaitingCritical != nil && *t.WaitingCritical < *t.WaitingWarn && (l.cntWarn != 0 || l.cntCrit != 0) {
		p.problems = append(p.problems, Problem{Line: at(l.cntWarn, l.cntCrit), Field: field + ".waiting_critical",
			Msg: fmt.Sprintf("%s %d is below %s %d; critical must be the larger count",
				src(l.cntCrit, "waiting_critical"), *t.WaitingCritical, src(l.cntWarn, "waiting_warn"), *t.WaitingWarn)})
	}
}

// ---- enums ----

func (p *parser) tiles(n *yaml.Node, field string) []Tile {
	n = p.deref(n)
	if n == nil || (n.Kind == yaml.ScalarNode && n.Tag == "!!null") {
		return nil // not given: the defaults' tiles
	}
	known := make([]string, 0, len(Tiles()))
	for _, t := range Tiles() {
		known = append(known, string(t))
	}
	out := []Tile{}
	seen := map[Tile]bool{}
	for i, it := range p.items(n, field) {
		f := fmt.Sprintf("%s[%d]", field, i)
		v, vn, ok := p.scalar(it, f)
		if !ok {
			continue
		}
		t := Tile(strings.TrimSpace(v))
		switch {
		case !containsString(known, string(t)):
			p.add(vn, f, "unknown tile %q%s; tiles: %s", v, suggest(v, known), strings.Join(known, ", "))
		case seen[t]:
			p.add(vn, f, "tile %q listed twice", v)
		default:
			seen[t] = true
			out = append(out, t)
		}
	}
	if len(out) == 0 && n.Kind == yaml.SequenceNode && len(n.Content) == 0 {
		p.add(n, field, "a board needs at least one tile")
	}
	return out
}

func (p *parser) enum(n *yaml.Node, field, what string, known []string) string {
	v, vn, ok := p.scalar(n, field)
	if !ok {
		return ""
	}
	v = strings.TrimSpace(v)
	if !containsString(known, v) {
		p.add(vn, field, "unknown %s %q%s; want one of %s", what, v, suggest(v, known), strings.Join(known, ", "))
		return ""
	}
	return v
}

func (p *parser) names(n *yaml.Node, field string) NameMode {
	return NameMode(p.enum(n, field, "name mode", []string{string(NamesFull), string(NamesFirstInitial), string(NamesHidden)}))
}

func (p *parser) theme(n *yaml.Node, field string) Theme {
	return Theme(p.enum(n, field, "theme", []string{string(ThemeDark), string(ThemeLight), string(ThemeHighContrast)}))
}

// rotate reads a rotation interval: seconds, a duration, or "off"/0.
func (p *parser) rotate(n *yaml.Node, field string) *time.Duration {
	return p.interval(n, field, 3*time.Second, "too fast to read")
}

// burnIn reads how often the wall shifts against burn-in: seconds, a
// duration, or "off"/0.
// timeZone reads an IANA time zone name such as Europe/Paris.
func (p *parser) timeZone(n *yaml.Node, field string) string {
	v, vn, ok := p.scalar(n, field)
	if !ok {
		return ""
	}
	v = strings.TrimSpace(v)
	if _, err := time.LoadLocation(v); err != nil || v == "" || strings.EqualFold(v, "local") {
		p.add(vn, field, "%q is not a time zone; want an IANA name such as Europe/Paris or UTC", v)
		return ""
	}
	return v
}

func (p *parser) burnIn(n *yaml.Node, field string) *time.Duration {
	return p.interval(n, field, 10*time.Second, "too often: the wall would wander")
}

// interval reads a repeating interval of at least least, or "off"/0.
func (p *parser) interval(n *yaml.Node, field string, least time.Duration, tooShort string) *time.Duration {
	v, vn, ok := p.scalar(n, field)
	if !ok {
		return nil
	}
	if s := strings.ToLower(strings.TrimSpace(v)); s == "off" || s == "false" || s == "never" {
		var d time.Duration
		return &d
	}
	d, err := parseDuration(v)
	if err != nil {
		p.add(vn, field, "%s: %v, or off", v, err)
		return nil
	}
	if d != 0 && d < least {
		p.add(vn, field, "%s is %s; want %s or more, or off", v, tooShort, least)
		return nil
	}
	return &d
}

// ---- boards ----

var boardID = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$`)

type rawBoard struct {
	b      Board
	idNode *yaml.Node
	th     thresholdsRaw
	qth    []thresholdsRaw
	rotate *time.Duration
	burnIn *time.Duration
}

func (p *parser) boards(n *yaml.Node, field string) []rawBoard {
	var out []rawBoard
	for i, it := range p.items(n, field) {
		f := fmt.Sprintf("%s[%d]", field, i)
		rb := rawBoard{}
		b := &rb.b
		if d := p.deref(it); d != nil {
			b.Line = d.Line
			rb.idNode = d
		}
		p.mapping(it, f, map[string]func(*yaml.Node, string){
			"id": func(n *yaml.Node, f string) {
				v, vn, ok := p.scalar(n, f)
				if !ok {
					return
				}
				rb.idNode = vn
				if !boardID.MatchString(v) {
					p.add(vn, f, "%q is not a url-safe id (letters, digits, '-' and '_', up to 64, starting with a letter or digit)", v)
					return
				}
				b.ID = v
			},
			"title":   func(n *yaml.Node, f string) { b.Title = strings.TrimSpace(p.str(n, f)) },
			"sources": func(n *yaml.Node, f string) { b.Sources = p.list(n, f) },
			"queues": func(n *yaml.Node, f string) {
				p.mapping(n, f, map[string]func(*yaml.Node, string){
					"ujet": func(n *yaml.Node, f string) {
						u := &b.Queues.UJET
						p.mapping(n, f, map[string]func(*yaml.Node, string){
							"menu_ids":      func(n *yaml.Node, f string) { u.MenuIDs = p.list(n, f) },
							"path_prefixes": func(n *yaml.Node, f string) { u.PathPrefixes = p.list(n, f) },
							"langs":         func(n *yaml.Node, f string) { u.Langs = p.list(n, f) },
							"channels":      func(n *yaml.Node, f string) { u.Channels = p.list(n, f) },
							"queue_groups":  func(n *yaml.Node, f string) { u.QueueGroups = p.list(n, f) },
						})
					},
					"connect": func(n *yaml.Node, f string) {
						c := &b.Queues.Connect
						p.mapping(n, f, map[string]func(*yaml.Node, string){
							"queue_ids":         func(n *yaml.Node, f string) { c.QueueIDs = p.list(n, f) },
							"team_ids":          func(n *yaml.Node, f string) { c.TeamIDs = p.list(n, f) },
							"group_ids":         func(n *yaml.Node, f string) { c.GroupIDs = p.list(n, f) },
							"business_unit_ids": func(n *yaml.Node, f string) { c.BusinessUnitIDs = p.list(n, f) },
							"channels":          func(n *yaml.Node, f string) { c.Channels = p.list(n, f) },
						})
					},
				})
			},
			"agents": func(n *yaml.Node, f string) {
				p.mapping(n, f, map[string]func(*yaml.Node, string){
					"teams":   func(n *yaml.Node, f string) { b.Agents.Teams = p.list(n, f) },
					"sources": func(n *yaml.Node, f string) { b.Agents.Sources = p.list(n, f) },
				})
			},
			"thresholds": func(n *yaml.Node, f string) { rb.th = p.thresholds(n, f) },
			"queue_thresholds": func(n *yaml.Node, f string) {
				for j, it := range p.items(n, f) {
					qf := fmt.Sprintf("%s[%d]", f, j)
					var qt QueueThresholds
					var r thresholdsRaw
					h := p.thresholdHandlers(&r, map[string]func(*yaml.Node, string){
						"queue_id":    func(n *yaml.Node, f string) { qt.QueueID = strings.TrimSpace(p.str(n, f)) },
						"path_prefix": func(n *yaml.Node, f string) { qt.PathPrefix = strings.TrimSpace(p.str(n, f)) },
					})
					p.mapping(it, qf, h)
					if (qt.QueueID == "") == (qt.PathPrefix == "") {
						p.add(p.deref(it), qf, "give exactly one of queue_id and path_prefix")
					}
					qt.Thresholds = r.t
					b.QueueThresholds = append(b.QueueThresholds, qt)
					rb.qth = append(rb.qth, r)
				}
			},
			"tiles":         func(n *yaml.Node, f string) { b.Tiles = p.tiles(n, f) },
			"names":         func(n *yaml.Node, f string) { b.Names = p.names(n, f) },
			"theme":         func(n *yaml.Node, f string) { b.Theme = p.theme(n, f) },
			"rotate":        func(n *yaml.Node, f string) { rb.rotate = p.rotate(n, f) },
			"burn_in":       func(n *yaml.Node, f string) { rb.burnIn = p.burnIn(n, f) },
			"time_zone":     func(n *yaml.Node, f string) { b.TimeZone = p.timeZone(n, f) },
			"embed_origins": func(n *yaml.Node, f string) { b.EmbedOrigins = p.origins(n, f) },
			"alerts":        func(n *yaml.Node, f string) { b.Alerts = p.alerts(n, f) },
			"forecast": func(n *yaml.Node, f string) {
				p.mapping(n, f, map[string]func(*yaml.Node, string){
					"answer_within": func(n *yaml.Node, f string) {
						b.Forecast.AnswerWithin = p.span(n, f, time.Second, time.Hour)
					},
					"handle_time": func(n *yaml.Node, f string) {
						b.Forecast.HandleTime = p.span(n, f, time.Second, 24*time.Hour)
					},
				})
			},
		})
		if b.Forecast.AnswerWithin == 0 {
			b.Forecast.AnswerWithin = DefaultAnswerWithin
		}
		if b.Forecast.HandleTime == 0 {
			b.Forecast.HandleTime = DefaultHandleTime
		}
		if b.Alerts.Level == "" {
			b.Alerts.Level = AlertCritical
		}
		if b.Alerts.Hold == 0 {
			b.Alerts.Hold = DefaultAlertHold
		}
		if b.ID == "" && rb.idNode != nil && rb.idNode.Kind == yaml.MappingNode {
			p.add(rb.idNode, f+".id", "every board needs an id")
		}
		out = append(out, rb)
	}
	return out
}

type defaultsRaw struct {
	th       thresholdsRaw
	tiles    []Tile
	names    NameMode
	theme    Theme
	rotate   *time.Duration
	burnIn   *time.Duration
	timeZone string
}

func (p *parser) defaults(n *yaml.Node, field string) defaultsRaw {
	var d defaultsRaw
	p.mapping(n, field, map[string]func(*yaml.Node, string){
		"thresholds": func(n *yaml.Node, f string) { d.th = p.thresholds(n, f) },
		"tiles":      func(n *yaml.Node, f string) { d.tiles = p.tiles(n, f) },
		"names":      func(n *yaml.Node, f string) { d.names = p.names(n, f) },
		"theme":      func(n *yaml.Node, f string) { d.theme = p.theme(n, f) },
		"rotate":     func(n *yaml.Node, f string) { d.rotate = p.rotate(n, f) },
		"burn_in":    func(n *yaml.Node, f string) { d.burnIn = p.burnIn(n, f) },
		"time_zone":  func(n *yaml.Node, f string) { d.timeZone = p.timeZone(n, f) },
	})
	return d
}

// ---- statuses ----

func (p *parser) statuses(n *yaml.Node, field string) Statuses {
	var s Statuses
	states := make([]string, 0, len(model.States()))
	for _, st := range model.States() {
		states = append(states, string(st))
	}
	state := func(n *yaml.Node, f string) model.State {
		return model.State(p.enum(n, f, "state", states))
	}
	vendor := func(m *map[string]model.State) func(*yaml.Node, string) {
		return func(n *yaml.Node, f string) {
			n = p.deref(n)
			if n == nil || (n.Kind == yaml.ScalarNode && n.Tag == "!!null") {
				return
			}
			if n.Kind != yaml.MappingNode {
				p.add(n, f, `want a mapping of status name to state, e.g. "Coaching": away`)
				return
			}
			*m = map[string]model.State{}
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, kn, ok := p.scalar(n.Content[i], f)
				if !ok {
					continue
				}
				kf := f + "." + k
				if _, dup := (*m)[k]; dup {
					p.add(kn, kf, "given twice")
					continue
				}
				if st := state(n.Content[i+1], kf); st != "" {
					(*m)[k] = st
				}
			}
		}
	}
	p.mapping(n, field, map[string]func(*yaml.Node, string){
		VendorUJET:    vendor(&s.UJET),
		VendorConnect: vendor(&s.Connect),
		"fallback":    func(n *yaml.Node, f string) { s.Fallback = state(n, f) },
	})
	return s
}

// ---- access ----

var headerName = regexp.MustCompile("^[A-Za-z0-9!#$%&'*+.^_`|~-]+$")

func (p *parser) access(n *yaml.Node, field string) Access {
	var a Access
	var headerNode, proxiesNode, tokensNode, secretNode, fileNode *yaml.Node
	p.mapping(n, field, map[string]func(*yaml.Node, string){
		"trusted_proxies": func(n *yaml.Node, f string) {
			proxiesNode = p.deref(n)
			for i, it := range p.items(n, f) {
				pf := fmt.Sprintf("%s[%d]", f, i)
				v, vn, ok := p.scalar(it, pf)
				if !ok {
					continue
				}
				v = strings.TrimSpace(v)
				pr, err := netip.ParsePrefix(v)
				if err != nil {
					ip, ipErr := netip.ParseAddr(v)
					if ipErr != nil {
						p.add(vn, pf, "%q is neither an IP address nor a CIDR prefix (10.0.0.0/8)", v)
						continue
					}
					pr = netip.PrefixFrom(ip, ip.BitLen())
				}
				a.TrustedProxies = append(a.TrustedProxies, pr.Masked())
			}
		},
		"users": func(n *yaml.Node, f string) {
			seen := map[string]int{}
			for i, it := range p.items(n, f) {
				uf := fmt.Sprintf("%s[%d]", f, i)
				var u User
				var hashNode *yaml.Node
				p.mapping(it, uf, map[string]func(*yaml.Node, string){
					"name": func(n *yaml.Node, f string) { u.Name = strings.TrimSpace(p.str(n, f)) },
					"password_hash": func(n *yaml.Node, f string) {
						if n = p.secretScalar(n, f, "want a bcrypt hash"); n == nil {
							return
						}
						hashNode = n
						// Never echo the value: it is a password hash.
						if _, err := bcrypt.Cost([]byte(n.Value)); err != nil {
							p.add(n, f, "not a bcrypt hash (want $2a$, $2b$ or $2y$ followed by cost and 53 characters; e.g. htpasswd -nbBC 12 user password)")
							return
						}
						u.PasswordHash = n.Value
					},
				})
				un := p.deref(it)
				switch {
				case u.Name == "":
					p.add(un, uf+".name", "every user needs a name")
				case len(u.Name) > 128:
					p.add(un, uf+".name", "longer than 128 characters")
				case seen[u.Name] != 0:
					p.add(un, uf+".name", "user %q defined twice (first at line %d)", u.Name, seen[u.Name])
				default:
					if un != nil {
						seen[u.Name] = un.Line
					}
				}
				if hashNode == nil {
					p.add(un, uf+".password_hash", "every user needs a password_hash")
				}
				a.Users = append(a.Users, u)
			}
		},
		"trusted_proxy_header": func(n *yaml.Node, f string) {
			v, vn, ok := p.scalar(n, f)
			if !ok {
				return
			}
			if !headerName.MatchString(v) {
				p.add(vn, f, "%q is not an HTTP header name", v)
				return
			}
			headerNode = vn
			a.TrustedProxyHeader = v
		},
		"display_tokens": func(n *yaml.Node, f string) {
			tokensNode = p.deref(n)
			p.mapping(n, f, map[string]func(*yaml.Node, string){
				"secret": func(n *yaml.Node, f string) {
					if n = p.secretScalar(n, f, "want a secret string"); n == nil {
						return
					}
					secretNode = n
					if len(n.Value) < minSecretLen {
						p.add(n, f, "too short: want %d characters or more (e.g. openssl rand -base64 48)", minSecretLen)
						return
					}
					a.DisplayTokens.Secret = []byte(n.Value)
				},
				"secret_file": func(n *yaml.Node, f string) {
					v, vn, ok := p.scalar(n, f)
					if !ok {
						return
					}
					fileNode = vn
					path := resolveRelative(p.path, strings.TrimSpace(v))
					a.DisplayTokens.SecretFile = path
					data, err := readSecretFile(path)
					if err != nil {
						p.add(vn, f, "cannot read %s: %v", path, err)
						return
					}
					secret := strings.TrimSpace(string(data))
					if len(secret) < minSecretLen {
						p.add(vn, f, "%s holds %d characters; want %d or more", path, len(secret), minSecretLen)
						return
					}
					a.DisplayTokens.Secret = []byte(secret)
				},
				"revoked": func(n *yaml.Node, f string) { a.DisplayTokens.Revoked = p.list(n, f) },
			})
			if secretNode != nil && fileNode != nil {
				p.add(fileNode, f, "give secret or secret_file, not both")
			}
		},
		"embed": func(n *yaml.Node, f string) {
			p.mapping(n, f, map[string]func(*yaml.Node, string){
				"allowed_origins": func(n *yaml.Node, f string) { a.Embed.AllowedOrigins = p.origins(n, f) },
			})
		},
	})
	// What the access package needs to start, checked here for the lines.
	noProxies := proxiesNode == nil || (proxiesNode.Kind == yaml.ScalarNode && proxiesNode.Tag == "!!null") ||
		(proxiesNode.Kind == yaml.SequenceNode && len(proxiesNode.Content) == 0)
	if headerNode != nil && noProxies {
		p.add(headerNode, join(field, "trusted_proxy_header"), "set, but trusted_proxies is not: list the proxies' addresses (e.g. [10.0.0.5, 10.1.0.0/16])")
	}
	if an := p.deref(n); an != nil && an.Kind == yaml.MappingNode {
		switch {
		case a.SignIn() && len(a.DisplayTokens.Secret) == 0 && tokensNode == nil:
			p.add(an, join(field, "display_tokens"), "required with users or trusted_proxy_header: a secret signs display tokens and sessions")
		case a.SignIn() && tokensNode != nil && secretNode == nil && fileNode == nil:
			p.add(tokensNode, join(field, "display_tokens"), "give secret or secret_file")
		case !a.SignIn() && tokensNode != nil:
			p.add(tokensNode, join(field, "display_tokens"), "display tokens also need users or trusted_proxy_header (a wallboard with access control needs a way to sign in)")
		}
	}
	return a
}

// span reads a duration between least and most (seconds or a Go duration).
func (p *parser) span(n *yaml.Node, field string, least, most time.Duration) time.Duration {
	v, vn, ok := p.scalar(n, field)
	if !ok {
		return 0
	}
	d, err := parseDuration(v)
	switch {
	case err != nil:
		p.add(vn, field, "%s: %v", v, err)
	case d < least || d > most:
		p.add(vn, field, "%s: want between %s and %s", v, least, most)
	default:
		return d
	}
	return 0
}

// alerts reads a board's alerts: level, hold and webhooks.
func (p *parser) alerts(n *yaml.Node, field string) Alerts {
	var a Alerts
	p.mapping(n, field, map[string]func(*yaml.Node, string){
		"level": func(n *yaml.Node, f string) {
			a.Level = p.enum(n, f, "alert level", []string{AlertCritical, AlertWarn})
		},
		"hold": func(n *yaml.Node, f string) {
			v, vn, ok := p.scalar(n, f)
			if !ok {
				return
			}
			d, err := parseDuration(v)
			switch {
			case err != nil:
				p.add(vn, f, "%s: %v", v, err)
			case d < time.Second || d > time.Hour:
				p.add(vn, f, "%s: want between 1s and 1h", v)
			default:
				a.Hold = d
			}
		},
		"webhooks": func(n *yaml.Node, f string) {
			for i, it := range p.items(n, f) {
				wf := fmt.Sprintf("%s[%d]", f, i)
				w := Webhook{Format: WebhookSlack}
				if d := p.deref(it); d != nil {
					w.Line = d.Line
				}
				var secretNode, fileNode, urlNode *yaml.Node
				p.mapping(it, wf, map[string]func(*yaml.Node, string){
					"url": func(n *yaml.Node, f string) {
						urlNode = n
						v, vn, ok := p.scalar(n, f)
						if !ok {
							return
						}
						// Never echo the URL: it may carry a token.
						u, err := url.Parse(strings.TrimSpace(v))
						if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
							p.add(vn, f, "not an http(s) URL")
							return
						}
						w.URL = u.String()
					},
					"format": func(n *yaml.Node, f string) {
						if v := p.enum(n, f, "webhook format", []string{WebhookSlack, WebhookTeams}); v != "" {
							w.Format = v
						}
					},
					"secret": func(n *yaml.Node, f string) {
						if n = p.secretScalar(n, f, "want a secret string"); n == nil {
							return
						}
						secretNode = n
						if len(n.Value) < 16 {
							p.add(n, f, "too short: want 16 characters or more")
							return
						}
						w.Secret = []byte(n.Value)
					},
					"secret_file": func(n *yaml.Node, f string) {
						v, vn, ok := p.scalar(n, f)
						if !ok {
							return
						}
						fileNode = vn
						path := resolveRelative(p.path, strings.TrimSpace(v))
						data, err := readSecretFile(path)
						if err != nil {
							p.add(vn, f, "cannot read %s: %v", path, err)
							return
						}
						secret := strings.TrimSpace(string(data))
						if len(secret) < 16 {
							p.add(vn, f, "%s holds %d characters; want 16 or more", path, len(secret))
							return
						}
						w.Secret = []byte(secret)
					},
				})
				if secretNode != nil && fileNode != nil {
					p.add(fileNode, wf, "give secret or secret_file, not both")
				}
				if w.URL == "" {
					if d := p.deref(it); urlNode == nil && d != nil && d.Kind == yaml.MappingNode {
						p.add(d, wf+".url", "every webhook needs a url")
					}
					continue
				}
				a.Webhooks = append(a.Webhooks, w)
			}
		},
	})
	return a
}

// readSecretFile reads a small regular file (not a device or a pipe, which
// could block a reload forever).
func readSecretFile(path string) ([]byte, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, unwrapPathError(err)
	}
	defer fh.Close()
	st, err := fh.Stat()
	if err != nil {
		return nil, unwrapPathError(err)
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("not a regular file")
	}
	if st.Size() > 64<<10 {
		return nil, fmt.Errorf("larger than 64 KiB")
	}
	data, err := io.ReadAll(io.LimitReader(fh, 64<<10))
	if err != nil {
		return nil, unwrapPathError(err)
	}
	return data, nil
}

func unwrapPathError(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}

// origins reads a list of origins: scheme://host[:port], no path.
func (p *parser) origins(n *yaml.Node, field string) []string {
	var out []string
	for i, it := range p.items(n, field) {
		f := fmt.Sprintf("%s[%d]", field, i)
		v, vn, ok := p.scalar(it, f)
		if !ok {
			continue
		}
		o, err := checkOrigin(strings.TrimSpace(v))
		if err != nil {
			p.add(vn, f, "%q: %v", v, err)
			continue
		}
		if !containsString(out, o) {
			out = append(out, o)
		}
	}
	return out
}

// checkOrigin validates an origin for CSP frame-ancestors and returns it
// normalized (lower case, no trailing slash).
func checkOrigin(s string) (string, error) {
	if s == "*" || s == "'self'" || s == "self" {
		return "", fmt.Errorf("not an origin; list each site as https://host[:port]")
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || u.Opaque != "" {
		return "", fmt.Errorf("not an origin; want scheme://host[:port], e.g. https://intranet.example.com")
	}
	if u.Scheme != "https" && u.Scheme != "http" {
		return "", fmt.Errorf("scheme %q: want https (or http)", u.Scheme)
	}
	if u.User != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("an origin has no user, path, query or fragment; want scheme://host[:port]")
	}
	if host := u.Hostname(); host == "" || strings.ContainsAny(host, "*;, '\"") {
		return "", fmt.Errorf("bad host %q (list each site; wildcards are not allowed)", host)
	}
	if port := u.Port(); port != "" {
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return "", fmt.Errorf("bad port %q", port)
		}
	}
	return strings.ToLower(u.Scheme + "://" + u.Host), nil
}

// ---- suggestions ----

// suggest returns ` (did you mean "x"?)` for the known word closest to s.
func suggest(s string, known []string) string {
	best, bestD := "", 3
	for _, k := range known {
		d := distance(strings.ToLower(s), strings.ToLower(k))
		if d < bestD {
			best, bestD = k, d
		}
	}
	if best == "" || best == s {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

// distance is the Levenshtein distance between a and b, capped for long words.
func distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	if len(ra) > 64 || len(rb) > 64 {
		if a == b {
			return 0
		}
		return 99
	}
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			c := 1
			if ra[i-1] == rb[j-1] {
				c = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+c)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
