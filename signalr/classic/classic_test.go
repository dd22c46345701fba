package classic_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wallboard/wallboard/internal/testlog"
	"github.com/wallboard/wallboard/signalr/classic"
	"github.com/wallboard/wallboard/simulator"
	"github.com/wallboard/wallboard/simulator/connect"
)

// rig is the simulated Connect host with a classic hub.
type rig struct {
	srv *connect.Server
	ts  *httptest.Server
}

func newRig(t testing.TB, co connect.ClassicOptions) *rig {
	t.Helper()
	return newRigWith(t, co, nil)
}

// newRigWith is newRig with every request passing through wrap.
func newRigWith(t testing.TB, co connect.ClassicOptions, wrap func(http.Handler) http.Handler) *rig {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	center := simulator.New(simulator.Options{Seed: 5, Agents: 5})
	srv := connect.NewServer(center, connect.Options{SignalR: "classic", Classic: co})
	var h http.Handler = srv
	if wrap != nil {
		h = wrap(srv)
	}
	ts := httptest.NewServer(h)
	done := make(chan struct{})
	go func() { defer close(done); _ = srv.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done; ts.Close() })
	return &rig{srv: srv, ts: ts}
}

func (r *rig) options(rec *recorder, transports ...string) classic.Options {
	tok := r.srv.IssueToken()
	return classic.Options{
		URL:        r.ts.URL + connect.DefaultClassicPath,
		Hub:        "golddatahub", // case-insensitive
		Token:      func(context.Context) (string, error) { return tok, nil },
		Transports: transports,
		OnMessage:  rec.add,
	}
}

// recorder keeps every message's first argument, a sequence number.
type recorder struct {
	mu     sync.Mutex
	seqs   []int
	hubs   map[string]bool
	change chan struct{}
}

func newRecorder() *recorder {
	return &recorder{hubs: map[string]bool{}, change: make(chan struct{}, 1)}
}

func (r *recorder) add(m classic.Message) {
	var n int
	if len(m.Args) != 1 || json.Unmarshal(m.Args[0], &n) != nil {
		n = -1
	}
	r.mu.Lock()
	r.seqs = append(r.seqs, n)
	r.hubs[m.Hub+"."+m.Method] = true
	r.mu.Unlock()
	select {
	case r.change <- struct{}{}:
	default:
	}
}

// await waits until n messages have arrived and returns them.
func (r *recorder) await(t *testing.T, n int) []int {
	t.Helper()
	deadline := time.NewTimer(20 * time.Second)
	defer deadline.Stop()
	for {
		r.mu.Lock()
		got := append([]int(nil), r.seqs...)
		r.mu.Unlock()
		if len(got) >= n {
			return got
		}
		select {
		case <-r.change:
		case <-deadline.C:
			t.Fatalf("got %d of %d messages: %v", len(got), n, got)
		}
	}
}

func send(srv *connect.Server, from, to int) {
	for i := from; i <= to; i++ {
		srv.SendRaw("agentUpdate", json.RawMessage(fmt.Sprint(i)))
	}
}

func wantSeq(t *testing.T, got []int, n int) {
	t.Helper()
	if len(got) != n {
		t.Fatalf("got %d messages, want %d: %v", len(got), n, got)
	}
	for i, v := range got {
		if v != i+1 {
			t.Fatalf("message %d is %d: not in order or duplicated: %v", i, v, got)
		}
	}
}

func dial(t testing.TB, o classic.Options) *classic.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, err := classic.Dial(ctx, o)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(c.Close)
	return c
}

