package simulator

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
)

var testStart = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// signature summarizes what a wallboard shows: every agent's status and
// hold, and every queue's length.
func signature(tr Truth) string {
	var b strings.Builder
	for _, a := range tr.Agents {
		fmt.Fprint(&b, a.StatusID, a.OnHold, ";")
	}
	for _, q := range tr.Queues {
		fmt.Fprint(&b, len(q.Waiting), ";")
	}
	return b.String()
}

func TestDeterministic(t *testing.T) {
	run := func(seed int64, steps []time.Duration) Truth {
		c := New(Options{Seed: seed, Start: testStart})
		at := testStart
		for _, d := range steps {
			at = at.Add(d)
			c.Advance(at)
		}
		return c.Truth()
	}
	var steps []time.Duration
	for i := range 400 {
		steps = append(steps, time.Duration(100+i*37%900)*time.Millisecond)
	}
	a, b := run(7, steps), run(7, steps)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("same seed and Advance schedule gave different truths")
	}
	// The model is event driven, so a coarser schedule ending at the same
	// time gives the same state too.
	var total time.Duration
	for _, d := range steps {
		total += d
	}
	if c := run(7, []time.Duration{total / 3, total - total/3}); !reflect.DeepEqual(a, c) {
		t.Error("same seed, same end time, coarser schedule gave a different truth")
	}
	if d := run(8, steps); reflect.DeepEqual(a, d) {
		t.Error("different seeds gave identical truths")
	}
}

// changedSeconds advances c one wall second at a time for n seconds and
// counts the seconds in which the board-visible state changed, and the
// longest run of seconds without change.
func changedSeconds(c *Center, from time.Time, n int) (changed, longestGap int) {
	prev := signature(c.Truth())
	gap := 0
	for s := 1; s <= n; s++ {
		c.Advance(from.Add(time.Duration(s) * time.Second))
		cur := signature(c.Truth())
		if cur != prev {
			changed++
			gap = 0
		} else {
			gap++
			longestGap = max(longestGap, gap)
		}
		prev = cur
	}
	return changed, longestGap
}

func TestTrafficChangesOverASimulatedMinute(t *testing.T) {
	for seed := int64(1); seed <= 5; seed++ {
		c := New(Options{Seed: seed, Start: testStart})
		before := c.Truth()
		changed, gap := changedSeconds(c, testStart, 60)
		after := c.Truth()
		if changed < 15 || gap > 20 {
			t.Errorf("seed %d: state changed in %d of 60 seconds, longest quiet spell %ds; want something every couple of seconds", seed, changed, gap)
		}
		moved := 0
		for i := range before.Agents {
			if before.Agents[i].StatusID != after.Agents[i].StatusID || !before.Agents[i].StatusSince.Equal(after.Agents[i].StatusSince) {
				moved++
			}
		}
		if moved < 5 {
			t.Errorf("seed %d: only %d agents changed status in a minute", seed, moved)
		}
	}
}

func handledBetween(tr Truth, from, to time.Time) int {
	n := 0
	for _, h := range tr.History {
		if h.EndedAt.After(from) && !h.EndedAt.After(to) {
			n++
		}
	}
	return n
}

func TestSpeedScalesTraffic(t *testing.T) {
	slow := New(Options{Seed: 3, Start: testStart})
	fast := New(Options{Seed: 3, Start: testStart, Speed: 20})
	end := testStart.Add(time.Minute)
	slow.Advance(end)
	fast.Advance(end)
	ns, nf := handledBetween(slow.Truth(), testStart, end), handledBetween(fast.Truth(), testStart, end)
	if ns == 0 || nf < 8*ns {
		t.Errorf("contacts handled in a wall minute: %d at speed 1, %d at speed 20; want about 20x", ns, nf)
	}
	// At speed 20 three wall seconds are a simulated minute: as much
	// happens as in a minute at speed 1.
	f2 := New(Options{Seed: 4, Start: testStart, Speed: 20})
	changed := 0
	prev := signature(f2.Truth())
	for ms := 100; ms <= 3000; ms += 100 {
		f2.Advance(testStart.Add(time.Duration(ms) * time.Millisecond))
		if cur := signature(f2.Truth()); cur != prev {
			changed++
			prev = cur
		}
	}
	if changed < 10 {
		t.Errorf("speed 20: state changed in %d of 30 100ms steps over 3 wall seconds", changed)
	}
	// Statuses last a twentieth as long.
	if d := meanStatusAge(fast.Truth()); d > 30*time.Second {
		t.Errorf("speed 20: mean time in status %v, want a twentieth of speed 1's (%v)", d, meanStatusAge(slow.Truth()))
	}
}

