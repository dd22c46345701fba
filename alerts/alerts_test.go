package alerts

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
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wallboard/wallboard/boards"
	"github.com/wallboard/wallboard/cache"
	"github.com/wallboard/wallboard/cache/storetest"
	"github.com/wallboard/wallboard/config"
	"github.com/wallboard/wallboard/internal/testlog"
	"github.com/wallboard/wallboard/model"
)

const secret = "a-webhook-secret-of-some-length"

var t0 = time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)

// receiver is a webhook endpoint that records what it is sent and checks
// each signature.
type receiver struct {
	t    *testing.T
	srv  *httptest.Server
	mu   sync.Mutex
	got  []received
	fail int // answer 503 to this many requests first
}

type received struct {
	event, breach, format string
	body                  map[string]any
}

func newReceiver(t *testing.T) *receiver {
	r := &receiver{t: t}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		defer r.mu.Unlock()
		if r.fail > 0 {
			r.fail--
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		if !Verify([]byte(secret), req.Header.Get(HeaderTimestamp), body, req.Header.Get(HeaderSignature)) {
			t.Errorf("bad signature %q on %s", req.Header.Get(HeaderSignature), body)
		}
		var m map[string]any
		if err := json.Unmarshal(body, &m); err != nil {
			t.Errorf("body %s: %v", body, err)
		}
		r.got = append(r.got, received{event: req.Header.Get(HeaderEvent), breach: req.Header.Get(HeaderBreach), format: req.URL.Path, body: m})
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) received() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]received(nil), r.got...)
}

// logger returns a logger whose output must never hold the webhook secret.
func logger(t *testing.T) *slog.Logger {
	l, buf := testlog.Logger()
	t.Cleanup(func() {
		if strings.Contains(buf.String(), secret) {
			t.Errorf("the log holds the webhook secret:\n%s", buf)
		}
	})
	return l
}

func boardSet(t *testing.T, hookURL string) func() *boards.Set {
	t.Helper()
	yaml := fmt.Sprintf(`boards:
  - id: floor
    title: Floor 1
    thresholds:
      sla_warn: 85
      sla_critical: 80
    alerts:
      hold: 30s
      webhooks:
        - url: %[1]s/slack
          secret: %[2]s
        - url: %[1]s/teams
          format: teams
          secret: %[2]s
`, hookURL, secret)
	p := filepath.Join(t.TempDir(), "w.yaml")
	if err := os.WriteFile(p, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := config.LoadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	set := boards.New(f)
	return func() *boards.Set { return set }
}

func state(sla float64) model.SourceState {
	return model.SourceState{
		Health: model.Health{Source: "ujet", Kind: "ujet", OK: true, UpdatedAt: t0},
		Queues: []model.Queue{
			{Source: "ujet", ID: "1:en:call", Name: "Billing", Channel: "call", SLAPercent: &sla},
			{Source: "ujet", ID: "2:en:call", Name: "Sales", Channel: "call", SLAPercent: new(95.0)},
		},
	}
}

type counts struct {
	mu sync.Mutex
	m  map[string]int
}

func (c *counts) add(k string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string]int{}
	}
	c.m[k]++
}
func (c *counts) get(k string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m[k]
}
func (c *counts) AlertSent(board, event string)        { c.add("sent " + event) }
func (c *counts) AlertFailed(board, event string)      { c.add("failed " + event) }
func (c *counts) AlertSuppressed(board, reason string) { c.add("suppressed " + reason) }

func put(t *testing.T, s cache.Store, st model.SourceState) {
	t.Helper()
	if _, err := s.Put(context.Background(), st); err != nil {
		t.Fatal(err)
	}
}

func check(t *testing.T, a *Alerter, at time.Time) {
	t.Helper()
	if _, err := a.Check(context.Background(), at); err != nil {
		t.Fatal(err)
	}
	a.Wait()
}

