// Package htmlpatch finds what changed between two renders of one HTML
// fragment, element by element, so that a live update can carry only those
// elements instead of the whole page.
//
// Elements with an id are the units of a patch. Each unit has a shell: its
// own markup with every descendant unit replaced by a marker naming it, so
// that a unit changes when its own markup changes or when its children
// units are added, removed or reordered, but not when only a child unit
// changes. Diff returns the outermost units whose shell changed; applied in
// a browser by id (morphing each element into the one with the same id),
// they turn the previous render into the new one. Inside a part, a unit
// that did not change at all (itself and every unit inside it) is sent as
// a placeholder, its empty start and end tag marked data-wb-keep: the
// browser moves its element there as it is. Reordering a grid of cards
// sends the grid's order, not every card again.
//
// Text inside an element with a data-since or data-feed attribute is a
// ticking timer that the browser rewrites every second; it is not compared.
// Neither are the clock times ("2:13", "1:02:03") in words and attribute
// values, such as a threshold's reason "longest wait 2:13, warn at 2:00":
// they move with every render, and are sent along when their element
// changes for another reason. A text that is only a time ("1:05", an
// average wait) is compared.
package htmlpatch

import (
	"bytes"
	"errors"
	"fmt"
	"hash/maphash"
	"slices"

	"golang.org/x/net/html"
)

// seed makes shells comparable between renders of one process.
var seed = maphash.MakeSeed()

// Render is one render of a fragment, split into its units. It is not
// changed after Parse and may be shared.
type Render struct {
	src   []byte
	units []unit // document order; units[0] is the root when ok
	index map[string]int
	ok    bool // well formed: one root unit, every id once, every unit closed
}

type unit struct {
	id         string
	name       string // tag name
	start, end int    // src[start:end] is the element
	headEnd    int    // src[start:headEnd] is its start tag
	head       uint64 // hash of the start tag
	shell      uint64 // hash of the rest of the shell
	parent     int    // index of the innermost unit around it; -1 for the root
	keep       bool   // a placeholder: marked data-wb-keep
}

// voids are the elements that have no end tag.
var voids = map[string]bool{
	"area": true, "base": true, "br": true, "col": true, "embed": true, "hr": true, "img": true,
	"input": true, "link": true, "meta": true, "source": true, "track": true, "wbr": true,
}

// Parse splits src, a fragment whose root element has an id, into its
// units. It keeps src: do not change it afterwards. Markup Parse cannot
// split (no root unit, an id twice, an element left open) gives a Render
// that Diff never patches.
func Parse(src []byte) *Render {
	r := &Render{src: src, index: map[string]int{}, ok: true}
	type open struct {
		name    string
		unit    int // index in r.units, or -1
		ticking bool
	}
	var (
		stack  []open
		hashes []*maphash.Hash // shells of the open units, innermost last
		opened []int           // the open units, innermost last
		pos    int
		bad    bool
	)
	write := func(b []byte) {
		if len(hashes) > 0 {
			hashes[len(hashes)-1].Write(b)
		}
	}
	writeMasked := func(b []byte) {
		if len(hashes) > 0 {
			writeWithoutTimes(hashes[len(hashes)-1], b)
		}
	}
	closeUnit := func(i int) {
		h := hashes[len(hashes)-1]
		hashes = hashes[:len(hashes)-1]
		r.units[i].end = pos
		r.units[i].shell = h.Sum64()
		opened = opened[:len(opened)-1]
	}
	z := html.NewTokenizer(bytes.NewReader(src))
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			break
		}
		raw := z.Raw()
		start := pos
		pos += len(raw)
		switch tt {
		case html.StartTagToken, html.SelfClosingTagToken:
			name, more := z.TagName()
			var id string
			ticking, keep := false, false
			for more {
				var k, v []byte
				k, v, more = z.TagAttr()
				switch string(k) {
				case "id":
					id = string(v)
				case "data-since", "data-feed":
					ticking = true
				case "data-wb-keep":
					keep = true
				}
			}
			void := tt == html.SelfClosingTagToken || voids[string(name)]
			u := -1
			if id != "" {
				if _, dup := r.index[id]; dup {
					bad = true
				}
				if len(r.units) > 0 && len(hashes) == 0 {
					bad = true // a second root
				}
				write([]byte("\x00" + id + "\x00"))
				u = len(r.units)
				parent := -1
				if len(opened) > 0 {
					parent = opened[len(opened)-1]
				}
				r.units = append(r.units, unit{id: id, start: start, parent: parent, keep: keep})
				opened = append(opened, u)
				r.index[id] = u
				var hh maphash.Hash
				hh.SetSeed(seed)
				writeWithoutTimes(&hh, raw)
				r.units[u].head, r.units[u].headEnd, r.units[u].name = hh.Sum64(), pos, string(name)
				h := new(maphash.Hash)
				h.SetSeed(seed)
				hashes = append(hashes, h)
				if void {
					closeUnit(u)
				}
			} else {
				writeMasked(raw)
			}
			if !void {
				stack = append(stack, open{name: string(name), unit: u, ticking: ticking})
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			i := len(stack) - 1
			for i >= 0 && stack[i].name != string(name) {
				i--
			}
			if i < 0 {
				write(raw) // a stray end tag
				continue
			}
			if i != len(stack)-1 {
				bad = true // elements left open
			}
			write(raw)
			for j := len(stack) - 1; j >= i; j-- {
				if stack[j].unit >= 0 {
					closeUnit(stack[j].unit)
				}
			}
			stack = stack[:i]
		case html.TextToken:
			if len(stack) > 0 && stack[len(stack)-1].ticking {
				continue
			}
			if hasLetter(raw) {
				writeMasked(raw)
			} else {
				write(raw)
			}
		default:
			write(raw)
		}
	}
	if bad || len(stack) > 0 || len(hashes) > 0 || len(r.units) == 0 || pos != len(src) {
		r.ok = false
	}
	return r
}

