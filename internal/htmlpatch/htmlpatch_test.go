package htmlpatch

import (
	"slices"
	"strings"
	"testing"
)

func apply(t *testing.T, prev string, parts []Part) string {
	t.Helper()
	out, err := Apply([]byte(prev), parts)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
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

// A part whose children were only reordered, added or removed carries the
// unchanged ones as placeholders, not whole.
func TestDiffKeepsUnchangedElements(t *testing.T) {
	cards := func(ids ...string) string {
		var b strings.Builder
		for _, id := range ids {
			b.WriteString(`<div id="` + id + `" class="card"><b>` + strings.Repeat(id, 20) + `</b><span data-since="5">0:01</span></div>`)
		}
		return `<main id="m"><section id="grid">` + b.String() + `</section><input id="box" value="x"></main>`
	}
	prev := cards("a", "b", "c", "d")
	next := strings.Replace(cards("b", "a", "c", "e"), "<b>"+strings.Repeat("c", 20), "<b>"+strings.Repeat("C", 20), 1)
	parts, ok := Diff(Parse([]byte(prev)), Parse([]byte(next)))
	if !ok || len(parts) != 1 {
		t.Fatalf("%d parts, ok %v; want the grid", len(parts), ok)
	}
	got := string(parts[0].HTML)
	for _, want := range []string{`<div id="b" data-wb-keep></div>`, `<div id="a" data-wb-keep></div>`, strings.Repeat("C", 20), strings.Repeat("e", 20)} {
		if !strings.Contains(got, want) {
			t.Errorf("the grid's part %s\nlacks %s", got, want)
		}
	}
	if strings.Contains(got, strings.Repeat("a", 20)) {
		t.Errorf("the grid's part %s carries card a whole", got)
	}
	if applied := apply(t, prev, parts); applied != next {
		t.Errorf("applied:\n%s\nwant:\n%s", applied, next)
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
		if !ok || strings.Contains(a+b, "data-since") || strings.Contains(a+b, "data-wb-keep") {
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