func TestOneStartAndOneEndPerBreach(t *testing.T) {
	rcv := newReceiver(t)
	store := cache.NewMemory()
	obs := &counts{}
	a := New(Options{Store: store, Boards: boardSet(t, rcv.srv.URL), Observer: obs, Logger: logger(t)})

	put(t, store, state(90))
	check(t, a, t0)
	// A dip shorter than the hold is no breach.
	put(t, store, state(70))
	check(t, a, t0.Add(time.Second))
	check(t, a, t0.Add(20*time.Second))
	put(t, store, state(90))
	check(t, a, t0.Add(25*time.Second))
	if got := rcv.received(); len(got) != 0 || obs.get("suppressed debounce") != 1 {
		t.Fatalf("a 24 s dip: sent %v, suppressed %d", got, obs.get("suppressed debounce"))
	}
	// A breach that holds 30 s is told once, however often it is checked.
	put(t, store, state(70))
	start := t0.Add(time.Minute)
	for i := 0; i <= 120; i += 10 {
		check(t, a, start.Add(time.Duration(i)*time.Second))
	}
	got := rcv.received()
	if len(got) != 2 || got[0].event != EventStart || got[1].event != EventStart {
		t.Fatalf("after a held breach: %+v", got)
	}
	// Its end too, after holding 30 s (a short recovery is not an end).
	put(t, store, state(90))
	check(t, a, start.Add(130*time.Second))
	put(t, store, state(70))
	check(t, a, start.Add(140*time.Second))
	put(t, store, state(90))
	end := start.Add(150 * time.Second)
	for i := 0; i <= 60; i += 10 {
		check(t, a, end.Add(time.Duration(i)*time.Second))
	}
	got = rcv.received()
	if len(got) != 4 || got[2].event != EventEnd || got[3].event != EventEnd {
		t.Fatalf("after the end: %+v", got)
	}
	byFormat := map[string]received{}
	for _, r := range got {
		byFormat[r.format+" "+r.event] = r
		if r.breach == "" || r.breach != got[0].breach {
			t.Errorf("breach id %q, want the same on start and end (%q)", r.breach, got[0].breach)
		}
	}
	if text, _ := byFormat["/slack start"].body["text"].(string); !strings.Contains(text, "Floor 1: Billing breached: SLA 70% below 80%") {
		t.Errorf("Slack start text %q", text)
	}
	if text, _ := byFormat["/slack end"].body["text"].(string); !strings.Contains(text, "Billing is back within its thresholds after 3m0s") {
		t.Errorf("Slack end text %q", text)
	}
	if tc := byFormat["/teams start"].body; tc["@type"] != "MessageCard" || !strings.Contains(fmt.Sprint(tc["title"]), "Billing breached") {
		t.Errorf("Teams card %v", tc)
	}
	if obs.get("sent start") != 2 || obs.get("sent end") != 2 {
		t.Errorf("metrics %v", obs.m)
	}
}

func TestRetriesThenFails(t *testing.T) {
	rcv := newReceiver(t)
	rcv.fail = 2
	store := cache.NewMemory()
	obs := &counts{}
	a := New(Options{Store: store, Boards: boardSet(t, rcv.srv.URL), Observer: obs, Logger: logger(t),
		Retry: Retry{Attempts: 3, Min: time.Millisecond, Max: 5 * time.Millisecond}})
	put(t, store, state(70))
	check(t, a, t0)
	check(t, a, t0.Add(30*time.Second))
	// Two 503s, then both webhooks get through on a later try.
	if got := rcv.received(); len(got) != 2 || obs.get("sent start") != 2 || obs.get("failed start") != 0 {
		t.Fatalf("after two 503s: %d received, metrics %v", len(got), obs.m)
	}
	// A receiver that is gone: each webhook fails after its tries.
	rcv.srv.Close()
	put(t, store, state(90))
	check(t, a, t0.Add(time.Minute))
	check(t, a, t0.Add(2*time.Minute))
	if obs.get("failed end") != 2 {
		t.Errorf("metrics %v, want 2 failed ends", obs.m)
	}
}