func TestEachTransportDeliversInOrder(t *testing.T) {
	for _, tr := range classic.DefaultTransports {
		t.Run(tr, func(t *testing.T) {
			r := newRig(t, connect.ClassicOptions{})
			rec := newRecorder()
			c := dial(t, r.options(rec, tr))
			if c.Transport() != tr {
				t.Fatalf("transport %q, want %q", c.Transport(), tr)
			}
			if c.ProtocolVersion() != "1.5" || len(c.ConnectionID()) != 36 {
				t.Fatalf("protocol %q, connection id %q", c.ProtocolVersion(), c.ConnectionID())
			}
			send(r.srv, 1, 200)
			wantSeq(t, rec.await(t, 200), 200)
			rec.mu.Lock()
			defer rec.mu.Unlock()
			if !rec.hubs["GoldDataHub.agentUpdate"] || len(rec.hubs) != 1 {
				t.Fatalf("hub and method: %v", rec.hubs)
			}
		})
	}
}

// The server's LongPollDelay spaces longPolling's polls, as the classic
// clients do: a poll comes at least that long after the answer before it.
func TestLongPollingWaitsTheServersDelay(t *testing.T) {
	const delay = 300 * time.Millisecond
	var (
		mu       sync.Mutex
		answered time.Time       // when the last poll's answer was written
		gaps     []time.Duration // from an answer to the next poll
	)
	r := newRigWith(t, connect.ClassicOptions{LongPollDelay: delay}, func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			poll := strings.HasSuffix(req.URL.Path, "/poll")
			if poll {
				mu.Lock()
				if !answered.IsZero() {
					gaps = append(gaps, time.Since(answered))
				}
				mu.Unlock()
			}
			h.ServeHTTP(w, req)
			if poll || strings.HasSuffix(req.URL.Path, "/connect") {
				mu.Lock()
				answered = time.Now()
				mu.Unlock()
			}
		})
	})
	rec := newRecorder()
	c := dial(t, r.options(rec, classic.LongPolling))
	if c.Transport() != classic.LongPolling {
		t.Fatalf("transport %q", c.Transport())
	}
	for i := 1; i <= 4; i++ {
		send(r.srv, i, i)
		rec.await(t, i)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(gaps) < 4 {
		t.Fatalf("%d polls after an answer, want 4 or more", len(gaps))
	}
	for i, g := range gaps {
		if g < delay {
			t.Errorf("poll %d came %v after the answer before it, want at least the server's %v", i+1, g, delay)
		}
	}
}

func TestDroppedTransportReconnectsAndReplaysMissedMessages(t *testing.T) {
	for _, tr := range classic.DefaultTransports {
		t.Run(tr, func(t *testing.T) {
			r := newRig(t, connect.ClassicOptions{})
			rec := newRecorder()
			events := make(chan string, 10)
			o := r.options(rec, tr)
			o.OnTransport = func(e string) { events <- e }
			c := dial(t, o)
			send(r.srv, 1, 10)
			rec.await(t, 10)
			before := r.srv.ClassicStats().Reconnects
			r.srv.DropTransports()
			// Sent while the transport may be down: kept for the reconnect.
			send(r.srv, 11, 30)
			wantSeq(t, rec.await(t, 30), 30)
			if e := <-events; e != "reconnecting" {
				t.Fatalf("first transport event %q", e)
			}
			if e := <-events; e != "reconnected" {
				t.Fatalf("second transport event %q", e)
			}
			if got := r.srv.ClassicStats().Reconnects; got <= before {
				t.Fatalf("no reconnect request reached the hub (%d)", got)
			}
			select {
			case <-c.Done():
				t.Fatalf("connection ended: %v", c.Err())
			default:
			}
			send(r.srv, 31, 40)
			wantSeq(t, rec.await(t, 40), 40)
		})
	}
}

