package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/wallboard/wallboard/config"
	"github.com/wallboard/wallboard/simulator"
	"github.com/wallboard/wallboard/simulator/connect"
	"github.com/wallboard/wallboard/simulator/ujet"
)

// simulation is a running simulator: two contact centers, one behind the
// UJET Manager API and one behind the Clarity Connect Web API, on one address.
type simulation struct {
	ujetCenter    *simulator.Center
	connectCenter *simulator.Center
	ujet          *ujet.Handler
	connect       *connect.Server
	addr          net.Addr
}

// simOptions configure startSimulation.
type simOptions struct {
	addr      string
	seed      int64
	speed     float64
	agents    int
	subdomain string
	token     string
	rateLimit time.Duration
	maxPer    int // UJET page size cap, 0 the simulator's default
	// signalr is the Connect hub's protocol, "classic" (default, as
	// Connect 4.x ships) or "core"; noWebSockets makes a classic hub refuse
	// websockets (serverSentEvents and longPolling remain).
	signalr      string
	noWebSockets bool
}

// startSimulation serves the simulated vendor APIs on opts.addr until ctx
// ends; g owns its goroutines.
func startSimulation(ctx context.Context, g *errgroup.Group, opts simOptions, log *slog.Logger) (*simulation, error) {
	if opts.agents <= 0 {
		opts.agents = simulator.DefaultAgents
	}
	uc := simulator.New(simulator.Options{Seed: opts.seed, Speed: opts.speed, Agents: opts.agents})
	id, hours := simulator.DemoHours()
	uc.SetHours(id, &hours)
	h := ujet.NewHandler(uc, ujet.Options{Subdomain: opts.subdomain, Token: opts.token, RateLimit: opts.rateLimit, MaxPer: opts.maxPer})
	// The Connect center has other people: another seed, a slightly smaller
	// team for the same traffic, so that its queues build up now and then.
	cc := simulator.New(simulator.Options{Seed: opts.seed + 1000, Speed: opts.speed, Agents: max(opts.agents*9/10, 10)})
	if opts.signalr == "" {
		opts.signalr = "classic"
	}
	cs := connect.NewServer(cc, connect.Options{Logger: log.With("api", "connect"), SignalR: opts.signalr,
		Classic: connect.ClassicOptions{NoWebSockets: opts.noWebSockets}})
	mux := http.NewServeMux()
	mux.Handle(ujet.Prefix, h)
	mux.Handle("/webapi/", cs)
	mux.Handle("/webauth/", cs)

	ln, err := net.Listen("tcp", opts.addr)
	if err != nil {
		return nil, fmt.Errorf("simulator: listen on %s: %w", opts.addr, err)
	}
	g.Go(func() error { return uc.Run(ctx) })
	g.Go(func() error { return cc.Run(ctx) })
	g.Go(func() error { return cs.Run(ctx) })
	serveHTTP(ctx, g, ln, mux, log, "simulator")
	return &simulation{ujetCenter: uc, connectCenter: cc, ujet: h, connect: cs, addr: ln.Addr()}, nil
}

// demoSources is what the demo's wallboard polls: the simulator on loopback.
type demoSources struct {
	ujet    config.UJET
	connect config.Connect
}

// startDemo starts the simulator on a free loopback port for the demo.
func startDemo(ctx context.Context, g *errgroup.Group, cfg config.Config, log *slog.Logger) (demoSources, error) {
	sim, err := startSimulation(ctx, g, simOptions{
		addr:      "127.0.0.1:0",
		seed:      cfg.SimSeed,
		speed:     cfg.SimSpeed,
		subdomain: ujet.DefaultSubdomain,
		token:     ujet.DefaultToken,
	}, log.With("component", "simulator"))
	if err != nil {
		return demoSources{}, err
	}
	base := "http://" + sim.addr.String()
	log.Info("demo: simulated vendor APIs on loopback", "ujet", base+"/manager/api/v1", "connect", base+"/webapi/api")
	return demoSources{
		ujet: config.UJET{
			BaseURL:        base + "/manager/api/v1",
			Subdomain:      ujet.DefaultSubdomain,
			Token:          ujet.DefaultToken,
			SLAMinutes:     cfg.UJET.SLAMinutes,
			DayCountsEvery: cfg.UJET.DayCountsEvery,
			MaxRPS:         cfg.UJET.MaxRPS,
		},
		connect: config.Connect{
			URL:      base,
			ClientID: connect.DefaultClientID,
			User:     connect.DefaultUser,
			Password: connect.DefaultPassword,
			SignalR:  "auto",
			HubName:  connect.DefaultClassicHub,
		},
	}, nil
}

