package server

import (
	"bytes"
	"context"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/wallboard/wallboard/boards"
	"github.com/wallboard/wallboard/model"
	"github.com/wallboard/wallboard/present"
	"github.com/wallboard/wallboard/views"
)

// BenchmarkRenderWall renders a 200-agent, 50-queue board the way Run does
// on every change: merge, view model, templ render of the websocket fragment.
func BenchmarkRenderWall(b *testing.B) {
	now := time.Now()
	states := []model.SourceState{fixture(now, 200, 50)}
	bd, _ := boards.New(nil).Get("all")
	var buf bytes.Buffer
	b.ReportAllocs()
	for b.Loop() {
		buf.Reset()
		w := present.New(bd, bd.Apply(states, now), false).Wall(false)
		if err := views.WallView(w, true).Render(context.Background(), &buf); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(buf.Len()), "bytes/render")
}

// BenchmarkBroadcastWebsocket1000 is one change end to end: a Put into the
// store, Run renders the 200-agent board once, and 1,000 real websocket
// clients on loopback each receive the message.
func BenchmarkBroadcastWebsocket1000(b *testing.B) {
	const clients = 1000
	store := newFlakyStore()
	now := time.Now()
	st := fixture(now, 200, 50)
	if _, err := store.Put(context.Background(), st); err != nil {
		b.Fatal(err)
	}
	s := New(Options{Store: store, WriteTimeout: 30 * time.Second, MinInterval: time.Millisecond})
	hs := httptest.NewServer(s.Handler())
	defer hs.Close()
	ctx, cancel := context.WithCancel(context.Background())
	var run sync.WaitGroup
	run.Go(func() { _ = s.Run(ctx) })
	defer func() { cancel(); run.Wait() }()

	url := "ws" + strings.TrimPrefix(hs.URL, "http") + "/boards/all/ws"
	got := make(chan int, clients)
	var readers sync.WaitGroup
	conns := make([]*websocket.Conn, 0, clients)
	for range clients {
		c, _, err := websocket.Dial(context.Background(), url, nil)
		if err != nil {
			b.Fatal(err)
		}
		c.SetReadLimit(-1)
		conns = append(conns, c)
		readers.Go(func() {
			for {
				_, m, err := c.Read(context.Background())
				if err != nil {
					return
				}
				got <- len(m)
			}
		})
	}
	for range clients { // the initial full render
		<-got
	}
	var size int
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		st.Queues[0].Waiting = i
		if _, err := store.Put(context.Background(), st); err != nil {
			b.Fatal(err)
		}
		for range clients {
			size = <-got
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(size), "bytes/msg")
	for _, c := range conns {
		c.CloseNow()
	}
	readers.Wait()
}