func meanStatusAge(tr Truth) time.Duration {
	var sum time.Duration
	n := 0
	for _, a := range tr.Agents {
		if a.LoggedIn {
			sum += tr.At.Sub(a.StatusSince)
			n++
		}
	}
	return sum / time.Duration(n)
}

func TestInvariantsOverAnHour(t *testing.T) {
	c := New(Options{Seed: 11, Start: testStart, Speed: 4})
	names := map[int]string{}
	for _, s := range c.Truth().Statuses {
		names[s.ID] = s.Name
	}
	seenStatus := map[string]bool{}
	sawHold, sawOffline, sawLogin := false, false, false
	loggedIn := map[int]bool{}
	for _, a := range c.Truth().Agents {
		loggedIn[a.ID] = a.LoggedIn
	}
	for s := 1; s <= 900; s++ { // 900 wall seconds = 1 simulated hour
		now := testStart.Add(time.Duration(s) * time.Second)
		c.Advance(now)
		tr := c.Truth()
		for _, a := range tr.Agents {
			seenStatus[a.StatusName] = true
			if names[a.StatusID] != a.StatusName {
				t.Fatalf("agent %d: status id %d named %q", a.ID, a.StatusID, a.StatusName)
			}
			if a.LoggedIn == (a.StatusID == StatusOffline) {
				t.Fatalf("agent %d: logged in %v in status %s", a.ID, a.LoggedIn, a.StatusName)
			}
			if a.OnHold != (a.HoldSince != nil) || (a.OnHold && a.StatusID != StatusInCall) {
				t.Fatalf("agent %d: on hold %v, hold since %v, status %s", a.ID, a.OnHold, a.HoldSince, a.StatusName)
			}
			if a.StatusSince.After(now) {
				t.Fatalf("agent %d: status since %v is after now %v", a.ID, a.StatusSince, now)
			}
			sawHold = sawHold || a.OnHold
			if loggedIn[a.ID] && !a.LoggedIn {
				sawOffline = true
			}
			if !loggedIn[a.ID] && a.LoggedIn {
				sawLogin = true
			}
			loggedIn[a.ID] = a.LoggedIn
		}
		for _, q := range tr.Queues {
			for i := 1; i < len(q.Waiting); i++ {
				if q.Waiting[i].Before(q.Waiting[i-1]) {
					t.Fatalf("queue %s/%s/%s not oldest first: %v", q.Path, q.Lang, q.Channel, q.Waiting)
				}
			}
		}
		for _, ch := range []string{"call", "chat"} {
			for _, sla := range tr.SLA(ch, 15, now) {
				if sla.Percent != nil && (*sla.Percent < 0 || *sla.Percent > 100) {
					t.Fatalf("SLA %v out of range", *sla.Percent)
				}
			}
		}
	}
	for _, st := range []string{"Available", "In-call", "In-chat", "Wrap-up", "Break", "Offline"} {
		if !seenStatus[st] {
			t.Errorf("no agent was ever %s in a simulated hour", st)
		}
	}
	custom := false
	for _, st := range []string{"Training", "Coaching", "Team Meeting"} {
		custom = custom || seenStatus[st]
	}
	if !custom {
		t.Error("no agent ever took a custom status")
	}
	if !sawHold || !sawOffline || !sawLogin {
		t.Errorf("in a simulated hour: saw hold %v, logout %v, login %v", sawHold, sawOffline, sawLogin)
	}
	tr := c.Truth()
	if len(tr.History) == 0 || tr.At.Sub(tr.History[0].EndedAt) < 14*time.Minute {
		t.Errorf("history covers too little for 60-minute windows: %d entries", len(tr.History))
	}
}