// Root is the id of the fragment's root element; "" when there is none.
func (r *Render) Root() string {
	if r == nil || len(r.units) == 0 {
		return ""
	}
	return r.units[0].id
}

// A Part is one element of a patch.
type Part struct {
	// HTML is the element, whole (sharing the render's bytes); with
	// AttrsOnly, its start tag and end tag only.
	HTML []byte
	// AttrsOnly: only the element's own attributes changed; apply them
	// and keep its content.
	AttrsOnly bool
}

// Diff returns the elements of next that differ from prev, outermost
// first in document order. ok is false when next cannot be reached from
// prev by replacing elements by id: there is no prev, either render is not
// well formed, or the root's content changed. Then the whole of next must
// be sent. No parts and ok true: nothing changed but ticking text.
func Diff(prev, next *Render) (parts []Part, ok bool) {
	if prev == nil || next == nil || !prev.ok || !next.ok {
		return nil, false
	}
	root, p := next.units[0], prev.units[0]
	if p.id != root.id || p.name != root.name || p.shell != root.shell {
		return nil, false
	}
	// dirty: the unit, or a unit inside it, is new or changed.
	dirty := make([]bool, len(next.units))
	for i := len(next.units) - 1; i >= 0; i-- {
		u := next.units[i]
		j, found := prev.index[u.id]
		if !found || prev.units[j].name != u.name || prev.units[j].shell != u.shell || prev.units[j].head != u.head {
			dirty[i] = true
		}
		if dirty[i] && u.parent >= 0 {
			dirty[u.parent] = true
		}
	}
	skipTo := 0
	for i, u := range next.units {
		if u.start < skipTo {
			continue // inside a part already taken
		}
		j, found := prev.index[u.id]
		switch {
		case found && prev.units[j].shell == u.shell && prev.units[j].name == u.name:
			if prev.units[j].head != u.head {
				parts = append(parts, Part{HTML: u.startTag(next.src), AttrsOnly: true})
			}
		default:
			parts = append(parts, Part{HTML: next.compact(i, dirty)})
			skipTo = u.end
		}
	}
	return parts, true
}

// compact is unit i with every unit inside it that is not dirty replaced
// by a placeholder; r's bytes themselves when there is none.
func (r *Render) compact(i int, dirty []bool) []byte {
	u := r.units[i]
	clean := false
	for k := i + 1; k < len(r.units) && r.units[k].start < u.end; k++ {
		if !dirty[k] {
			clean = true
			break
		}
	}
	if !clean {
		return r.src[u.start:u.end]
	}
	return r.appendCompact(make([]byte, 0, (u.end-u.start)/2), i, dirty)
}

