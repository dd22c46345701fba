package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wallboard/wallboard/boards"
	"github.com/wallboard/wallboard/cache"
	"github.com/wallboard/wallboard/config"
	"github.com/wallboard/wallboard/model"
	"github.com/wallboard/wallboard/present"
	"github.com/wallboard/wallboard/server"
	"github.com/wallboard/wallboard/signalr"
	"github.com/wallboard/wallboard/simulator"
	"github.com/wallboard/wallboard/simulator/connect"
)

// Connect's own fields reach the screens: the simulated Connect hub sends a
// reason code, a hold, day counts and queue groups as the API document shows
// them; the subscriber merges them into the store; the wall and the
// supervisor view show the reason code as the agent's status, the hold, the
// Answered and Abandoned columns and the Connect group rows.
func TestConnectFieldsReachTheBoard(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	quiet := slog.New(slog.DiscardHandler)

	// The model stands still (nobody advances it) after its warm-up, so
	// the queues have day counts; the test changes two agents.
	center := simulator.New(simulator.Options{Seed: 7, Agents: 12})
	vendor := connect.NewServer(center, connect.Options{Logger: quiet})
	vs := httptest.NewServer(vendor)
	defer vs.Close()
	go func() { _ = vendor.Run(ctx) }()

	store := cache.NewMemory()
	sub, err := newConnectSubscriber(config.Connect{
		URL: vs.URL, ClientID: connect.DefaultClientID, User: connect.DefaultUser, Password: connect.DefaultPassword,
		QueueGroups: "team",
	}, config.ConnectFile{}, signalr.DefaultStatusMap(), nil, store, quiet)
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = sub.Run(ctx) }()

	path := filepath.Join(t.TempDir(), "w.yaml")
	if err := os.WriteFile(path, []byte("boards:\n  - id: floor\n    tiles: [calls_waiting, queue_table, queue_groups, agent_grid]\n    rotate: off\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	file, err := config.LoadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	set := boards.New(file)
	srv := server.New(server.Options{Store: store, Logger: quiet, Version: "test", Boards: func() *boards.Set { return set }, RetryInterval: 100 * time.Millisecond})
	go func() { _ = srv.Run(ctx) }()
	ws := httptest.NewServer(srv.Handler())
	defer ws.Close()

	var breakID, holdID int
	for _, a := range center.Truth().Agents {
		switch {
		case breakID == 0:
			breakID = a.ID
		case holdID == 0:
			holdID = a.ID
		}
	}
	if err := center.SetAgentStatus(breakID, "Break"); err != nil {
		t.Fatal(err)
	}
	if err := center.PutOnHold(holdID); err != nil {
		t.Fatal(err)
	}

	// The board's snapshot, once everything has arrived.
	var board model.Board
	deadline := time.Now().Add(20 * time.Second)
	for {
		board = getConnectBoard(t, ws.URL+"/api/v1/boards/floor")
		if ready(board, breakID, holdID) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the board never showed the reason code, the hold and the groups: %+v", board)
		}
		time.Sleep(100 * time.Millisecond)
	}
	var counted *model.Queue
	for i, q := range board.Queues {
		if q.Answered != nil && *q.Answered > 0 && q.Abandoned != nil {
			counted = &board.Queues[i]
			break
		}
	}
	if counted == nil {
		t.Fatalf("no queue with day counts: %+v", board.Queues)
	}
	for _, q := range board.Queues {
		if q.SLAPercent != nil {
			t.Fatalf("a Connect queue has an SLA: %+v", q)
		}
	}

	wall := getText(t, ws.URL+"/boards/floor")
	sv := getText(t, ws.URL+"/boards/floor/supervisor")
	embedQueues := getText(t, ws.URL+"/embed/floor/queue_table")
	embedGroups := getText(t, ws.URL+"/embed/floor/queue_groups")
	breakKey, holdKey := present.DOMKey("connect", strconv.Itoa(breakID)), present.DOMKey("connect", strconv.Itoa(holdID))
	for _, c := range []struct{ page, name, want string }{
		{wall, "reason code on the card", `id="a-` + breakKey + `"`},
		{wall, "answered column", `title="Answered today">Answ.</th>`},
		{wall, "abandoned column", `title="Abandoned today">Aband.</th>`},
		{wall, "the queue's answered count", `q-answered">` + strconv.Itoa(*counted.Answered) + `</td>`},
		{wall, "the queue's abandoned count", `q-abandoned">` + strconv.Itoa(*counted.Abandoned) + `</td>`},
		{wall, "a Connect team group", `<span class="q-leaf">Billing</span>`},
		{sv, "answered header", `data-col="answered" aria-label="Answered today">Answ.</button>`},
		{sv, "abandoned header", `data-col="abandoned" aria-label="Abandoned today">Aband.</button>`},
		{sv, "the queue's counts", `data-k-answered="` + strconv.Itoa(*counted.Answered) + `"`},
		{sv, "a Connect team group", `data-gid="team/`},
		{sv, "groups' waiting column", `<th class="num c-count">Waiting</th>`},
		{embedQueues, "embedded answered count", `q-answered">` + strconv.Itoa(*counted.Answered) + `</td>`},
		{embedGroups, "embedded Connect group", `<span class="q-leaf">Billing</span>`},
		{embedGroups, "embedded group counts", `g-answered">`},
	} {
		if !strings.Contains(c.page, c.want) {
			t.Errorf("%s: %q not in the page", c.name, c.want)
		}
	}
	for _, page := range []string{wall, sv} {
		if card := element(page, breakKey); !strings.Contains(card, "Break") {
			t.Errorf("the agent in Break does not show it: %s", card)
		}
		if card := element(page, holdKey); !strings.Contains(card, "on-hold") {
			t.Errorf("the agent on hold is not marked: %s", card)
		}
	}
}

func ready(b model.Board, breakID, holdID int) bool {
	groups := 0
	for _, g := range b.QueueGroups {
		if g.Source == "connect" && strings.HasPrefix(g.ID, "team/") && g.Answered != nil {
			groups++
		}
	}
	reason, hold := false, false
	for _, a := range b.Agents {
		switch a.ID {
		case strconv.Itoa(breakID):
			reason = a.Status == "Break" && a.Reason == "Break" && a.State == model.StateAway
		case strconv.Itoa(holdID):
			hold = a.OnHold && a.HoldSince != nil && a.State == model.StateBusy
		}
	}
	return groups > 0 && reason && hold
}

func getConnectBoard(t *testing.T, url string) model.Board {
	t.Helper()
	var b model.Board
	if err := json.Unmarshal([]byte(getText(t, url)), &b); err != nil {
		t.Fatal(err)
	}
	return b
}

func getText(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %v", url, resp.StatusCode, err)
	}
	return string(body)
}

// element returns the markup of the element with DOM key key (a wall card
// a-…, a supervisor row sa-…), up to the next element of its kind.
func element(page, key string) string {
	for _, prefix := range []string{`id="a-`, `id="sa-`} {
		i := strings.Index(page, prefix+key+`"`)
		if i < 0 {
			continue
		}
		start := strings.LastIndex(page[:i], "<")
		end := strings.Index(page[i+1:], prefix)
		if end < 0 {
			end = len(page) - i - 1
		}
		return page[start : i+1+end]
	}
	return fmt.Sprintf("(no element %s)", key)
}
