package poller

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/wallboard/wallboard/cache"
	"github.com/wallboard/wallboard/cache/storetest"
	"github.com/wallboard/wallboard/internal/testlog"
	"github.com/wallboard/wallboard/model"
	"github.com/wallboard/wallboard/simulator"
	"github.com/wallboard/wallboard/simulator/ujet"
)

// storeSink is a real store that also records every state put, so that a
// test can wait for one.
type storeSink struct {
	cache.Store
	rec *recorder
}

func (s storeSink) Put(ctx context.Context, st model.SourceState) (model.SourceState, error) {
	put, err := s.Store.Put(ctx, st)
	if err == nil {
		s.rec.Put(ctx, put)
	}
	return put, err
}

// dayCenter is a simulated center with a day of traffic that moves only when
// the test advances it.
type dayCenter struct {
	center  *simulator.Center
	handler *ujet.Handler
	url     string
}

func startDayCenter(t *testing.T, maxPer int) *dayCenter {
	t.Helper()
	// 20 simulated minutes of warm-up at speed 30: 40 wall seconds of
	// traffic, all of it today.
	center := simulator.New(simulator.Options{Seed: 11, Agents: 25, Speed: 30, WarmUp: 20 * time.Minute})
	h := ujet.NewHandler(center, ujet.Options{Subdomain: "acme", Token: simToken, RateLimit: fastGap, MaxPer: maxPer})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &dayCenter{center: center, handler: h, url: srv.URL + ujet.Prefix}
}

func (d *dayCenter) poll(t *testing.T, sink Sink) (stop func()) {
	t.Helper()
	return d.pollLogged(t, sink, &testlog.Buffer{})
}