// Two replicas share a Redis: both check at the same moments, as two
// leaders briefly would, and the receiver still sees one start and one end
// per breach.
func TestTwoReplicasTellEachBreachOnce(t *testing.T) {
	url := storetest.RedisURL(t)
	prefix := storetest.Prefix(t, url)
	rcv := newReceiver(t)
	set := boardSet(t, rcv.srv.URL)
	var alerters []*Alerter
	var stores []cache.Store
	obs := &counts{}
	for i := range 2 {
		s, err := cache.NewRedis(context.Background(), cache.RedisOptions{URL: url, Prefix: prefix, Logger: logger(t)})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		stores = append(stores, s)
		alerters = append(alerters, New(Options{
			Store: s, Boards: set, Observer: obs, Logger: logger(t).With("replica", i),
			Ledger: NewRedis(storetest.Client(t, url), prefix),
		}))
	}
	both := func(at time.Time) {
		var wg sync.WaitGroup
		for _, a := range alerters {
			wg.Go(func() {
				if _, err := a.Check(context.Background(), at); err != nil {
					t.Error(err)
				}
				a.Wait()
			})
		}
		wg.Wait()
	}
	at := t0
	for breach := range 3 {
		put(t, stores[breach%2], state(70))
		for range 5 {
			both(at)
			at = at.Add(10 * time.Second)
		}
		put(t, stores[1-breach%2], state(90))
		for range 5 {
			both(at)
			at = at.Add(10 * time.Second)
		}
	}
	got := rcv.received()
	per := map[string][]string{}
	for _, r := range got {
		per[r.format] = append(per[r.format], r.event)
	}
	for _, f := range []string{"/slack", "/teams"} {
		if want := "start end start end start end"; strings.Join(per[f], " ") != want {
			t.Errorf("%s received %v, want %s", f, per[f], want)
		}
	}
	if obs.get("suppressed duplicate") != 6 {
		t.Errorf("suppressed duplicates %d, want 6 (each start and end, by the other replica)", obs.get("suppressed duplicate"))
	}
	// A third replica that starts while a breach is open tells its end.
	put(t, stores[0], state(70))
	both(at)
	both(at.Add(30 * time.Second))
	late := New(Options{Store: stores[1], Boards: set, Logger: logger(t), Ledger: NewRedis(storetest.Client(t, url), prefix)})
	put(t, stores[0], state(90))
	check(t, late, at.Add(time.Minute))
	check(t, late, at.Add(2*time.Minute))
	got = rcv.received()
	if last := got[len(got)-1]; last.event != EventEnd || len(got) != 16 {
		t.Errorf("the late replica: %d received, last %+v", len(got), last)
	}
}

func TestBodiesAndSignature(t *testing.T) {
	a := Alert{Event: EventStart, Record: Record{ID: "b1", Board: "floor", Queue: "Billing <VIP>", Since: t0, Reason: "SLA 70% below 80%"}, At: t0.Add(30 * time.Second)}
	for _, f := range []string{config.WebhookSlack, config.WebhookTeams} {
		body, err := Body(f, a)
		if err != nil || !json.Valid(body) {
			t.Fatalf("%s: %s %v", f, body, err)
		}
	}
	body := []byte(`{"text":"x"}`)
	sig := Sign([]byte(secret), t0, body)
	if !Verify([]byte(secret), fmt.Sprint(t0.Unix()), body, sig) {
		t.Error("own signature does not verify")
	}
	if Verify([]byte(secret), fmt.Sprint(t0.Unix()+1), body, sig) || Verify([]byte("other"), fmt.Sprint(t0.Unix()), body, sig) {
		t.Error("a signature verifies with another timestamp or secret")
	}
}
