package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wallboard/wallboard/internal/testlog"
	"github.com/wallboard/wallboard/model"
	"github.com/wallboard/wallboard/simulator"
	"github.com/wallboard/wallboard/simulator/ujet"
)

// startWallboard runs the whole program as `wallboard args…` with only env as
// its environment and returns its base URL and its log. It stops at cleanup.
func startWallboard(t *testing.T, args []string, env map[string]string) (string, *testlog.Buffer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	addr := make(chan string, 1)
	done := make(chan error, 1)
	logs := &testlog.Buffer{}
	stdout := &testlog.Buffer{}
	args = append([]string{"--addr", "127.0.0.1:0"}, args...)
	go func() {
		done <- run(ctx, args, func(k string) string { return env[k] }, strings.NewReader(""), stdout, logs, func(a string) { addr <- a })
	}()
	var base string
	select {
	case a := <-addr:
		base = "http://" + a
	case err := <-done:
		cancel()
		t.Fatalf("wallboard exited at start: %v\n%s", err, logs)
	case <-time.After(15 * time.Second):
		cancel()
		t.Fatalf("wallboard did not start\n%s", logs)
	}
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("wallboard stopped with %v", err)
			}
		case <-time.After(15 * time.Second):
			t.Errorf("wallboard did not stop within 15 s of its context ending")
		}
		if t.Failed() {
			t.Logf("wallboard log:\n%s", logs)
		}
	})
	if !strings.Contains(stdout.String(), "/boards/all") {
		t.Errorf("start-up message does not give the wall's URL: %q", stdout.String())
	}
	return base, logs
}

func getBoard(t *testing.T, base string) model.Board {
	t.Helper()
	resp, err := http.Get(base + "/api/v1/boards/all")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /api/v1/boards/all: %s", resp.Status)
	}
	var b model.Board
	if err := json.NewDecoder(resp.Body).Decode(&b); err != nil {
		t.Fatalf("decode board: %v", err)
	}
	return b
}