// runSimulate is `wallboard simulate`: only the simulated vendor APIs.
func runSimulate(ctx context.Context, args []string, _ func(string) string, stdout, stderr io.Writer, ready func(string)) error {
	fs := flag.NewFlagSet("wallboard simulate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:8081", "address to serve the simulated APIs on")
	seed := fs.Int64("seed", 1, "seed: the same seed gives the same traffic")
	speed := fs.Float64("speed", 1, "time scale (2 = twice the traffic)")
	agents := fs.Int("agents", simulator.DefaultAgents, "number of agents")
	subdomain := fs.String("subdomain", ujet.DefaultSubdomain, "UJET subdomain (Basic-auth user name) it accepts")
	token := fs.String("token", ujet.DefaultToken, "UJET API token it accepts")
	rate := fs.Duration("rate-limit", time.Second, "minimum spacing between UJET requests; faster ones get 429")
	maxPer := fs.Int("max-per", ujet.MaxPer, "most records a UJET list page holds whatever per asks (25 imitates servers that cap pages)")
	signalr := fs.String("signalr", "classic", "Connect hub protocol: classic (ASP.NET SignalR 2 at /webapi/signalr, hub GoldDataHub, as Connect 4.x ships) or core (ASP.NET Core SignalR at /webapi/hubs/gold)")
	surge := fs.String("surge", "", "UJET queue to flood so that it drifts into an SLA breach, as menu-path-id:lang:channel=factor (e.g. 11:en:call=4: four times its usual calls); the wallboard's forecast sees it coming")
	noWS := fs.Bool("no-websockets", false, "classic hub: refuse websockets, like an IIS host without the WebSocket feature (serverSentEvents and longPolling remain)")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), "Usage: wallboard simulate [flags]\n\nServes simulated contact centers behind the UJET Manager API (/manager/api/v1)\nand the Clarity Connect Web API v2 (/webapi/api, with a classic SignalR hub at /webapi/signalr\nor a Core one at /webapi/hubs/gold, see --signalr).\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *signalr != "classic" && *signalr != "core" {
		return fmt.Errorf("simulate: --signalr %q: want classic or core", *signalr)
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	g, ctx := errgroup.WithContext(ctx)
	sim, err := startSimulation(ctx, g, simOptions{addr: *addr, seed: *seed, speed: *speed, agents: *agents,
		subdomain: *subdomain, token: *token, rateLimit: *rate, maxPer: *maxPer, signalr: *signalr, noWebSockets: *noWS}, log)
	if err != nil {
		return err
	}
	if *surge != "" {
		if err := applySurge(sim.ujetCenter, *surge); err != nil {
			return err
		}
	}
	base := "http://" + sim.addr.String()
	fmt.Fprintf(stdout, `Simulated UJET Manager API at %[1]s/manager/api/v1 and Clarity Connect at %[1]s/webapi/api.
Point a wallboard at them with:
  WALLBOARD_UJET_BASE_URL=%[1]s/manager/api/v1 WALLBOARD_UJET_SUBDOMAIN=%[2]s WALLBOARD_UJET_TOKEN=%[3]s \
  WALLBOARD_CONNECT_URL=%[1]s WALLBOARD_CONNECT_USER='%[4]s' WALLBOARD_CONNECT_PASSWORD=%[5]s WALLBOARD_CONNECT_CLIENT_ID=%[6]s \
  go run .
`, base, *subdomain, *token, connect.DefaultUser, connect.DefaultPassword, connect.DefaultClientID)
	if ready != nil {
		ready(sim.addr.String())
	}
	return g.Wait()
}

// applySurge parses "menu-path-id:lang:channel=factor" and surges that
// queue of c.
func applySurge(c *simulator.Center, spec string) error {
	q, f, ok := strings.Cut(spec, "=")
	parts := strings.Split(q, ":")
	if !ok || len(parts) != 3 {
		return fmt.Errorf("simulate: --surge %q: want menu-path-id:lang:channel=factor, e.g. 11:en:call=4", spec)
	}
	id, err := strconv.Atoi(parts[0])
	if err != nil {
		return fmt.Errorf("simulate: --surge %q: menu path id %q is not a number", spec, parts[0])
	}
	factor, err := strconv.ParseFloat(f, 64)
	if err != nil {
		return fmt.Errorf("simulate: --surge %q: factor %q is not a number", spec, f)
	}
	if err := c.Surge(id, parts[1], parts[2], factor); err != nil {
		return fmt.Errorf("simulate: --surge: %w", err)
	}
	return nil
}
