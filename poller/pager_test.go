package poller

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wallboard/wallboard/internal/testlog"
	"github.com/wallboard/wallboard/model"
	"github.com/wallboard/wallboard/simulator"
	"github.com/wallboard/wallboard/simulator/ujet"
)

// TestCappedPages polls a server that serves at most maxPer records a page
// whatever per asks: every agent keeps its name and teams, every menu its
// name, and each list is read to its end.
func TestCappedPages(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ maxPer, agents int }{{25, 130}, {25, 50}, {4, 12}} {
		t.Run(fmt.Sprintf("per%d_agents%d", tc.maxPer, tc.agents), func(t *testing.T) {
			t.Parallel()
			sim := startSim(t, simulator.Options{Seed: 4, Agents: tc.agents}, fastGap, func(o *ujet.Options) { o.MaxPer = tc.maxPer })
			rec := sim.run(t, fastConfig(), 2*time.Second, &testlog.Buffer{})
			tr := sim.center.Truth()
			teamName := map[int]string{}
			for _, tm := range tr.Teams {
				teamName[tm.ID] = tm.Name
			}
			named := func(st model.SourceState) bool {
				if st.Fresh["reference"].IsZero() || !everyAgentNamed(tr)(st) {
					return false
				}
				for _, a := range tr.Agents {
					m, _ := findAgent(st, fmt.Sprint(a.ID))
					var want []string
					for _, id := range a.TeamIDs {
						want = append(want, teamName[id])
					}
					if !slices.Equal(m.Teams, want) {
						return false
					}
				}
				for _, q := range tr.Queues {
					m, ok := findQueue(st, fmt.Sprintf("%d:%s:%s", q.MenuPathID, q.Lang, q.Channel))
					if !ok || m.Name != q.Path {
						return false
					}
				}
				return true
			}
			st := rec.waitFor(t, 15*time.Second, "every agent with its name and teams, every queue with its name", named)
			if n := len(st.Agents); n != tc.agents {
				t.Errorf("%d agents, want %d", n, tc.agents)
			}
			pages := map[string]int{}
			for _, r := range sim.handler.Requests() {
				if r.Path == "agents" || r.Path == "menus" || r.Path == "teams" {
					pages[r.Path]++
				}
			}
			if want := tc.agents/tc.maxPer + 1; pages["agents"] < want {
				t.Errorf("agents read in %d pages, want at least %d", pages["agents"], want)
			}
			for _, a := range st.Agents {
				if strings.HasPrefix(a.Name, "Agent ") {
					t.Errorf("agent %s has a made-up name %q", a.ID, a.Name)
				}
			}
		})
	}
}

func TestPagerEnds(t *testing.T) {
	t.Parallel()
	read := func(sizes ...int) int {
		g := newPager()
		for i, n := range sizes {
			if g.done(n, ID(fmt.Sprint(i*1000+1))) {
				return i + 1
			}
		}
		return -1
	}
	for _, tc := range []struct {
		sizes []int
		want  int
	}{
		{[]int{0}, 1},
		{[]int{25, 25, 10}, 3},
		{[]int{25, 25, 0}, 3},
		{[]int{10, 0}, 2},       // short first page: one more to be sure
		{[]int{100, 100, 3}, 3}, // the server honours per
	} {
		if got := read(tc.sizes...); got != tc.want {
			t.Errorf("pages %v: read %d, want %d", tc.sizes, got, tc.want)
		}
	}
	g := newPager()
	if g.done(25, "1") || !g.done(25, "1") {
		t.Error("a repeating page does not end the list")
	}
}
