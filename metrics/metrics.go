// Package metrics is Wallboard's Prometheus instrumentation: a registry with
// the Go runtime and process collectors, collectors that read what the rest
// of the program already knows (each source's health and data age from the
// store, which roles this replica leads), and the counters of UJET requests.
// Parts that count things of their own (the server's websocket hub) register
// them with the registry they are given.
//
// Every metric is named wallboard_*. No label ever carries a secret: sources
// are named by their configured name, UJET endpoints by their path.
package metrics

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/wallboard/wallboard/model"
)

// NewRegistry returns a registry with the Go runtime and process collectors.
func NewRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return reg
}

// Handler serves reg in the Prometheus exposition format. Collection errors
// are logged and the metrics that could be gathered are still served.
func Handler(reg *prometheus.Registry, log *slog.Logger) http.Handler {
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{
		Registry:      reg,
		ErrorLog:      slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		ErrorHandling: promhttp.ContinueOnError,
	})
}

// Store is what the source collector needs of a store; cache.Store has it.
type Store interface {
	Snapshot(ctx context.Context) ([]model.SourceState, error)
}

// snapshotTimeout bounds the store read of one scrape.
const snapshotTimeout = 2 * time.Second

// sources reads the store on every scrape.
type sources struct {
	store Store
	now   func() time.Time

	storeUp *prometheus.Desc
	up      *prometheus.Desc
	age     *prometheus.Desc
	agents  *prometheus.Desc
	queues  *prometheus.Desc
}

// RegisterSources registers, read from store at each scrape:
//
//	wallboard_store_up                          1 when the store answered
//	wallboard_source_up{source,kind}            1 when the source's data is current
//	wallboard_source_data_age_seconds{...}      time since the source's data was last good
//	wallboard_source_agents{...}, _queues{...}  what the source reports
//
// A source that never had good data has no age. now defaults to time.Now.
func RegisterSources(reg prometheus.Registerer, store Store, now func() time.Time) error {
	if now == nil {
		now = time.Now
	}
	labels := []string{"source", "kind"}
	return reg.Register(&sources{
		store:   store,
		now:     now,
		storeUp: prometheus.NewDesc("wallboard_store_up", "1 when the store (Redis or in-process) answered the last scrape's read.", nil, nil),
		up:      prometheus.NewDesc("wallboard_source_up", "1 when the source's data is current, 0 when the board shows it stale.", labels, nil),
		age:     prometheus.NewDesc("wallboard_source_data_age_seconds", "Seconds since the source's data was last good.", labels, nil),
		agents:  prometheus.NewDesc("wallboard_source_agents", "Agents the source reports.", labels, nil),
		queues:  prometheus.NewDesc("wallboard_source_queues", "Queues the source reports.", labels, nil),
	})
}

func (s *sources) Describe(ch chan<- *prometheus.Desc) {
	ch <- s.storeUp
	ch <- s.up
	ch <- s.age
	ch <- s.agents
	ch <- s.queues
}

func (s *sources) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), snapshotTimeout)
	defer cancel()
	states, err := s.store.Snapshot(ctx)
	if err != nil {
		ch <- prometheus.MustNewConstMetric(s.storeUp, prometheus.GaugeValue, 0)
		return
	}
	ch <- prometheus.MustNewConstMetric(s.storeUp, prometheus.GaugeValue, 1)
	now := s.now()
	for _, st := range states {
		lv := []string{st.Source, st.Kind}
		ch <- prometheus.MustNewConstMetric(s.up, prometheus.GaugeValue, bool01(st.OK), lv...)
		if !st.UpdatedAt.IsZero() {
			ch <- prometheus.MustNewConstMetric(s.age, prometheus.GaugeValue, max(0, now.Sub(st.UpdatedAt).Seconds()), lv...)
		}
		ch <- prometheus.MustNewConstMetric(s.agents, prometheus.GaugeValue, float64(len(st.Agents)), lv...)
		ch <- prometheus.MustNewConstMetric(s.queues, prometheus.GaugeValue, float64(len(st.Queues)), lv...)
	}
}

// registerAll registers every collector, stopping at the first error.
func registerAll(reg prometheus.Registerer, cs ...prometheus.Collector) error {
	for _, c := range cs {
		if err := reg.Register(c); err != nil {
			return err
		}
	}
	return nil
}

func bool01(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// Role is a piece of work a replica may lead; leader.Role has it.
type Role interface {
	Name() string
	Leading() bool
}

// RegisterRoles registers wallboard_leader{role}: 1 while this replica runs
// the role's work (the UJET poller, the Connect subscriber, the history
// sampler).
func RegisterRoles(reg prometheus.Registerer, roles ...Role) error {
	for _, r := range roles {
		g := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name:        "wallboard_leader",
			Help:        "1 while this replica runs the role's work.",
			ConstLabels: prometheus.Labels{"role": r.Name()},
		}, func() float64 { return bool01(r.Leading()) })
		if err := reg.Register(g); err != nil {
			return err
		}
	}
	return nil
}