func (d *dayCenter) pollLogged(t *testing.T, sink Sink, logs *testlog.Buffer) (stop func()) {
	t.Helper()
	c, err := NewClient(ClientConfig{BaseURL: d.url, Subdomain: "acme", Token: simToken, HTTPClient: &http.Client{Timeout: 5 * time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	cfg := fastConfig()
	cfg.DayCountsEvery = 200 * time.Millisecond
	cfg.PerPage = 100
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { New(c, sink, cfg, testLogger(logs)).Run(ctx); close(done) }()
	stopped := false
	stop = func() {
		if !stopped {
			stopped = true
			cancel()
			<-done
		}
	}
	t.Cleanup(stop)
	return stop
}

// matchesTruth reports whether st's day counts equal the center's truth since
// local midnight, per queue and in total, with the mean handle and answer
// times.
func matchesTruth(tr simulator.Truth) func(model.SourceState) bool {
	want := tr.DayCounts(midnight(time.Now(), time.Local))
	return func(st model.SourceState) bool {
		var handled, abandoned, wantHandled, wantAbandoned int
		for _, q := range st.Queues {
			if q.Answered == nil || q.Abandoned == nil {
				return false
			}
			handled += *q.Answered
			abandoned += *q.Abandoned
			w := want[q.ID]
			if *q.Answered != w.Handled || *q.Abandoned != w.Abandoned {
				return false
			}
			if w.Finished > 0 && (q.AverageHandleSeconds == nil || math.Abs(*q.AverageHandleSeconds-float64(w.HandleSecs)/float64(w.Finished)) > 1e-6) {
				return false
			}
			if w.Handled > 0 && (q.AverageAnswerSeconds == nil || math.Abs(*q.AverageAnswerSeconds-float64(w.QueueSecs)/float64(w.Handled)) > 1e-6) {
				return false
			}
		}
		for _, w := range want {
			wantHandled += w.Handled
			wantAbandoned += w.Abandoned
		}
		return handled == wantHandled && abandoned == wantAbandoned
	}
}

func describeTruth(tr simulator.Truth) string {
	var h, a, ivr int
	for _, w := range tr.DayCounts(midnight(time.Now(), time.Local)) {
		h += w.Handled
		a += w.Abandoned
	}
	for _, c := range tr.Contacts {
		if c.FailReason == "eu_in_menu_abandoned" {
			ivr++
		}
	}
	return fmt.Sprintf("%d handled, %d abandoned, %d IVR hang-ups", h, a, ivr)
}

// TestDayCountsMatchTruthAcrossLeadersAndRestart: the day counts equal the
// server's truth per queue and in total; after a leader change (another
// store on the same Redis) and a restart (new connections) they still do,
// neither lost nor doubled, and the next leader carries on from the cursor
// instead of reading the day again.
func TestDayCountsMatchTruthAcrossLeadersAndRestart(t *testing.T) {
	t.Parallel()
	url := storetest.RedisURL(t)
	prefix := storetest.Prefix(t, url)
	open := func() cache.Store {
		s, err := cache.NewRedis(t.Context(), cache.RedisOptions{URL: url, Prefix: prefix})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	d := startDayCenter(t, 25) // a server that pages by 25
	tr := d.center.Truth()
	if !strings.Contains(describeTruth(tr), "abandoned") {
		t.Fatal("no truth")
	}
	t.Logf("truth: %s", describeTruth(tr))

	rec := newRecorder()
	stop := d.poll(t, storeSink{open(), rec})
	rec.waitFor(t, 20*time.Second, "first leader's counts equal the truth", matchesTruth(tr))
	stop()

	// More traffic, then another replica leads.
	d.center.Advance(time.Now())
	tr = d.center.Truth()
	t.Logf("truth after more traffic: %s", describeTruth(tr))
	before := len(d.handler.Requests())
	rec2 := newRecorder()
	stop2 := d.poll(t, storeSink{open(), rec2})
	rec2.waitFor(t, 20*time.Second, "next leader's counts equal the truth", matchesTruth(tr))
	stop2()
	readFromCursor(t, d.handler.Requests()[before:], tr.At.Add(-5*time.Minute))

	// A restart: everything new but Redis.
	d.center.Advance(time.Now())
	tr = d.center.Truth()
	rec3 := newRecorder()
	d.poll(t, storeSink{open(), rec3})
	st := rec3.waitFor(t, 20*time.Second, "counts after a restart equal the truth", matchesTruth(tr))
	if st.Fresh["day_counts"].IsZero() {
		t.Error("status does not say when the day counts were read")
	}
}

// TestDayCountsWholeAfterRedisRestartsEmpty: Redis restarts without its
// data under a running leader. The leader notices that the store lost the
// day counts' ledger and writes every contact it counted back, so that the
// next leader, carrying on from the cursor, counts the whole day.
func TestDayCountsWholeAfterRedisRestartsEmpty(t *testing.T) {
	t.Parallel()
	srv := storetest.StartRedis(t) // private: the test restarts it
	const prefix = "wb:"
	open := func() cache.Store {
		s, err := cache.NewRedis(t.Context(), cache.RedisOptions{URL: srv.URL(), Prefix: prefix, Logger: testLogger(&testlog.Buffer{})})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	rdb := storetest.Client(t, srv.URL())
	ledgerKey := prefix + "ledger:ujet-day:" + DefaultSource
	d := startDayCenter(t, 25)
	tr := d.center.Truth()
	t.Logf("truth: %s", describeTruth(tr))

	logs := &testlog.Buffer{}
	rec := newRecorder()
	stop := d.pollLogged(t, storeSink{open(), rec}, logs)
	rec.waitFor(t, 20*time.Second, "first leader's counts equal the truth", matchesTruth(tr))

	srv.Kill()
	srv.Start()
	if n := rdb.Exists(t.Context(), ledgerKey).Val(); n != 0 {
		t.Fatal("Redis kept the ledger over a restart")
	}
	// More traffic: the leader's next passes write to the empty Redis.
	d.center.Advance(time.Now())
	tr = d.center.Truth()
	t.Logf("truth after the restart: %s", describeTruth(tr))
	rec.waitFor(t, 30*time.Second, "the leader's counts equal the truth after the restart", matchesTruth(tr))
	// Every counted contact (one entry each) and both cursors are back in
	// Redis, not only the contacts since the restart. Checked on each state
	// the leader puts.
	want := 2
	for _, c := range tr.DayCounts(midnight(time.Now(), time.Local)) {
		want += c.Handled + c.Abandoned
	}
	deadline := time.After(30 * time.Second)
	for {
		n, err := rdb.HLen(t.Context(), ledgerKey).Result()
		if err == nil && int(n) >= want {
			break
		}
		select {
		case <-rec.signal:
		case <-deadline:
			t.Fatalf("the ledger in Redis has %d entries (%v) after the restart, want %d: the leader did not write it back", n, err, want)
		}
	}
	stop()
	if !strings.Contains(logs.String(), "lost the day counts' ledger") {
		t.Errorf("the leader did not log the loss:\n%s", logs)
	}

	// Another replica leads: it loads the ledger and carries on from the
	// cursor, with the whole day's counts.
	before := len(d.handler.Requests())
	rec2 := newRecorder()
	d.poll(t, storeSink{open(), rec2})
	rec2.waitFor(t, 20*time.Second, "the next leader's counts equal the truth", matchesTruth(tr))
	readFromCursor(t, d.handler.Requests()[before:], time.Time{})
}

// readFromCursor checks that the first calls or chats request of reqs (a
// new leader's) reads from a cursor: after midnight, and not before
// notBefore.
func readFromCursor(t *testing.T, reqs []ujet.Request, notBefore time.Time) {
	t.Helper()
	for _, r := range reqs {
		if r.Path != "calls" && r.Path != "chats" {
			continue
		}
		q, _ := parseQuery(r.Query)
		from, err := time.Parse(time.RFC3339Nano, q.Get("updated_at[from]"))
		if err != nil {
			t.Fatalf("%s without updated_at[from]: %s", r.Path, r.Query)
		}
		if !from.After(midnight(time.Now(), time.Local)) || from.Before(notBefore) {
			t.Errorf("the next leader read %s from %v: not from the cursor", r.Path, from)
		}
		return
	}
}

// TestDayCountsInMemory counts a day with the in-process store and a page
// size the server honours.
func TestDayCountsInMemory(t *testing.T) {
	t.Parallel()
	d := startDayCenter(t, 0)
	tr := d.center.Truth()
	rec := newRecorder()
	d.poll(t, storeSink{cache.NewMemory(), rec})
	rec.waitFor(t, 20*time.Second, "counts equal the truth", matchesTruth(tr))
	d.center.Advance(time.Now())
	rec.waitFor(t, 20*time.Second, "counts follow new traffic", matchesTruth(d.center.Truth()))
}

func TestClassify(t *testing.T) {
	ts := func(s string) Timestamp {
		v, _ := time.Parse(time.RFC3339, s)
		return Timestamp{v}
	}
	num := func(v float64) Number { return Number{Value: v, Valid: true} }
	queued := ts("2026-12-03T09:00:00Z")
	for _, tc := range []struct {
		name    string
		channel string
		c       Contact
		counted bool
		abandon bool
		handle  float64
	}{
		{"call answered and finished", "call", Contact{Status: "finished", QueuedAt: queued, ConnectedAt: ts("2026-12-03T09:00:30Z"), CallDuration: num(100),
			HandleDurations: []HandleDuration{{ACWDuration: num(20)}}}, true, false, 120},
		{"call connected", "call", Contact{Status: "connected", QueuedAt: queued, ConnectedAt: ts("2026-12-03T09:00:30Z")}, true, false, -1},
		{"call abandoned in queue", "call", Contact{Status: "failed", FailReason: "eu_abandoned", QueuedAt: queued, EndsAt: ts("2026-12-03T09:01:00Z")}, true, true, -1},
		{"call hung up in the IVR", "call", Contact{Status: "failed", FailReason: "eu_in_menu_abandoned", EndsAt: ts("2026-12-03T09:01:00Z")}, false, false, -1},
		{"call failed for the network", "call", Contact{Status: "failed", FailReason: "voip_conn_timeout", QueuedAt: queued, EndsAt: ts("2026-12-03T09:01:00Z")}, false, false, -1},
		{"call still queued", "call", Contact{Status: "queued", QueuedAt: queued}, false, false, -1},
		{"chat canceled in queue", "chat", Contact{Status: "canceled", QueueDurations: []QueueDuration{{MenuPathID: "1"}}, EndsAt: ts("2026-12-03T09:01:00Z")}, true, true, -1},
		{"chat canceled in the menu", "chat", Contact{Status: "canceled", EndsAt: ts("2026-12-03T09:01:00Z")}, false, false, -1},
		{"chat finished", "chat", Contact{Status: "finished", AssignedAt: ts("2026-12-03T09:00:10Z"), ChatDuration: num(300)}, true, false, 300},
	} {
		r, ok := classify(tc.channel, tc.c, "q")
		if ok != tc.counted || (ok && (r.abandoned != tc.abandon || r.handle != tc.handle)) {
			t.Errorf("%s: counted %v abandoned %v handle %v; want %v %v %v", tc.name, ok, r.abandoned, r.handle, tc.counted, tc.abandon, tc.handle)
		}
	}
}

func TestDayRecordRoundTrip(t *testing.T) {
	for _, r := range []dayRec{
		{queue: "501:en:call", at: time.UnixMilli(1764748800123).UTC(), handle: 12.5, wait: 3},
		{queue: "m7:es|x:chat", abandoned: true, at: time.UnixMilli(1).UTC(), handle: -1, wait: -1},
	} {
		got, err := decodeDayRec(r.encode())
		if err != nil || got != r {
			t.Errorf("round trip of %+v = %+v, %v", r, got, err)
		}
	}
	for _, bad := range []string{"", "a|b", "q|h|notatime|1|2"} {
		if _, err := decodeDayRec(bad); err == nil {
			t.Errorf("%q decoded", bad)
		}
	}
}

func parseQuery(raw string) (url.Values, error) { return url.ParseQuery(raw) }

func FuzzDayRecord(f *testing.F) {
	f.Add("501:en:call|h|1764748800123|12.5|3")
	f.Add("q|a|1|-|-")
	f.Add("|||||")
	f.Fuzz(func(t *testing.T, s string) {
		r, err := decodeDayRec(s)
		if err != nil {
			return
		}
		again, err := decodeDayRec(r.encode())
		if err != nil || again.abandoned != r.abandoned || !again.at.Equal(r.at) || again.queue != r.queue {
			t.Errorf("%q: %+v re-encoded as %+v, %v", s, r, again, err)
		}
	})
}
