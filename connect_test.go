package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wallboard/wallboard/internal/fixture"
	"github.com/wallboard/wallboard/model"
	"github.com/wallboard/wallboard/simulator"
	"github.com/wallboard/wallboard/simulator/connect"
)

// swappable is a Connect host that can be restarted as a new server (same
// signing key and client id, so tokens stay valid) on the same address.
type swappable struct {
	cur    atomic.Pointer[connect.Server]
	cancel context.CancelFunc
	done   chan struct{}
}

func (s *swappable) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.cur.Load().ServeHTTP(w, r) }

// start runs a new server in place of the old one, which has stopped (its
// hub forgot every connection) when start returns.
func (s *swappable) start(c *simulator.Center, o connect.Options) *connect.Server {
	srv := connect.NewServer(c, o)
	s.cur.Store(srv)
	s.stop()
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel, s.done = cancel, make(chan struct{})
	go func(done chan struct{}) { defer close(done); _ = srv.Run(ctx) }(s.done)
	return srv
}

func (s *swappable) stop() {
	if s.cancel != nil {
		s.cancel()
		<-s.done
	}
}

// connectMismatch describes the first agent or queue where the board
// differs from the server's truth; "" when it agrees.
func connectMismatch(b model.Board, truth simulator.Truth) string {
	agents := map[string]model.Agent{}
	for _, a := range b.Agents {
		agents[a.ID] = a
	}
	if len(b.Agents) != len(truth.Agents) {
		return fmt.Sprintf("%d agents, want %d", len(b.Agents), len(truth.Agents))
	}
	for _, ta := range truth.Agents {
		a, ok := agents[strconv.Itoa(ta.ID)]
		if !ok {
			return fmt.Sprintf("agent %d missing", ta.ID)
		}
		// The card shows the reason code, else the status.
		status, reason, _ := connect.ConnectStatus(ta)
		statusOK := model.FoldStatus(a.Status) == model.FoldStatus(status)
		if reason != "" {
			statusOK = a.Status == reason
		}
		if a.State != fixture.SimulatorState(ta) || !statusOK || a.OnHold != ta.OnHold {
			return fmt.Sprintf("agent %d: %s %q hold %v, want %s %q/%q hold %v", ta.ID, a.State, a.Status, a.OnHold, fixture.SimulatorState(ta), status, reason, ta.OnHold)
		}
	}
	if len(b.Queues) != len(truth.Queues) {
		return fmt.Sprintf("%d queues, want %d", len(b.Queues), len(truth.Queues))
	}
	queues := map[string]model.Queue{}
	for _, q := range b.Queues {
		queues[q.Name+"|"+q.Channel] = q
	}
	for _, tq := range truth.Queues {
		q, ok := queues[connect.QueueName(tq.Path, tq.Lang)+"|"+tq.Channel]
		if !ok {
			return fmt.Sprintf("queue %s %s %s missing", tq.Path, tq.Lang, tq.Channel)
		}
		if q.Waiting != len(tq.Waiting) {
			return fmt.Sprintf("queue %s: %d waiting, want %d", q.Name, q.Waiting, len(tq.Waiting))
		}
	}
	return ""
}

type sourceStatus struct {
	Sources []model.Health `json:"sources"`
}

func connectHealth(t *testing.T, base string) model.Health {
	t.Helper()
	resp, err := http.Get(base + "/api/v1/status")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var st sourceStatus
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		t.Fatal(err)
	}
	for _, h := range st.Sources {
		if h.Kind == "connect" {
			return h
		}
	}
	return model.Health{}
}