func TestUniqueNamesForManyAgents(t *testing.T) {
	tr := New(Options{Seed: 1, Start: testStart, Agents: 400, WarmUp: -1}).Truth()
	seen := map[string]bool{}
	for _, a := range tr.Agents {
		name := a.FirstName + " " + a.LastName
		if seen[name] {
			t.Errorf("duplicate name %q", name)
		}
		seen[name] = true
	}
}

func TestSetup(t *testing.T) {
	tr := New(Options{Seed: 1, Start: testStart}).Truth()
	if len(tr.Agents) != DefaultAgents || len(tr.Teams) != 4 {
		t.Errorf("%d agents in %d teams, want %d in 4", len(tr.Agents), len(tr.Teams), DefaultAgents)
	}
	leaves := 0
	for _, m := range tr.Menus {
		if m.Leaf {
			leaves++
		}
	}
	if leaves != 6 || len(tr.QueueGroups) != 2 {
		t.Errorf("%d leaf menus in %d trees, want 6 in 2", leaves, len(tr.QueueGroups))
	}
	special := false
	full := map[string]bool{}
	for _, a := range tr.Agents {
		name := a.FirstName + " " + a.LastName
		if full[name] {
			t.Errorf("duplicate agent name %q", name)
		}
		full[name] = true
		if strings.ContainsAny(name, "<>&'") {
			special = true
		}
		if len(a.TeamIDs) == 0 {
			t.Errorf("agent %d has no team", a.ID)
		}
	}
	if !special {
		t.Error("no agent name needs HTML escaping")
	}
	custom := 0
	for _, s := range tr.Statuses {
		if s.ID > 0 {
			custom++
		}
		if s.Color == "" {
			t.Errorf("status %s has no colour", s.Name)
		}
	}
	if custom < 2 {
		t.Errorf("%d custom statuses, want at least 2", custom)
	}
	if !tr.At.Equal(testStart) {
		t.Errorf("model time %v, want Start %v", tr.At, testStart)
	}
}

