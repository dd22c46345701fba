package main

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/wallboard/wallboard/cache"
	"github.com/wallboard/wallboard/server"
	"github.com/wallboard/wallboard/signalr"
	"github.com/wallboard/wallboard/simulator"
	"github.com/wallboard/wallboard/simulator/connect"
)

// BenchmarkConnectDiffToBrowser1000 measures the whole pushed path: an agent
// changes status in the simulated contact center, the simulated Connect hub
// sends the diff over SignalR, the subscriber merges it and puts the source
// into the store, the server renders the wall once and 1,000 websocket
// clients on loopback receive it. Each iteration is one change; it reports
// the time until the first and the last of the 1,000 clients has the update.
//
//	go test -run '^$' -bench ConnectDiffToBrowser -benchtime 20x .
func BenchmarkConnectDiffToBrowser1000(b *testing.B) {
	const clients = 1000
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	quiet := slog.New(slog.DiscardHandler)

	// A quiet center: only the benchmark changes it.
	center := simulator.New(simulator.Options{Seed: 9, Agents: 20, Quiet: true, WarmUp: -1})
	vendor := connect.NewServer(center, connect.Options{Logger: quiet})
	vs := httptest.NewServer(vendor)
	defer vs.Close()
	go func() { _ = vendor.Run(ctx) }()

	store := cache.NewMemory()
	sub, err := signalr.New(signalr.Config{
		URL: vs.URL, ClientID: connect.DefaultClientID, User: connect.DefaultUser, Password: connect.DefaultPassword,
		Heartbeat: -1,
	}, store, quiet)
	if err != nil {
		b.Fatal(err)
	}
	go func() { _ = sub.Run(ctx) }()

	srv := server.New(server.Options{Store: store, Logger: quiet, Version: "bench"})
	go func() { _ = srv.Run(ctx) }()
	ws := httptest.NewServer(srv.Handler())
	defer ws.Close()

	// Wait for the Connect agents to reach the store.
	var agentIDs []int
	for _, a := range center.Truth().Agents {
		if a.LoggedIn {
			agentIDs = append(agentIDs, a.ID)
		}
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		states, _ := store.Snapshot(ctx)
		if len(states) == 1 && states[0].OK && len(states[0].Agents) > 0 {
			break
		}
		if time.Now().After(deadline) {
			b.Fatalf("Connect data never reached the store: %+v", states)
		}
		time.Sleep(50 * time.Millisecond)
	}

	// 1,000 browsers: each reports when it receives a message.
	got := make(chan time.Time, clients*4)
	url := "ws" + strings.TrimPrefix(ws.URL, "http") + "/boards/all/ws"
	var wg sync.WaitGroup
	for range clients {
		c, _, err := websocket.Dial(ctx, url, nil)
		if err != nil {
			b.Fatal(err)
		}
		c.SetReadLimit(-1)
		// The full render every client gets on connect.
		if _, _, err := c.Read(ctx); err != nil {
			b.Fatal(err)
		}
		wg.Go(func() {
			defer c.CloseNow()
			for {
				_, r, err := c.Reader(ctx)
				if err != nil {
					return
				}
				_, _ = io.Copy(io.Discard, r)
				got <- time.Now()
			}
		})
	}

	var first, last []time.Duration
	statuses := []string{"Break", "Available"}
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		// Drain what earlier changes left, then change one agent.
		for len(got) > 0 {
			<-got
		}
		id := agentIDs[i%len(agentIDs)]
		start := time.Now()
		if err := center.SetAgentStatus(id, statuses[(i/len(agentIDs))%2]); err != nil {
			b.Fatal(err)
		}
		var f, l time.Time
		for n := 0; n < clients; n++ {
			select {
			case t := <-got:
				if n == 0 {
					f = t
				}
				l = t
			case <-time.After(20 * time.Second):
				b.Fatalf("change %d: only %d of %d clients got it", i, n, clients)
			}
		}
		first = append(first, f.Sub(start))
		last = append(last, l.Sub(start))
	}
	b.StopTimer()
	slices.Sort(first)
	slices.Sort(last)
	b.ReportMetric(float64(first[len(first)/2].Microseconds())/1000, "ms-first-client-p50")
	b.ReportMetric(float64(last[len(last)/2].Microseconds())/1000, "ms-all-1000-clients-p50")
	b.ReportMetric(float64(last[len(last)-1].Microseconds())/1000, "ms-all-1000-clients-max")
	cancel()
	wg.Wait()
}