func TestRestartedServerEndsConnectionWithErrGone(t *testing.T) {
	for _, tr := range classic.DefaultTransports {
		t.Run(tr, func(t *testing.T) {
			r := newRig(t, connect.ClassicOptions{})
			c := dial(t, r.options(newRecorder(), tr))
			r.srv.KillConnections()
			select {
			case <-c.Done():
			case <-time.After(30 * time.Second):
				t.Fatal("connection did not end after the server forgot it")
			}
			if !errors.Is(c.Err(), classic.ErrGone) {
				t.Fatalf("err %v, want ErrGone", c.Err())
			}
			// A new negotiation works.
			rec := newRecorder()
			c2 := dial(t, r.options(rec, tr))
			if c2.ConnectionID() == c.ConnectionID() {
				t.Fatal("same connection id after a restart")
			}
			send(r.srv, 1, 3)
			wantSeq(t, rec.await(t, 3), 3)
		})
	}
}

func TestWithoutWebSocketsFallsBack(t *testing.T) {
	for _, tc := range []struct {
		name       string
		o          connect.ClassicOptions
		transports []string
		want       string
	}{
		{"TryWebSockets false", connect.ClassicOptions{NoWebSockets: true}, nil, classic.ServerSentEvents},
		{"upgrade fails", connect.ClassicOptions{BreakWebSockets: true}, nil, classic.ServerSentEvents},
		{"upgrade fails, no SSE", connect.ClassicOptions{BreakWebSockets: true}, []string{classic.WebSockets, classic.LongPolling}, classic.LongPolling},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t, tc.o)
			rec := newRecorder()
			c := dial(t, r.options(rec, tc.transports...))
			if c.Transport() != tc.want {
				t.Fatalf("transport %q, want %q", c.Transport(), tc.want)
			}
			send(r.srv, 1, 5)
			wantSeq(t, rec.await(t, 5), 5)
		})
	}
}

func TestCloseAbortsTheConnection(t *testing.T) {
	r := newRig(t, connect.ClassicOptions{})
	c := dial(t, r.options(newRecorder()))
	if r.srv.Connections() != 1 {
		t.Fatalf("%d connections", r.srv.Connections())
	}
	c.Close()
	if r.srv.Connections() != 0 {
		t.Fatalf("%d connections after Close: abort did not reach the hub", r.srv.Connections())
	}
	if c.Err() != nil {
		t.Fatalf("Err after Close: %v", c.Err())
	}
}

func TestQueryTokenAndSecrets(t *testing.T) {
	r := newRig(t, connect.ClassicOptions{})
	log, buf := testlog.Logger()
	rec := newRecorder()
	o := r.options(rec, classic.ServerSentEvents)
	tok, _ := o.Token(context.Background())
	o.QueryToken = true
	o.Logger = log
	c := dial(t, o)
	send(r.srv, 1, 2)
	rec.await(t, 2)
	r.srv.DropTransports()
	send(r.srv, 3, 3)
	rec.await(t, 3)
	c.Close()
	if strings.Contains(buf.String(), tok) {
		t.Fatalf("token in the log:\n%s", buf.String())
	}
	// A rejected token: a clear error without the token.
	o.Token = func(context.Context) (string, error) { return "bad." + tok, nil }
	_, err := classic.Dial(context.Background(), o)
	var se *classic.StatusError
	if !errors.As(err, &se) || se.Code != http.StatusUnauthorized || strings.Contains(err.Error(), tok) {
		t.Fatalf("err %v, want a 401 without the token", err)
	}
}

func TestCoreHubIsNotClassic(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv := connect.NewServer(simulator.New(simulator.Options{Seed: 1, Agents: 3}), connect.Options{SignalR: "core"})
	ts := httptest.NewServer(srv)
	defer ts.Close()
	go func() { _ = srv.Run(ctx) }()
	tok := srv.IssueToken()
	o := classic.Options{URL: ts.URL + connect.DefaultHubPath, Hub: "GoldDataHub", Token: func(context.Context) (string, error) { return tok, nil }}
	if _, err := classic.Negotiate(ctx, o); err == nil {
		t.Fatal("negotiated with a Core hub")
	}
	o.URL = ts.URL + connect.DefaultClassicPath
	_, err := classic.Negotiate(ctx, o)
	var se *classic.StatusError
	if !errors.As(err, &se) || se.Code != http.StatusNotFound {
		t.Fatalf("negotiate where no hub is: %v, want a 404", err)
	}
}