// TestConnectClassicHubEndToEnd points the whole wallboard at a
// Connect-style host whose hub is classic ASP.NET SignalR at /webapi/signalr
// named GoldDataHub, with only the URL, client id, user and password set:
// auto detection finds the hub, the board follows the server, tokens renew
// without a stale period, a restart is caught up with, and a restart into a
// host without websockets falls back to another transport.
//
//	go test -run TestConnectClassicHubEndToEnd -v .
func TestConnectClassicHubEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("takes about half a minute")
	}
	center := simulator.New(simulator.Options{Seed: 21, Agents: 24, Speed: 30})
	key := []byte("e2e-connect-signing-key-32-bytes")
	const password = "E2e-Connect-Pa55word"
	opts := connect.Options{SignalR: "classic", SigningKey: key, TokenLifetime: 8 * time.Second, Password: password}
	host := &swappable{}
	srv := host.start(center, opts)
	vendor := httptest.NewServer(host)
	// Registered before the wallboard's: runs after it has stopped.
	t.Cleanup(func() { host.stop(); vendor.Close() })

	base, logs := startWallboard(t, nil, map[string]string{
		"WALLBOARD_CONNECT_URL":       vendor.URL,
		"WALLBOARD_CONNECT_CLIENT_ID": connect.DefaultClientID,
		"WALLBOARD_CONNECT_USER":      connect.DefaultUser,
		"WALLBOARD_CONNECT_PASSWORD":  password,
	})

	// current waits until the board shows the server's truth with Connect
	// healthy and returns how long that took.
	current := func(within time.Duration, what string) time.Duration {
		t.Helper()
		start := time.Now()
		var diff string
		for time.Since(start) < within {
			truth := center.Truth()
			if diff = connectMismatch(getBoard(t, base), truth); diff == "" && connectHealth(t, base).OK {
				return time.Since(start)
			}
			time.Sleep(50 * time.Millisecond)
		}
		t.Fatalf("%s: the board did not match the server within %v: %s", what, within, diff)
		return 0
	}
	first := current(20*time.Second, "first data")
	h := connectHealth(t, base)
	if h.Protocol != "classic" || h.Transport != "webSockets" || !h.OK {
		t.Fatalf("status shows %+v, want a healthy classic hub over webSockets", h)
	}
	if !strings.Contains(logs.String(), "hub protocol detected") {
		t.Error("the detected protocol is not logged")
	}

	// Agreement: the model moves on; each step the board must show the
	// server's new truth within 2 s (the hub pushes diffs as they happen).
	// The token lives 8 s, so renewals happen during the run.
	const steps = 20
	agree := 0
	tokensBefore := srv.Stats().TokensIssued
	for i := 0; i < steps; i++ {
		center.Advance(time.Now())
		truth := center.Truth()
		deadline := time.Now().Add(2 * time.Second)
		for time.Now().Before(deadline) {
			if connectMismatch(getBoard(t, base), truth) == "" {
				agree++
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		if h := connectHealth(t, base); !h.OK {
			t.Errorf("step %d: Connect marked stale during the run (token renewal?): %s", i, h.Error)
		}
		time.Sleep(400 * time.Millisecond)
	}
	renewals := srv.Stats().TokensIssued - tokensBefore
	t.Logf("first data after %v; agreement %d/%d steps; %d token renewals during the run", first.Round(time.Millisecond), agree, steps, renewals)
	if agree*100 < steps*95 {
		t.Errorf("board agreed with the server in %d of %d steps, want ≥ 95%%", agree, steps)
	}
	if renewals < 1 {
		t.Errorf("no token renewal during the run")
	}

	// change moves a logged-in agent to another status, so that a board
	// still showing the old server's data cannot pass for current.
	loggedIn := []int{}
	for _, a := range center.Truth().Agents {
		if a.LoggedIn {
			loggedIn = append(loggedIn, a.ID)
		}
	}
	change := func(i int) {
		t.Helper()
		id := loggedIn[i%len(loggedIn)]
		now := ""
		for _, a := range center.Truth().Agents {
			if a.ID == id {
				now = a.StatusName
			}
		}
		for _, st := range []string{"Break", "Meal", "Training"} {
			if st != now {
				if err := center.SetAgentStatus(id, st); err != nil {
					t.Fatal(err)
				}
				return
			}
		}
	}

	// The host restarts: the board is current again within 10 s.
	subs := srv.Subscriptions()
	restarted := time.Now()
	srv = host.start(center, opts)
	change(1)
	current(10*time.Second, "after a restart")
	took := time.Since(restarted)
	if took > 10*time.Second {
		t.Errorf("current again %v after the restart, want within 10 s", took)
	}
	t.Logf("restart → board current again in %v", took.Round(time.Millisecond))
	if st := srv.ClassicStats(); st.Negotiations < 1 || srv.Subscriptions() != subs {
		t.Errorf("after the restart: %d negotiations, %d subscriptions (before %d); want a new connection subscribed again", st.Negotiations, srv.Subscriptions(), subs)
	}

	// It restarts into a host without websockets: data flows again within
	// 15 s over serverSentEvents or longPolling.
	noWS := opts
	noWS.Classic.NoWebSockets = true
	start := time.Now()
	srv = host.start(center, noWS)
	change(2)
	for {
		h = connectHealth(t, base)
		if h.OK && h.Transport != "webSockets" && connectMismatch(getBoard(t, base), center.Truth()) == "" {
			break
		}
		if time.Since(start) > 15*time.Second {
			t.Fatalf("no data within 15 s of a restart without websockets: %+v", h)
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Logf("restart without websockets → data over %s in %v", h.Transport, time.Since(start).Round(time.Millisecond))
	if h.Transport != "serverSentEvents" && h.Transport != "longPolling" {
		t.Errorf("transport %q", h.Transport)
	}
	if st := srv.ClassicStats(); st.Transports["webSockets"] != 0 {
		t.Errorf("websocket requests reached a host without websockets: %+v", st)
	}

	// It restarts keeping its machine key: the old connection token is
	// taken back, the transport resumes, but the subscriptions are gone.
	// The board is current again within 10 s all the same.
	resume := opts
	resume.Classic.ResumeUnknown = true
	restarted = time.Now()
	host.start(center, resume)
	change(3)
	current(10*time.Second, "after a restart that took the old connection back")
	t.Logf("restart resuming the old connection → board current again in %v", time.Since(restarted).Round(time.Millisecond))

	if strings.Contains(logs.String(), password) || strings.Contains(logs.String(), "eyJ") {
		t.Error("a password or token reached the log")
	}
}
