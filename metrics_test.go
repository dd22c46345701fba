package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// scrape reads a Prometheus text exposition into series → value; a series is
// written as exposed, e.g. wallboard_leader{role="ujet"}.
func scrape(t *testing.T, url string) map[string]float64 {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("scrape: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("scrape: %s: %s", resp.Status, b)
	}
	out := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			t.Fatalf("scrape: bad line %q", line)
		}
		out[line[:i]] = v
	}
	return out
}

var metricsURL = regexp.MustCompile(`serving Prometheus metrics" url=(http://\S+/metrics)`)

// TestMetricsTellTheOperatorWhatRuns runs the demo with --metrics-addr and
// checks what an operator's Prometheus sees: both sources up and fresh,
// UJET requests counted by endpoint and status, which roles this replica
// leads, and screens connected and fed; and that the metrics are not served
// on the public listener.
func TestMetricsTellTheOperatorWhatRuns(t *testing.T) {
	t.Parallel()
	base, logs := startWallboard(t, []string{"--metrics-addr", "127.0.0.1:0"}, nil)
	m := metricsURL.FindStringSubmatch(logs.String())
	if m == nil {
		t.Fatalf("no metrics URL in the log:\n%s", logs)
	}
	url := m[1]

	waitMetrics := func(what string, ok func(map[string]float64) bool) map[string]float64 {
		t.Helper()
		deadline := time.Now().Add(15 * time.Second)
		for {
			s := scrape(t, url)
			if ok(s) {
				return s
			}
			if time.Now().After(deadline) {
				t.Fatalf("metrics never showed %s", what)
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	agentsOK := `wallboard_ujet_requests_total{code="200",endpoint="agents/current_status"}`
	s := waitMetrics("both sources up with data", func(s map[string]float64) bool {
		return s[`wallboard_source_up{kind="ujet",source="ujet"}`] == 1 &&
			s[`wallboard_source_up{kind="connect",source="connect"}`] == 1 &&
			s[`wallboard_source_agents{kind="ujet",source="ujet"}`] > 0 &&
			s[agentsOK] > 0
	})
	for _, series := range []string{
		`wallboard_store_up`,
		`wallboard_leader{role="ujet"}`,
		`wallboard_leader{role="connect"}`,
		`wallboard_leader{role="history"}`,
	} {
		if s[series] != 1 {
			t.Errorf("%s = %v, want 1", series, s[series])
		}
	}
	if age, ok := s[`wallboard_source_data_age_seconds{kind="ujet",source="ujet"}`]; !ok || age > 5 {
		t.Errorf("UJET data age %v (present %v), want a few seconds at most", age, ok)
	}
	if s[`wallboard_connect_connection_events_total{event="connected"}`] < 1 || s[`wallboard_connect_messages_total{kind="agent",result="merged"}`] < 1 {
		t.Errorf("Connect not counted: connected %v, agent messages merged %v",
			s[`wallboard_connect_connection_events_total{event="connected"}`], s[`wallboard_connect_messages_total{kind="agent",result="merged"}`])
	}
	if _, ok := s["go_goroutines"]; !ok {
		t.Error("no Go runtime metrics")
	}
	// The poller keeps going: the counter grows.
	first := s[agentsOK]
	waitMetrics("agents/current_status requests counted as they happen", func(s map[string]float64) bool { return s[agentsOK] > first })

	// A screen connects: it is counted and fed; it leaves: it is not.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	conn, _, err := websocket.Dial(ctx, strings.Replace(base, "http", "ws", 1)+"/boards/all/ws", nil)
	if err != nil {
		t.Fatal(err)
	}
	conn.SetReadLimit(4 << 20)
	if _, _, err := conn.Read(ctx); err != nil {
		t.Fatal(err)
	}
	waitMetrics("one wall connected and sent to", func(s map[string]float64) bool {
		return s[`wallboard_websocket_clients{view="wall"}`] == 1 && s[`wallboard_websocket_messages_sent_total{view="wall"}`] >= 1
	})
	conn.Close(websocket.StatusNormalClosure, "")
	waitMetrics("the wall gone", func(s map[string]float64) bool { return s[`wallboard_websocket_clients{view="wall"}`] == 0 })

	// Not on the public listener.
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode == http.StatusOK {
		t.Error("/metrics is served on the public listener")
	}
}