func (r *Render) appendCompact(b []byte, i int, dirty []bool) []byte {
	u := r.units[i]
	pos := u.start
	for c := i + 1; c < len(r.units) && r.units[c].start < u.end; {
		cu := r.units[c]
		b = append(b, r.src[pos:cu.start]...)
		if dirty[c] {
			b = r.appendCompact(b, c, dirty)
		} else {
			b = cu.placeholder(b)
		}
		pos = cu.end
		for c++; c < len(r.units) && r.units[c].start < cu.end; c++ {
			// a unit inside cu: taken with it
		}
	}
	return append(b, r.src[pos:u.end]...)
}

// placeholder appends u's keep placeholder: <name id="…" data-wb-keep>,
// and its end tag unless u is void.
func (u unit) placeholder(b []byte) []byte {
	b = append(b, '<')
	b = append(b, u.name...)
	b = append(b, ` id="`...)
	b = append(b, html.EscapeString(u.id)...)
	b = append(b, `" data-wb-keep>`...)
	if !voids[u.name] {
		b = append(b, "</"...)
		b = append(b, u.name...)
		b = append(b, '>')
	}
	return b
}

// Apply returns prev with parts applied as a browser applies them: each
// part replaces the element of prev with its id (AttrsOnly: its start tag
// only), a placeholder inside a part standing for prev's element of its id,
// whole. It is for tests and harnesses that follow a page through patches.
func Apply(prev []byte, parts []Part) ([]byte, error) {
	r := Parse(prev)
	if !r.ok {
		return nil, errors.New("htmlpatch: the previous render is not well formed")
	}
	type repl struct {
		start, end int
		with       []byte
	}
	var rs []repl
	for _, p := range parts {
		pr := Parse(p.HTML)
		if !pr.ok {
			return nil, fmt.Errorf("htmlpatch: part %.60q is not well formed", p.HTML)
		}
		i, ok := r.index[pr.Root()]
		if !ok {
			return nil, fmt.Errorf("htmlpatch: no element %q to patch", pr.Root())
		}
		if p.AttrsOnly {
			rs = append(rs, repl{r.units[i].start, r.units[i].headEnd, p.HTML[:pr.units[0].headEnd]})
			continue
		}
		var with []byte
		pos := 0
		for _, u := range pr.units {
			if !u.keep {
				continue
			}
			k, ok := r.index[u.id]
			if !ok {
				return nil, fmt.Errorf("htmlpatch: no element %q to keep", u.id)
			}
			with = append(append(with, p.HTML[pos:u.start]...), prev[r.units[k].start:r.units[k].end]...)
			pos = u.end
		}
		rs = append(rs, repl{r.units[i].start, r.units[i].end, append(with, p.HTML[pos:]...)})
	}
	slices.SortFunc(rs, func(a, b repl) int { return a.start - b.start })
	var out []byte
	pos := 0
	for _, x := range rs {
		if x.start < pos {
			return nil, errors.New("htmlpatch: parts overlap")
		}
		out = append(append(out, prev[pos:x.start]...), x.with...)
		pos = x.end
	}
	return append(out, prev[pos:]...), nil
}

// startTag is u's start tag followed by its end tag.
func (u unit) startTag(src []byte) []byte {
	b := make([]byte, 0, u.headEnd-u.start+len(u.name)+3)
	b = append(b, src[u.start:u.headEnd]...)
	if !voids[u.name] && src[u.headEnd-2] != '/' {
		b = append(b, "</"+u.name+">"...)
	}
	return b
}

// writeWithoutTimes writes b to h with every clock time ("2:13",
// "1:02:03": digits and colons, with a colon) replaced by "#".
func writeWithoutTimes(h *maphash.Hash, b []byte) {
	start := 0
	for i := 0; i < len(b); {
		if !isDigit(b[i]) {
			i++
			continue
		}
		j, colon := i, false
		for j < len(b) && (isDigit(b[j]) || b[j] == ':') {
			colon = colon || b[j] == ':'
			j++
		}
		if colon {
			h.Write(b[start:i])
			h.WriteByte('#')
			start = j
		}
		i = j
	}
	h.Write(b[start:])
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func hasLetter(b []byte) bool {
	for _, c := range b {
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' {
			return true
		}
	}
	return false
}
