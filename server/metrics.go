package server

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// serverMetrics are the server's own counts; RegisterMetrics exposes them.
type serverMetrics struct {
	sent    *prometheus.CounterVec   // messages written to websocket clients, by view
	skipped *prometheus.CounterVec   // updates a slow client never got: a newer one replaced them
	dropped *prometheus.CounterVec   // clients dropped: write timed out or failed, no pong
	render  *prometheus.HistogramVec // one render of a (board, view) for its clients
}

func newServerMetrics() *serverMetrics {
	view := []string{"view"}
	return &serverMetrics{
		sent: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wallboard_websocket_messages_sent_total",
			Help: "Updates written to websocket clients.",
		}, view),
		skipped: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wallboard_websocket_messages_skipped_total",
			Help: "Updates a slow websocket client skipped because a newer one replaced them before it was written.",
		}, view),
		dropped: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wallboard_websocket_clients_dropped_total",
			Help: "Websocket clients dropped by the server: a write timed out or failed, or no pong came.",
		}, view),
		render: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "wallboard_render_duration_seconds",
			Help:    "Time to render one view of one board after a change (once for all its clients).",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25},
		}, view),
	}
}

// RegisterMetrics registers the server's metrics with reg:
// wallboard_websocket_clients{view}, wallboard_websocket_messages_sent_total,
// wallboard_websocket_messages_skipped_total,
// wallboard_websocket_clients_dropped_total and
// wallboard_render_duration_seconds, all by view (wall, supervisor, embed).
func (s *Server) RegisterMetrics(reg prometheus.Registerer) error {
	clients := prometheus.NewDesc("wallboard_websocket_clients", "Open websocket connections (screens receiving live updates).", []string{"view"}, nil)
	for _, c := range []prometheus.Collector{s.metrics.sent, s.metrics.skipped, s.metrics.dropped, s.metrics.render, clientCount{s.hub, clients, s.viewNames}} {
		if err := reg.Register(c); err != nil {
			return err
		}
	}
	return nil
}

// viewNames lists the registered views, so that every one reports a client
// count, zero included.
func (s *Server) viewNames() []string {
	names := make([]string, 0, len(s.views))
	for n := range s.views {
		names = append(names, n)
	}
	return names
}

// clientCount reports the hub's clients by view at each scrape.
type clientCount struct {
	hub   *hub
	desc  *prometheus.Desc
	views func() []string
}

func (c clientCount) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c clientCount) Collect(ch chan<- prometheus.Metric) {
	counts := c.hub.clientsByView()
	for _, v := range c.views() {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(counts[v]), v)
	}
}

// observeRender records one render of view.
func (m *serverMetrics) observeRender(view string, start time.Time) {
	m.render.WithLabelValues(view).Observe(time.Since(start).Seconds())
}
