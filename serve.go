package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
	"golang.org/x/sync/errgroup"

	"github.com/wallboard/wallboard/alerts"
	"github.com/wallboard/wallboard/budget"
	"github.com/wallboard/wallboard/cache"
	"github.com/wallboard/wallboard/config"
	"github.com/wallboard/wallboard/history"
	"github.com/wallboard/wallboard/internal/httpserve"
	"github.com/wallboard/wallboard/leader"
	"github.com/wallboard/wallboard/metrics"
	"github.com/wallboard/wallboard/poller"
	"github.com/wallboard/wallboard/server"
)

// shutdownGrace is how long open requests get to finish on shutdown.
const shutdownGrace = 5 * time.Second

// runServer serves the wallboard until ctx ends.
func runServer(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer, ready func(string)) error {
	cfg, err := config.Parse(args, getenv, stderr)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: cfg.LogLevel}))
	ver := version()
	log.Info("starting wallboard", "version", ver, "config", cfg)

	st, err := loadSettings(cfg, log)
	if err != nil {
		return err
	}
	// Open (no access section): loopback only, by default and by check.
	addr := cfg.ListenAddr(st.guard.Open())
	if err := st.guard.CheckListenAddr(addr); err != nil {
		return err
	}
	g, ctx := errgroup.WithContext(ctx)
	if err := st.watchFile(ctx, cfg, log); err != nil {
		return err
	}

	reg := metrics.NewRegistry()
	ujetMetrics, err := metrics.NewUJET(reg)
	if err != nil {
		return fmt.Errorf("metrics: %w", err)
	}

	store, newRole, err := openStore(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer store.Close()
	if r, ok := store.(*cache.Redis); ok {
		// A logout on one replica ends the session on all.
		st.guard.SetSessionRevocations(r)
	}

	sources := cfg
	if cfg.Demo() {
		demo, err := startDemo(ctx, g, cfg, log)
		if err != nil {
			return err
		}
		sources.UJET = demo.ujet
		sources.Connect = demo.connect
		sources.Connect.Methods, sources.Connect.QueueGroups, sources.Connect.Alerts = cfg.Connect.Methods, cfg.Connect.QueueGroups, cfg.Connect.Alerts
	}

	var roles []leader.Role
	if sources.UJET.Configured() {
		client, err := poller.NewClient(poller.ClientConfig{
			BaseURL:   sources.UJET.BaseURL,
			Subdomain: sources.UJET.Subdomain,
			Domain:    sources.UJET.Domain,
			Token:     sources.UJET.Token,
			Observer:  ujetMetrics,
		})
		if err != nil {
			return fmt.Errorf("ujet: %w", err)
		}
		pcfg := poller.Config{
			SLAMinutes:     sources.UJET.SLAMinutes,
			StatusMap:      st.ujetStatuses,
			Interval:       sources.UJET.Interval(),
			DayCountsEvery: sources.UJET.DayCountsEvery,
			Zones:          func() []string { return st.Boards().TimeZones() },
		}
		if r, ok := store.(*cache.Redis); ok {
			// The fleet's share of the customer's 1 request/s holds
			// across replicas even while two briefly both lead.
			pcfg.Budget = budget.NewRedis(r.Client(), r.Prefix()+"budget:ujet:"+sources.UJET.Subdomain, sources.UJET.Interval())
		}
		p := poller.New(client, store, pcfg, log)
		role := newRole("ujet")
		roles = append(roles, role)
		g.Go(func() error { return role.Run(ctx, p.Run) })
	}
	if sources.Connect.Configured() {
		connectMetrics, err := metrics.NewConnect(reg)
		if err != nil {
			return fmt.Errorf("metrics: %w", err)
		}
		sub, err := newConnectSubscriber(sources.Connect, st.File().Connect, st.connectStatuses, connectMetrics, store, log)
		if err != nil {
			return fmt.Errorf("clarity connect: %w", err)
		}
		role := newRole("connect")
		roles = append(roles, role)
		g.Go(func() error { return role.Run(ctx, sub.Run) })
	}

	// History: sampled once a minute by one replica, kept where the store is.
	hist := openHistory(store)
	sampler := history.NewSampler(store, hist, history.SamplerOptions{Logger: log})
	hrole := newRole("history")
	roles = append(roles, hrole)
	g.Go(func() error { return hrole.Run(ctx, sampler.Run) })

	// Alerts: webhooks of breaches, told by the leader; the ledger in the
	// store keeps a handover from telling a breach twice.
	alertMetrics, err := metrics.NewAlerts(reg)
	if err != nil {
		return fmt.Errorf("metrics: %w", err)
	}
	alerter := alerts.New(alerts.Options{Store: store, Boards: st.Boards, Ledger: openLedger(store), Observer: alertMetrics, Logger: log})
	arole := newRole("alerts")
	roles = append(roles, arole)
	g.Go(func() error { return arole.Run(ctx, alerter.Run) })

	msgs, _ := store.(server.Messages) // floor messages live in the store
	srv := server.New(server.Options{
		Store:       store,
		Logger:      log,
		Version:     ver,
		Status:      func() map[string]any { return leader.Status(roles...) },
		Demo:        cfg.Demo(),
		History:     hist,
		Boards:      st.Boards,
		Guard:       st.guard,
		ConfigError: st.LastError,

		AcceptRate:      acceptRate(cfg.AcceptRate),
		MaxAcceptWait:   cfg.MaxAcceptWait,
		ReconnectWithin: cfg.ReconnectWithin,
		StaleAfter:      cfg.StaleAfter,
		Messages:        msgs,
	})
	g.Go(func() error { return srv.Run(ctx) })
	if err := registerMetrics(reg, srv, store, roles); err != nil {
		return fmt.Errorf("metrics: %w", err)
	}
	if cfg.MetricsAddr != "" {
		mln, err := net.Listen("tcp", cfg.MetricsAddr)
		if err != nil {
			return fmt.Errorf("listen for metrics on %s: %w", cfg.MetricsAddr, err)
		}
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", metrics.Handler(reg, log))
		serveHTTP(ctx, g, mln, mux, log, "metrics")
		log.Info("serving Prometheus metrics", "url", "http://"+displayAddr(mln.Addr())+"/metrics")
	}

	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	serveHTTP(ctx, g, ln, srv.Handler(), log, "serve")

	url := "http://" + displayAddr(ln.Addr())
	if cfg.Demo() {
		fmt.Fprintf(stdout, "Wallboard demo (simulated data) at %s/boards/all\n", url)
	} else {
		fmt.Fprintf(stdout, "Wallboard at %s/boards/all\n", url)
	}
	if ready != nil {
		ready(ln.Addr().String())
	}
	err = g.Wait()
	log.Info("wallboard stopped")
	return err
}