// TestMissedKeepAlivesCountAsDroppedTransport serves a hub that goes quiet
// after the init frame: the client must reconnect on its own.
func TestMissedKeepAlivesCountAsDroppedTransport(t *testing.T) {
	reconnected := make(chan string, 1)
	mux := http.NewServeMux()
	mux.HandleFunc("/signalr/negotiate", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"Url":"/signalr","ConnectionToken":"tok","ConnectionId":"c1","KeepAliveTimeout":0.3,"DisconnectTimeout":5,"ConnectionTimeout":5,"TryWebSockets":false,"ProtocolVersion":"1.5","TransportConnectTimeout":5}`)
	})
	mux.HandleFunc("/signalr/connect", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		fmt.Fprint(w, "data: initialized\n\ndata: {\"C\":\"7\",\"S\":1,\"M\":[]}\n\n")
		w.(http.Flusher).Flush()
		<-r.Context().Done() // then silence
	})
	mux.HandleFunc("/signalr/start", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, `{"Response":"started"}`) })
	mux.HandleFunc("/signalr/reconnect", func(w http.ResponseWriter, r *http.Request) {
		select {
		case reconnected <- r.URL.Query().Get("messageId"):
		default:
		}
		http.Error(w, "gone", http.StatusNotFound)
	})
	mux.HandleFunc("/signalr/abort", func(http.ResponseWriter, *http.Request) {})
	ts := httptest.NewServer(mux)
	defer ts.Close()
	c, err := classic.Dial(context.Background(), classic.Options{URL: ts.URL + "/signalr", Hub: "h"})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if id := <-reconnected; id != "7" {
		t.Fatalf("reconnect with messageId %q, want 7", id)
	}
	<-c.Done()
	if !errors.Is(c.Err(), classic.ErrGone) {
		t.Fatalf("err %v, want ErrGone after a 404 to reconnect", c.Err())
	}
}

// Every hub request carries the bearer in the Authorization header; the
// query carries it only with QueryToken.
func TestBearerOnEveryRequest(t *testing.T) {
	for _, query := range []bool{false, true} {
		for _, tr := range classic.DefaultTransports {
			t.Run(fmt.Sprintf("%s query=%v", tr, query), func(t *testing.T) {
				r := newRig(t, connect.ClassicOptions{})
				var mu sync.Mutex
				var bad []string
				ops := map[string]bool{}
				spy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
					op := req.URL.Path[strings.LastIndexByte(req.URL.Path, '/')+1:]
					mu.Lock()
					ops[op] = true
					if !strings.HasPrefix(req.Header.Get("Authorization"), "Bearer ey") {
						bad = append(bad, op+": no Authorization")
					}
					if req.URL.Query().Has("access_token") != query {
						bad = append(bad, op+": access_token in the query is "+fmt.Sprint(!query))
					}
					mu.Unlock()
					r.srv.ServeHTTP(w, req)
				}))
				defer spy.Close()
				rec := newRecorder()
				o := r.options(rec, tr)
				o.URL = spy.URL + connect.DefaultClassicPath
				o.QueryToken = query
				c := dial(t, o)
				send(r.srv, 1, 2)
				rec.await(t, 2)
				r.srv.DropTransports()
				send(r.srv, 3, 4)
				wantSeq(t, rec.await(t, 4), 4)
				c.Close()
				mu.Lock()
				defer mu.Unlock()
				for _, want := range []string{"negotiate", "connect", "start", "reconnect", "abort"} {
					if !ops[want] {
						t.Errorf("no %s request seen: %v", want, ops)
					}
				}
				if len(bad) > 0 {
					t.Fatalf("%v", bad)
				}
			})
		}
	}
}