// waitBoard polls the board until ok accepts it or timeout passes.
func waitBoard(t *testing.T, base string, timeout time.Duration, what string, ok func(model.Board) bool) model.Board {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var b model.Board
	for {
		b = getBoard(t, base)
		if ok(b) {
			return b
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %s: %s; last board: %d agents, %d queues, sources %+v", timeout, what, len(b.Agents), len(b.Queues), b.Sources)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// fingerprint is what a person sees change on a wall.
func fingerprint(b model.Board) string {
	var sb strings.Builder
	for _, a := range b.Agents {
		fmt.Fprintf(&sb, "%s=%s/%v;", a.ID, a.Status, a.OnHold)
	}
	for _, q := range b.Queues {
		fmt.Fprintf(&sb, "%s=%d;", q.ID, q.Waiting)
	}
	return sb.String()
}

// The README's run command with no configuration: a live demo wall.
func TestDemoRunsLiveWithNoConfiguration(t *testing.T) {
	base, _ := startWallboard(t, nil, nil)

	// UJET agents and queues beside Connect ones, both sources healthy.
	first := waitBoard(t, base, 15*time.Second, "demo board has agents and queues of both simulated vendors", func(b model.Board) bool {
		bySource := map[string]int{}
		for _, a := range b.Agents {
			bySource["agents "+a.Source]++
		}
		for _, q := range b.Queues {
			bySource["queues "+q.Source]++
		}
		ok := 0
		for _, s := range b.Sources {
			if s.OK {
				ok++
			}
		}
		return ok == 2 && bySource["agents ujet"] > 0 && bySource["agents connect"] > 0 &&
			bySource["queues ujet"] > 0 && bySource["queues connect"] > 0
	})
	waitBoard(t, base, 5*time.Second, "demo numbers change within 5 s", func(b model.Board) bool {
		return fingerprint(b) != fingerprint(first)
	})

	resp, err := http.Get(base + "/boards/all")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /boards/all: %s", resp.Status)
	}
	// The first response is the rendered wall, not an empty shell.
	if !strings.Contains(string(body), first.Agents[0].Name) && !strings.Contains(string(body), htmlEscape(first.Agents[0].Name)) {
		t.Errorf("first response of the wall does not show agent %q", first.Agents[0].Name)
	}

	var status map[string]any
	resp, err = http.Get(base + "/api/v1/status")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(&status); err != nil {
		t.Fatal(err)
	}
	if status["store"] != "memory" || status["version"] == "" {
		t.Errorf("status: %v", status)
	}
}

func htmlEscape(s string) string {
	r := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;")
	return r.Replace(s)
}

// Pointed by its environment variables at a server that speaks the UJET
// Manager API, the wallboard shows that server's data, follows its changes
// with a median lag under 3 s, and never sends it more than 1 request a second.
func TestFollowsAUJETServerWithinItsRateLimit(t *testing.T) {
	if testing.Short() {
		t.Skip("takes about half a minute")
	}
	// 150 agents: more than one page at the largest page size.
	center := simulator.New(simulator.Options{Seed: 42, Agents: 150})
	h := ujet.NewHandler(center, ujet.Options{Subdomain: "acme", Token: "e2e-secret-token"})
	vendor := httptest.NewServer(h)
	defer vendor.Close()
	// The center is not advanced: only this test changes it, so the truth is
	// stable while the wallboard catches up.
	truth := center.Truth()

	base, logs := startWallboard(t, nil, map[string]string{
		"WALLBOARD_UJET_BASE_URL":  vendor.URL + "/manager/api/v1",
		"WALLBOARD_UJET_SUBDOMAIN": "acme",
		"WALLBOARD_UJET_TOKEN":     "e2e-secret-token",
	})

	loggedIn := map[string]simulator.Agent{}
	for _, a := range truth.Agents {
		if a.LoggedIn {
			loggedIn[strconv.Itoa(a.ID)] = a
		}
	}
	// Logged-out agents may show as offline; every logged-in one shows, named.
	b := waitBoard(t, base, 20*time.Second, "every logged-in agent of every page, named", func(b model.Board) bool {
		n := 0
		for _, a := range b.Agents {
			if strings.HasPrefix(a.Name, "Agent ") {
				return false
			}
			if a.State != model.StateOffline {
				n++
			}
		}
		return n == len(loggedIn)
	})

	holds := 0
	for _, a := range b.Agents {
		if a.State == model.StateOffline {
			if _, ok := loggedIn[a.ID]; ok {
				t.Errorf("agent %s is logged in but shows offline", a.ID)
			}
			continue
		}
		want, ok := loggedIn[a.ID]
		if !ok {
			t.Errorf("agent %s is not a logged-in agent of the server", a.ID)
			continue
		}
		if name := want.FirstName + " " + want.LastName; a.Name != name {
			t.Errorf("agent %s: name %q, want %q", a.ID, a.Name, name)
		}
		st, _ := truth.Status(want.StatusID)
		if a.Status != st.Name || a.StatusColor != st.Color {
			t.Errorf("agent %s: status %q colour %q, want %q %q", a.ID, a.Status, a.StatusColor, st.Name, st.Color)
		}
		if a.OnHold != want.OnHold {
			t.Errorf("agent %s: on hold %v, want %v", a.ID, a.OnHold, want.OnHold)
		}
		if a.OnHold {
			holds++
		}
	}
	t.Logf("%d agents, %d on hold", len(b.Agents), holds)

	// Every queue is on the board, waiting counts and SLA as the server says
	// (null stays null).
	b = waitBoard(t, base, 30*time.Second, "SLA of every queue", func(b model.Board) bool {
		return slaMismatch(b, truth) == ""
	})
	for _, q := range truth.Queues {
		id := fmt.Sprintf("%d:%s:%s", q.MenuPathID, q.Lang, q.Channel)
		found := false
		for _, got := range b.Queues {
			if got.ID == id {
				found = true
				if got.Waiting != len(q.Waiting) {
					t.Errorf("queue %s: waiting %d, want %d", id, got.Waiting, len(q.Waiting))
				}
			}
		}
		if !found {
			t.Errorf("queue %s (%s) missing from the board %+v", id, q.Path, b.Queues)
		}
	}

	// Changes: force statuses and measure how long the board takes to show
	// them, once the start-up reads (reference data, day counts, queue
	// groups) are done and the live lists have their usual share.
	waitBoard(t, base, 60*time.Second, "start-up reads done", func(b model.Board) bool {
		for _, s := range b.Sources {
			for _, kind := range []string{"reference", "day_counts", "queue_groups"} {
				if s.Fresh[kind].IsZero() {
					return false
				}
			}
		}
		return len(b.Sources) > 0
	})
	var lags []time.Duration
	agentIDs := make([]int, 0, len(loggedIn))
	for _, a := range loggedIn {
		agentIDs = append(agentIDs, a.ID)
	}
	sort.Ints(agentIDs)
	for i := 0; i < 7; i++ {
		id := agentIDs[i*7%len(agentIDs)]
		status := []string{"Break", "Meal", "Training"}[i%3]
		changed := time.Now()
		if err := center.SetAgentStatus(id, status); err != nil {
			t.Fatal(err)
		}
		waitBoard(t, base, 10*time.Second, fmt.Sprintf("agent %d shows %s", id, status), func(b model.Board) bool {
			for _, a := range b.Agents {
				if a.ID == strconv.Itoa(id) {
					return a.Status == status
				}
			}
			return false
		})
		lags = append(lags, time.Since(changed))
		time.Sleep(time.Duration(i*130) * time.Millisecond) // spread the changes over the poll cycle
	}
	sort.Slice(lags, func(i, j int) bool { return lags[i] < lags[j] })
	median := lags[len(lags)/2]
	t.Logf("lag from change to board: median %v, max %v", median.Round(time.Millisecond), lags[len(lags)-1].Round(time.Millisecond))
	if median >= 3*time.Second {
		t.Errorf("median lag %v, want under 3 s", median)
	}

	// The server never saw two requests less than a second apart.
	reqs := h.Requests()
	for i := 1; i < len(reqs); i++ {
		if gap := reqs[i].At.Sub(reqs[i-1].At); gap < time.Second {
			t.Errorf("requests %d (%s) and %d (%s) only %v apart", i-1, reqs[i-1].Path, i, reqs[i].Path, gap)
		}
	}
	for _, r := range reqs {
		if r.Status == http.StatusTooManyRequests || r.Status == http.StatusUnauthorized {
			t.Errorf("server answered %d to %s", r.Status, r.Path)
		}
	}
	t.Logf("%d requests to the UJET server", len(reqs))
	if strings.Contains(logs.String(), "e2e-secret-token") {
		t.Errorf("the token appears in the log")
	}
}

// slaMismatch describes the first queue whose SLA differs from the server's.
func slaMismatch(b model.Board, truth simulator.Truth) string {
	want := map[string]*float64{}
	for _, ch := range []string{"call", "chat"} {
		for _, s := range truth.SLA(ch, 15, truth.At) {
			want[fmt.Sprintf("%d:%s:%s", s.MenuPathID, s.Lang, ch)] = s.Percent
		}
	}
	got := map[string]model.Queue{}
	for _, q := range b.Queues {
		got[q.ID] = q
	}
	for id, w := range want {
		q, ok := got[id]
		if !ok {
			return id + ": not on the board"
		}
		switch {
		case w == nil && q.SLAPercent != nil:
			return fmt.Sprintf("%s: SLA %v, want null", q.ID, *q.SLAPercent)
		case w != nil && q.SLAPercent == nil:
			return fmt.Sprintf("%s: SLA null, want %v", q.ID, *w)
		case w != nil && q.SLAPercent != nil && fmt.Sprintf("%.1f", *w) != fmt.Sprintf("%.1f", *q.SLAPercent):
			return fmt.Sprintf("%s: SLA %v, want %v", q.ID, *q.SLAPercent, *w)
		}
	}
	return ""
}