// acceptRate is the server's AcceptRate for the --accept-rate setting,
// where 0 means no limit.
func acceptRate(perSecond float64) float64 {
	if perSecond == 0 {
		return -1
	}
	return perSecond
}

// registerMetrics registers what the server, the store and the leader roles
// report.
func registerMetrics(reg *prometheus.Registry, srv *server.Server, store cache.Store, roles []leader.Role) error {
	if err := srv.RegisterMetrics(reg); err != nil {
		return err
	}
	if err := metrics.RegisterSources(reg, store, nil); err != nil {
		return err
	}
	mr := make([]metrics.Role, len(roles))
	for i, r := range roles {
		mr[i] = r
	}
	return metrics.RegisterRoles(reg, mr...)
}

// serveHTTP serves h on ln until ctx ends (with httpserve's limits), then
// gives open requests shutdownGrace to finish; g owns the goroutine.
func serveHTTP(ctx context.Context, g *errgroup.Group, ln net.Listener, h http.Handler, log *slog.Logger, what string) {
	g.Go(func() error {
		if err := httpserve.Serve(ctx, ln, h, httpserve.Options{ShutdownGrace: shutdownGrace, Logger: log}); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		return nil
	})
}

// openStore opens the configured store and returns how to make leader roles
// for it: with Redis, roles are elected among the replicas; in process, this
// server always leads.
func openStore(ctx context.Context, cfg config.Config, log *slog.Logger) (cache.Store, func(name string) leader.Role, error) {
	if cfg.Redis.URL == "" {
		return cache.NewMemory(), func(name string) leader.Role {
			return leader.NewLocal(name, 0, log)
		}, nil
	}
	// go-redis logs through a global logger; its lines join ours.
	redis.SetLogger(cache.GoRedisLogger{Logger: log})
	r, err := cache.NewRedisRetry(ctx, cache.RedisOptions{URL: cfg.Redis.URL, Prefix: cfg.Redis.Prefix, Logger: log}, 30*time.Second)
	if err != nil {
		return nil, nil, err
	}
	return r, func(name string) leader.Role {
		return leader.New(r.Client(), r.Prefix()+"leader:"+name, leader.Options{Name: name, Logger: log})
	}, nil
}

// openLedger returns the alerts' ledger of open breaches, kept where the
// store is.
func openLedger(store cache.Store) alerts.Ledger {
	if r, ok := store.(*cache.Redis); ok {
		return alerts.NewRedis(r.Client(), r.Prefix())
	}
	return alerts.NewMemory()
}

// openHistory keeps the board history beside the store: in Redis when the
// store is there, so that every replica serves the same history.
func openHistory(store cache.Store) history.Store {
	if r, ok := store.(*cache.Redis); ok {
		return history.NewRedis(r.Client(), r.Prefix(), history.Options{})
	}
	return history.NewMemory(history.Options{})
}

// version identifies this build: open walls reload when it changes. It is
// the VCS revision when the build recorded one, else a hash of the binary,
// so that any new build still reloads the walls.
func version() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				return s.Value[:12]
			}
		}
		if v := bi.Main.Version; v != "" && v != "(devel)" {
			return v
		}
	}
	exe, err := os.Executable()
	if err != nil {
		return "dev"
	}
	f, err := os.Open(exe)
	if err != nil {
		return "dev"
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "dev"
	}
	return "dev-" + hex.EncodeToString(h.Sum(nil))[:12]
}

// displayAddr turns a listening address into one a browser can open.
func displayAddr(a net.Addr) string {
	s := a.String()
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		return s
	}
	if host == "" || host == "::" || host == "0.0.0.0" || strings.HasPrefix(host, "[::") {
		host = "localhost"
	}
	return net.JoinHostPort(host, port)
}
