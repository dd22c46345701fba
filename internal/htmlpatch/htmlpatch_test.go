package htmlpatch

import (
	"slices"
	"strings"
	"testing"
)

// apply does what a browser does with a patch: each part replaces the
// element of prev with the same id.
func apply(t *testing.T, prev string, parts []Part) string {
	t.Helper()
	r := Parse([]byte(prev))
	type repl struct {
		start, end int
		with       string
	}
	var rs []repl
	for _, p := range parts {
		pr := Parse(p.HTML)
		id := pr.Root()
		i, ok := r.index[id]
		if !ok {
			t.Fatalf("part %q: no element %q in the previous render", p.HTML, id)
		}
		if p.AttrsOnly {
			rs = append(rs, repl{r.units[i].start, r.units[i].headEnd, string(p.HTML[:pr.units[0].headEnd])})
			continue
		}
		rs = append(rs, repl{r.units[i].start, r.units[i].end, string(p.HTML)})
	}
	slices.SortFunc(rs, func(a, b repl) int { return b.start - a.start })
	out := prev
	for _, x := range rs {
		out = out[:x.start] + x.with + out[x.end:]
	}
	return out
}

func page(tiles, rows string) string {
	return `<main id="wall" class="w" hx-swap-oob="morph"><header><h1>Board</h1><span data-since="100">0:05</span></header>` +
		`<section class="tiles">` + tiles + `</section><table><tbody id="rows">` + rows + `</tbody></table><input type="text" id="box"></main>`
}

const tiles = `<div id="t1" class="tile"><b>3</b><span data-since="50">1:00</span></div><div id="t2"><b>4</b></div>`
const rows = `<tr id="r1"><td>a</td></tr><tr id="r2"><td>b</td></tr>`

func TestDiff(t *testing.T) {
	base := page(tiles, rows)
	cases := []struct {
		name  string
		next  string
		parts []string // ids
		full  bool
	}{
		{"nothing", base, nil, false},
		{"ticking text only", page(strings.Replace(tiles, "1:00", "1:07", 1), rows), nil, false},
		{"one tile", page(strings.Replace(tiles, "<b>4</b>", "<b>5</b>", 1), rows), []string{"t2"}, false},
		{"a tile's timer base", page(strings.Replace(tiles, `data-since="50"`, `data-since="60"`, 1), rows), []string{"t1"}, false},
		{"two rows", page(tiles, strings.NewReplacer("<td>a", "<td>A", "<td>b", "<td>B").Replace(rows)), []string{"r1", "r2"}, false},
		{"row added", page(tiles, rows+`<tr id="r3"><td>c</td></tr>`), []string{"rows"}, false},
		{"rows reordered", page(tiles, `<tr id="r2"><td>b</td></tr><tr id="r1"><td>a</td></tr>`), []string{"rows"}, false},
		{"row added and tile changed", page(strings.Replace(tiles, "<b>3</b>", "<b>9</b>", 1), rows+`<tr id="r3"></tr>`), []string{"t1", "rows"}, false},
		{"a reason's time only", page(strings.Replace(tiles, "<b>4</b>", "<b>4</b><i>wait 2:13, warn at 2:00</i>", 1), rows), []string{"t2"}, false},
		{"header", strings.Replace(page(tiles, rows), "Board", "Other", 1), nil, true},
		{"root attribute", strings.Replace(page(tiles, rows), `class="w"`, `class="w stale"`, 1), []string{"wall="}, false},
		{"row attribute", page(tiles, strings.Replace(rows, `<tr id="r2">`, `<tr id="r2" class="hot">`, 1)), []string{"r2="}, false},
		{"duplicate id", page(tiles+`<div id="t1"></div>`, rows), nil, true},
		{"left open", strings.TrimSuffix(page(tiles, rows), "</main>"), nil, true},
	}
	prev := Parse([]byte(base))
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			parts, ok := Diff(prev, Parse([]byte(c.next)))
			if ok == c.full {
				t.Fatalf("ok = %v, want %v", ok, !c.full)
			}
			var ids []string
			for _, p := range parts {
				id := Parse(p.HTML).Root()
				if p.AttrsOnly {
					id += "="
				}
				ids = append(ids, id)
			}
			if !slices.Equal(ids, c.parts) {
				t.Fatalf("parts %q, want %q", ids, c.parts)
			}
			if ok && !strings.Contains(c.name, "ticking") {
				if got := apply(t, base, parts); got != c.next {
					t.Errorf("applied:\n%s\nwant:\n%s", got, c.next)
				}
			}
		})
	}
	// A time in words changes with every render: not a change by itself.
	withReason := func(wait string) *Render {
		return Parse([]byte(page(tiles, `<tr id="r1" title="wait `+wait+`"><td>wait `+wait+`, warn at 2:00</td><td>1:05</td></tr>`)))
	}
	if parts, ok := Diff(withReason("2:13"), withReason("2:14")); !ok || len(parts) != 0 {
		t.Errorf("a reason's time moved: parts %v, ok %v; want none", parts, ok)
	}
	moved := Parse([]byte(page(tiles, `<tr id="r1" title="wait 2:13"><td>wait 2:13, warn at 2:00</td><td>1:06</td></tr>`)))
	if parts, ok := Diff(withReason("2:13"), moved); !ok || len(parts) != 1 {
		t.Errorf("an average wait (a time alone) changed: parts %v, ok %v; want the row", parts, ok)
	}
	if _, ok := Diff(nil, prev); ok {
		t.Error("a first render patched")
	}
}

// FuzzDiff: any markup parses without panicking; a render never differs
// from itself; and a patch applied by id gives the new render.
func FuzzDiff(f *testing.F) {
	f.Add(page(tiles, rows), page(tiles, rows+`<tr id="r3"></tr>`))
	f.Add(page(tiles, rows), page(strings.Replace(tiles, "<b>4</b>", "<b>5</b>", 1), rows))
	f.Add(`<p id=a><br id=b/></p>`, `<p id=a><br id=c></p>`)
	f.Add(`<main id="x"><script>if (a<b) {}</script></main>`, `<main id="x"><!-- c --></main>`)
	f.Fuzz(func(t *testing.T, a, b string) {
		ra, rb := Parse([]byte(a)), Parse([]byte(b))
		if parts, ok := Diff(ra, ra); ok && len(parts) != 0 {
			t.Fatalf("a render differs from itself: %v", parts)
		}
		parts, ok := Diff(ra, rb)
		if !ok || strings.Contains(a+b, "data-since") {
			return
		}
		for _, p := range parts {
			if !Parse(p.HTML).ok {
				return // a part the browser would not find whole: skip the check
			}
		}
		if got := apply(t, a, parts); got != b {
			t.Fatalf("applied %v to %q: got %q, want %q", parts, a, got, b)
		}
	})
}