func TestSLANullThenNumber(t *testing.T) {
	c := New(Options{Seed: 5, Start: testStart, WarmUp: -1, Quiet: true})
	for _, ch := range []string{"call", "chat"} {
		for _, s := range c.Truth().SLA(ch, 15, testStart) {
			if s.Percent != nil {
				t.Fatalf("%s %s/%s: SLA %v before anything was handled, want nil", ch, s.Path, s.Lang, *s.Percent)
			}
		}
	}
	// Nobody serves Spanish billing calls for a while.
	tr := c.Truth()
	var spanish []int
	for _, a := range tr.Agents {
		for _, id := range a.TeamIDs {
			if id == TeamSpanish {
				spanish = append(spanish, a.ID)
				if err := c.SetAgentStatus(a.ID, "training"); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	if len(spanish) == 0 {
		t.Fatal("no Spanish agents")
	}
	// Advance a little so that the contact's enqueue time is distinct.
	c.Advance(testStart.Add(time.Second))
	if err := c.Enqueue(PathBilling, "es", "call"); err != nil {
		t.Fatal(err)
	}
	if err := c.Enqueue(PathBilling, "en", "call"); err != nil {
		t.Fatal(err)
	}
	c.Advance(testStart.Add(26 * time.Second)) // waited 25s, past the 20s threshold, within patience
	queue := func(tr Truth, lang string) Queue {
		for _, q := range tr.Queues {
			if q.MenuPathID == PathBilling && q.Lang == lang && q.Channel == "call" {
				return q
			}
		}
		t.Fatalf("no Billing %s call queue", lang)
		return Queue{}
	}
	tr = c.Truth()
	if w := queue(tr, "es").Waiting; len(w) != 1 || !w[0].Equal(testStart.Add(time.Second)) {
		t.Fatalf("Spanish billing queue waiting %v, want one contact since %v", w, testStart.Add(time.Second))
	}
	if err := c.SetAgentStatus(spanish[0], "Available"); err != nil {
		t.Fatal(err)
	}
	tr = c.Truth()
	if len(queue(tr, "es").Waiting) != 0 {
		t.Fatal("available agent did not answer the waiting contact")
	}
	got := map[string]*float64{}
	for _, s := range tr.SLA("call", 15, tr.At) {
		if s.MenuPathID == PathBilling {
			got[s.Lang] = s.Percent
		}
	}
	if p := got["es"]; p == nil || *p != 0 {
		t.Errorf("Spanish billing SLA %v, want 0 (answered after 25s)", p)
	}
	if p := got["en"]; p == nil || *p != 100 {
		t.Errorf("English billing SLA %v, want 100 (answered at once)", p)
	}
	chat := tr.SLA("chat", 15, tr.At)
	for _, s := range chat {
		if s.Percent != nil {
			t.Errorf("chat %s: SLA %v with no chats handled", s.Path, *s.Percent)
		}
	}
	// Out of the window, nil again.
	if s := tr.SLA("call", 1, tr.At.Add(2*time.Minute)); s[0].Percent != nil {
		t.Errorf("SLA one minute window two minutes later: %v, want nil", *s[0].Percent)
	}
	groups := tr.SLAByGroup("call", 15, tr.At)
	if len(groups) != 2 || groups[0].Percent == nil || *groups[0].Percent != 50 || groups[1].Percent != nil {
		t.Errorf("SLA by group = %+v, want Support 50%% and Web Help nil", groups)
	}
}

func TestHooks(t *testing.T) {
	c := New(Options{Seed: 2, Start: testStart})
	id := c.Truth().Agents[3].ID
	if err := c.SetAgentStatus(id, "Offline"); err != nil {
		t.Fatal(err)
	}
	a, _ := c.Truth().Agent(id)
	if a.LoggedIn || a.StatusName != "Offline" || !a.StatusSince.Equal(testStart) {
		t.Errorf("after SetAgentStatus Offline: %+v", a)
	}
	if err := c.SetAgentStatus(id, "Coaching"); err != nil {
		t.Fatal(err)
	}
	a, _ = c.Truth().Agent(id)
	if !a.LoggedIn || a.StatusName != "Coaching" || a.StatusID != StatusCoaching {
		t.Errorf("after SetAgentStatus Coaching: %+v", a)
	}
	if err := c.SetAgentStatus(id, "Dancing"); err == nil {
		t.Error("unknown status accepted")
	}
	if err := c.SetAgentStatus(9999, "Break"); err == nil {
		t.Error("unknown agent accepted")
	}
	if err := c.SetAgentName(id, "<script>", "x"); err != nil {
		t.Fatal(err)
	}
	if a, _ := c.Truth().Agent(id); a.FirstName != "<script>" {
		t.Errorf("name not set: %q", a.FirstName)
	}
	if err := c.Enqueue(PathTechnical, "fr", "call"); err == nil {
		t.Error("Enqueue into a missing queue accepted")
	}
}

func TestTruthIsACopy(t *testing.T) {
	c := New(Options{Seed: 2, Start: testStart})
	tr := c.Truth()
	tr.Agents[0].TeamIDs[0] = -1
	tr.Agents[0].FirstName = "changed"
	tr.Menus[1].Langs[0] = "xx"
	if c.Truth().Agents[0].TeamIDs[0] == -1 || c.Truth().Agents[0].FirstName == "changed" || c.Truth().Menus[1].Langs[0] == "xx" {
		t.Error("changing a Truth changed the model")
	}
}

func TestSubscribe(t *testing.T) {
	c := New(Options{Seed: 2, Start: testStart})
	ctx, cancel := context.WithCancel(context.Background())
	ch := c.Subscribe(ctx)
	select {
	case <-ch:
		t.Fatal("signal before any change")
	default:
	}
	c.Advance(testStart.Add(time.Minute))
	c.Advance(testStart.Add(2 * time.Minute)) // coalesces with the first
	select {
	case <-ch:
	case <-time.After(time.Second):
		t.Fatal("no signal after a minute of traffic")
	}
	select {
	case <-ch:
		t.Fatal("signals did not coalesce")
	default:
	}
	c.Advance(testStart) // earlier: ignored, no signal
	select {
	case <-ch:
		t.Fatal("signal for an ignored Advance")
	default:
	}
	cancel()
	select {
	case _, ok := <-ch:
		if ok {
			// a pending signal may still be read; the close follows
			if _, ok := <-ch; ok {
				t.Fatal("channel not closed after cancel")
			}
		}
	case <-time.After(time.Second):
		t.Fatal("channel not closed after cancel")
	}
}

func TestRun(t *testing.T) {
	c := New(Options{Seed: 2})
	start := c.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 350*time.Millisecond)
	defer cancel()
	if err := c.Run(ctx); err != nil {
		t.Fatalf("Run returned %v, want nil", err)
	}
	if !c.Now().After(start.Add(200 * time.Millisecond)) {
		t.Errorf("model time moved from %v to %v in 350ms of Run", start, c.Now())
	}
}

func BenchmarkAdvanceSimulatedHour(b *testing.B) {
	for b.Loop() {
		c := New(Options{Seed: 1, Start: testStart, WarmUp: -1})
		for ms := 100; ms <= 3600*1000; ms += 100 {
			c.Advance(testStart.Add(time.Duration(ms) * time.Millisecond))
		}
	}
}

// A surged queue drifts into breach: its SLA over the last 15 minutes
// falls well below where it was, while the same seed without the surge
// stays where it was.
func TestSurgeDrivesAQueueIntoBreach(t *testing.T) {
	start := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
	run := func(factor float64) (before, after float64, q Queue) {
		c := New(Options{Seed: 7, Start: start})
		truth := c.Truth()
		for _, tq := range truth.Queues {
			if tq.Channel == "call" {
				q = tq
				break
			}
		}
		sla := func(now time.Time) float64 {
			for _, s := range c.Truth().SLA("call", 15, now) {
				if s.MenuPathID == q.MenuPathID && s.Lang == q.Lang && s.Percent != nil {
					return *s.Percent
				}
			}
			return -1
		}
		before = sla(start)
		if err := c.Surge(q.MenuPathID, q.Lang, q.Channel, factor); err != nil {
			t.Fatal(err)
		}
		end := start.Add(30 * time.Minute)
		for at := start; !at.After(end); at = at.Add(10 * time.Second) {
			c.Advance(at)
		}
		return before, sla(end), q
	}
	before, surged, q := run(6)
	_, usual, _ := run(1)
	t.Logf("queue %d:%s:%s (%s): SLA %.0f%% before; after 30 min %.0f%% surged ×6, %.0f%% as usual", q.MenuPathID, q.Lang, q.Channel, q.Path, before, surged, usual)
	if surged < 0 || surged > usual-20 || surged > 70 {
		t.Errorf("surged SLA %.0f%%, usual %.0f%%: want the surge to drive it into breach", surged, usual)
	}
	c := New(Options{Seed: 7, Start: start})
	if err := c.Surge(q.MenuPathID, q.Lang, q.Channel, -1); err == nil {
		t.Error("a negative surge accepted")
	}
	if err := c.Surge(999999, "xx", "call", 2); err == nil {
		t.Error("an unknown queue surged")
	}
}
