package views

import (
	"context"
	"strings"
	"testing"

	"github.com/a-h/templ"
)

func render(t *testing.T, c templ.Component) string {
	t.Helper()
	var b strings.Builder
	if err := c.Render(context.Background(), &b); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// reasonText wraps the reason's moving clock time, and only it, in a
// ticking span; anything else is the plain (escaped) text.
func TestReasonText(t *testing.T) {
	const since = 1700000000000
	for _, tc := range []struct {
		name string
		text string
		tick Tick
		want string
	}{
		{"wait", "longest wait 2:13, limit 3:00", Tick{since, 13},
			`longest wait <span data-since="1700000000000">2:13</span>, limit 3:00`},
		{"joined after an SLA", "SLA 50% below 90%; longest wait 1:02:03, limit 1:00:00", Tick{since, 32},
			`SLA 50% below 90%; longest wait <span data-since="1700000000000">1:02:03</span>, limit 1:00:00`},
		{"a status that looks like a time", "\u2068Break 10:15\u2069 12:00, warn at 10:00", Tick{since, len("\u2068Break 10:15\u2069 ")},
			"\u2068Break 10:15\u2069 <span data-since=\"1700000000000\">12:00</span>, warn at 10:00"},
		{"escaped around the clock", "<b> 4:00 & more", Tick{since, 4},
			`&lt;b&gt; <span data-since="1700000000000">4:00</span> &amp; more`},
		{"no tick", "longest wait 2:13, limit 3:00", Tick{}, "longest wait 2:13, limit 3:00"},
		{"no since", "longest wait 2:13, limit 3:00", Tick{At: 13}, "longest wait 2:13, limit 3:00"},
		{"at is no clock time", "12 waiting, limit 10", Tick{since, 0}, "12 waiting, limit 10"},
		{"at inside a number", "longest wait 12:13", Tick{since, 14}, "longest wait 12:13"},
		{"at past the end", "longest wait 2:13", Tick{since, 99}, "longest wait 2:13"},
		{"empty", "", Tick{since, 0}, ""},
	} {
		if got := render(t, reasonText(tc.text, tc.tick)); got != tc.want {
			t.Errorf("%s: got\n%s\nwant\n%s", tc.name, got, tc.want)
		}
	}

	// The components that show reasons keep their spacing around it.
	tick := Tick{since, 13}
	for _, tc := range []struct {
		name string
		c    templ.Component
		want string
	}{
		{"tile foot", levelText(LevelCritical, "longest wait 4:00, limit 3:00", tick),
			`<span class="lvl-icon" aria-hidden="true">✖</span> longest wait <span data-since="1700000000000">4:00</span>, limit 3:00</span>`},
		{"embed badge", levelBadge(LevelCritical, "longest wait 4:00, limit 3:00", tick),
			`<span class="e-reason">longest wait <span data-since="1700000000000">4:00</span>, limit 3:00</span>`},
	} {
		if got := render(t, tc.c); !strings.Contains(got, tc.want) {
			t.Errorf("%s: got\n%s\nwant it to contain\n%s", tc.name, got, tc.want)
		}
	}
}