// Connect counts the Clarity Connect subscriber's gold-data messages and
// connection events; it is the subscriber's signalr.Observer.
type Connect struct {
	messages    *prometheus.CounterVec
	connections *prometheus.CounterVec
}

// NewConnect registers wallboard_connect_messages_total{kind,result}
// (result: merged, malformed, unknown_shape) and
// wallboard_connect_connection_events_total{event} (connected, failed,
// lost, renewed, renew_failed, transport_lost, transport_resumed).
func NewConnect(reg prometheus.Registerer) (*Connect, error) {
	c := &Connect{
		messages: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wallboard_connect_messages_total",
			Help: "Clarity Connect gold-data messages, by kind and whether they were merged or skipped (malformed, unknown_shape).",
		}, []string{"kind", "result"}),
		connections: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wallboard_connect_connection_events_total",
			Help: "Clarity Connect hub connection events: connected, failed, lost, renewed (new token), renew_failed, transport_lost and transport_resumed (a classic hub's transport dropped and resumed on the same connection).",
		}, []string{"event"}),
	}
	if err := registerAll(reg, c.messages, c.connections); err != nil {
		return nil, err
	}
	return c, nil
}

// ObserveMessage counts one gold-data message.
func (c *Connect) ObserveMessage(kind, result string) { c.messages.WithLabelValues(kind, result).Inc() }

// ObserveConnection counts one connection event.
func (c *Connect) ObserveConnection(event string) { c.connections.WithLabelValues(event).Inc() }

// UJET counts the requests made to UJET; it is the poller's
// poller.RequestObserver.
type UJET struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

// NewUJET registers wallboard_ujet_requests_total{endpoint,code} (code is
// the HTTP status, or "error" when no response came) and
// wallboard_ujet_request_duration_seconds{endpoint}.
func NewUJET(reg prometheus.Registerer) (*UJET, error) {
	u := &UJET{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wallboard_ujet_requests_total",
			Help: "Requests made to the UJET Manager API, by endpoint and HTTP status (\"error\": no response).",
		}, []string{"endpoint", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "wallboard_ujet_request_duration_seconds",
			Help:    "Time from sending a UJET request to reading its whole response.",
			Buckets: []float64{.05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"endpoint"}),
	}
	if err := registerAll(reg, u.requests, u.duration); err != nil {
		return nil, err
	}
	return u, nil
}

// ObserveRequest records one request: code 0 means no response.
func (u *UJET) ObserveRequest(endpoint string, code int, d time.Duration) {
	c := "error"
	if code > 0 {
		c = strconv.Itoa(code)
	}
	u.requests.WithLabelValues(endpoint, c).Inc()
	u.duration.WithLabelValues(endpoint).Observe(d.Seconds())
}

// Alerts counts the webhook alerts of breaches; it is the alerts.Observer.
type Alerts struct {
	sent, failed, suppressed *prometheus.CounterVec
}

// NewAlerts registers wallboard_alerts_sent_total{board,event},
// wallboard_alerts_failed_total{board,event} (event: start, end) and
// wallboard_alerts_suppressed_total{board,reason} (reason: debounce, a
// breach shorter than its hold; duplicate, told by another replica).
func NewAlerts(reg prometheus.Registerer) (*Alerts, error) {
	a := &Alerts{
		sent: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wallboard_alerts_sent_total",
			Help: "Webhook alerts delivered, per board and event (start, end of a breach); one per webhook.",
		}, []string{"board", "event"}),
		failed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wallboard_alerts_failed_total",
			Help: "Webhook alerts given up after their retries, per board and event.",
		}, []string{"board", "event"}),
		suppressed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wallboard_alerts_suppressed_total",
			Help: "Alerts not sent, per board and reason: debounce (shorter than the hold), duplicate (another replica told it).",
		}, []string{"board", "reason"}),
	}
	if err := registerAll(reg, a.sent, a.failed, a.suppressed); err != nil {
		return nil, err
	}
	return a, nil
}

// AlertSent counts one delivered alert.
func (a *Alerts) AlertSent(board, event string) { a.sent.WithLabelValues(board, event).Inc() }

// AlertFailed counts one alert given up.
func (a *Alerts) AlertFailed(board, event string) { a.failed.WithLabelValues(board, event).Inc() }

// AlertSuppressed counts one alert not sent.
func (a *Alerts) AlertSuppressed(board, reason string) {
	a.suppressed.WithLabelValues(board, reason).Inc()
}
