package signalr

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/wallboard/wallboard/model"
)

// Sink receives the normalized state; cache.Store satisfies it.
type Sink interface {
	Put(ctx context.Context, st model.SourceState) (model.SourceState, error)
}

// Defaults of the hub contract.
const (
	DefaultHubPath = "/webapi/hubs/gold"
	DefaultSource  = "connect"
	apiRootPath    = "/webapi/api"
)

// Methods are the hub's client method names, one per kind of gold data.
type Methods struct {
	Agent, Queue, AgentAggregate, AgentGroup, QueueAggregate, QueueGroup, Alert string
}

// DefaultMethods are the method names of the default hub contract.
func DefaultMethods() Methods {
	return Methods{
		Agent: "agentUpdate", Queue: "queueUpdate",
		AgentAggregate: "agentAggregateUpdate", AgentGroup: "agentGroupUpdate",
		QueueAggregate: "queueAggregateUpdate", QueueGroup: "queueGroupUpdate",
		Alert: "alert",
	}
}

// withDefaults fills empty names from DefaultMethods.
func (m Methods) withDefaults() Methods {
	d := DefaultMethods()
	for _, f := range []struct{ v, def *string }{
		{&m.Agent, &d.Agent}, {&m.Queue, &d.Queue}, {&m.AgentAggregate, &d.AgentAggregate},
		{&m.AgentGroup, &d.AgentGroup}, {&m.QueueAggregate, &d.QueueAggregate},
		{&m.QueueGroup, &d.QueueGroup}, {&m.Alert, &d.Alert},
	} {
		if *f.v == "" {
			*f.v = *f.def
		}
	}
	return m
}

func (m Methods) names() []string {
	return []string{m.Agent, m.Queue, m.AgentAggregate, m.AgentGroup, m.QueueAggregate, m.QueueGroup, m.Alert}
}

// byName maps lower-cased method names to kinds.
func (m Methods) byName() map[string]Kind {
	kinds := []Kind{KindAgent, KindQueue, KindAgentAggregate, KindAgentGroup, KindQueueAggregate, KindQueueGroup, KindAlert}
	out := map[string]Kind{}
	for i, n := range m.names() {
		out[strings.ToLower(n)] = kinds[i]
	}
	return out
}

// Config configures a Subscriber.
type Config struct {
	// URL is the Connect web services address scheme://host[:port]; the API
	// root /webapi/api and the hub path hang off it. A URL already ending in
	// /webapi/api is accepted too.
	URL      string
	ClientID string
	User     string // may be DOMAIN\user
	Password string
	Token    string // a bearer token; used until it expires or is rejected
	// SignalR is the hub's protocol: ProtocolAuto (default: classic
	// negotiation first, then ASP.NET Core), ProtocolClassic or ProtocolCore.
	SignalR string
	// HubPath is the classic SignalR base path (default DefaultClassicPath)
	// or the Core hub path (default DefaultHubPath).
	HubPath string
	// HubName is the classic hub's name (default DefaultHubName).
	HubName string
	// QueryToken also sends the bearer token as access_token in the query
	// of classic hub requests, for servers that read it there.
	QueryToken bool
	Source     string // the source name in the store, default DefaultSource
	Methods    Methods

	HTTPClient *http.Client
	StatusMap  *model.StatusMap // default DefaultStatusMap()

	// What to subscribe to; all empty means every agent and queue of the
	// account's MBU structure.
	AgentIDs, QueueIDs, TeamIDs, GroupIDs, BusinessUnitIDs []string
	Modalities                                             []string // default: all

	// QueueGroups groups queues by GroupByGroup (the default),
	// GroupByTeam or GroupByBusinessUnit through
	// subscriptions/queues/groupBy; GroupByNone subscribes to no groups.
	QueueGroups string
	// Alerts subscribes to Connect's alerts (subscriptions/alerts); they are
	// counted and logged at debug level, not shown.
	Alerts bool

	// ResyncTimeout is how long a new connection waits for full copies of
	// every expected entity before it publishes anyway (default 3s).
	ResyncTimeout time.Duration
	// Heartbeat republishes unchanged state this often (default 15s, <0 off).
	Heartbeat time.Duration
	// RetryMin and RetryMax bound the reconnect backoff (default 500ms, 30s).
	RetryMin, RetryMax time.Duration

	// Observer, when set, is told of every gold-data message and connection
	// event (metrics.Connect).
	Observer Observer
}

// Observer is told what the subscriber does. Kinds are the gold-data kinds
// ("agent", "queue", …); result is "merged", "malformed" or "unknown_shape".
// Connection events are "connected" (a session subscribed and running),
// "failed" (a connection attempt failed), "lost" (the hub dropped the
// connection), "renewed" (a new token and connection replaced the old) and
// "renew_failed"; a classic hub's transport that dropped is
// "transport_lost", and "transport_resumed" once it is back on the same
// connection.
type Observer interface {
	ObserveMessage(kind, result string)
	ObserveConnection(event string)
}

// observe tells the observer of a connection event.
func (s *Subscriber) observe(event string) {
	if s.cfg.Observer != nil {
		s.cfg.Observer.ObserveConnection(event)
	}
}

// Subscriber keeps a source's state in a Sink from Connect's gold data.
type Subscriber struct {
	cfg      Config
	sink     Sink
	log      *slog.Logger
	root     *url.URL
	base     *url.URL // scheme://host[/prefix]: hub paths hang off it
	hc       *http.Client
	tokens   *tokenSource
	api      *api
	statuses *model.StatusMap
	methods  map[string]Kind

	warnMu sync.Mutex
	warned map[string]bool

	protoMu sync.Mutex
	proto   string // configured or detected; ProtocolAuto until detected

	pubMu sync.Mutex
	last  model.SourceState
}

// New checks cfg and returns a Subscriber that writes to sink.
func New(cfg Config, sink Sink, log *slog.Logger) (*Subscriber, error) {
	if sink == nil {
		return nil, errors.New("signalr: nil sink")
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	base, err := url.Parse(strings.TrimSpace(cfg.URL))
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, fmt.Errorf("signalr: connect URL %q: want scheme://host[:port]", redactedURL(cfg.URL))
	}
	base.User, base.RawQuery, base.Fragment = nil, "", ""
	p := strings.TrimSuffix(base.Path, "/")
	p = strings.TrimSuffix(p, apiRootPath)
	base.Path = p
	if cfg.Token == "" && cfg.User == "" {
		return nil, errors.New("signalr: configure a token or a user and password")
	}
	cfg.SignalR = strings.ToLower(strings.TrimSpace(cfg.SignalR))
	switch cfg.SignalR {
	case "":
		cfg.SignalR = ProtocolAuto
	case ProtocolAuto, ProtocolClassic, ProtocolCore:
	default:
		return nil, fmt.Errorf("signalr: protocol %q: want auto, classic or core", cfg.SignalR)
	}
	if cfg.HubPath = strings.TrimSuffix(strings.TrimSpace(cfg.HubPath), "/"); cfg.HubPath != "" && !strings.HasPrefix(cfg.HubPath, "/") {
		cfg.HubPath = "/" + cfg.HubPath
	}
	if cfg.HubName = strings.TrimSpace(cfg.HubName); cfg.HubName == "" {
		cfg.HubName = DefaultHubName
	}
	if cfg.Source == "" {
		cfg.Source = DefaultSource
	}
	cfg.Methods = cfg.Methods.withDefaults()
	if cfg.QueueGroups == "" {
		cfg.QueueGroups = GroupByGroup
	}
	if !contains(Groupings(), cfg.QueueGroups) {
		return nil, fmt.Errorf("signalr: queue groups %q: want one of %s", cfg.QueueGroups, strings.Join(Groupings(), ", "))
	}
	if cfg.ResyncTimeout <= 0 {
		cfg.ResyncTimeout = 3 * time.Second
	}
	if cfg.Heartbeat == 0 {
		cfg.Heartbeat = 15 * time.Second
	}
	if cfg.RetryMin <= 0 {
		cfg.RetryMin = 500 * time.Millisecond
	}
	if cfg.RetryMax < cfg.RetryMin {
		cfg.RetryMax = 30 * time.Second
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 20 * time.Second}
	}
	root := *base
	root.Path = p + apiRootPath
	hubBase := *base
	hubBase.Path = p
	s := &Subscriber{
		cfg: cfg, sink: sink, log: log.With("source", cfg.Source), root: &root, base: &hubBase, hc: hc, proto: cfg.SignalR,
		statuses: cfg.StatusMap, methods: cfg.Methods.byName(), warned: map[string]bool{},
	}
	if s.statuses == nil {
		s.statuses = DefaultStatusMap()
	}
	s.tokens = newTokenSource(&root, hc, cfg)
	s.api = &api{root: &root, hc: hc, tokens: s.tokens}
	s.last = model.SourceState{Health: model.Health{Source: cfg.Source, Kind: "connect"}, Agents: []model.Agent{}, Queues: []model.Queue{}}
	return s, nil
}

func redactedURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable)"
	}
	u.User = nil
	return u.String()
}

// Run keeps the subscription alive until ctx ends, then deletes its
// subscriptions and returns nil. Source errors never end it: they mark the
// source's health not OK while the last data stays.
func (s *Subscriber) Run(ctx context.Context) error {
	var active *session
	defer func() {
		if active != nil {
			s.closeSession(active, true)
		}
	}()
	backoff, rollRetry := s.cfg.RetryMin, s.cfg.RetryMin
	info := false
	var heartbeat <-chan time.Time
	if s.cfg.Heartbeat > 0 {
		t := time.NewTicker(s.cfg.Heartbeat)
		defer t.Stop()
		heartbeat = t.C
	}
	for {
		if ctx.Err() != nil {
			return nil
		}
		if active == nil {
			if !info {
				if in, err := s.api.Info(ctx); err == nil {
					info = true
					s.log.Info("connect: web api", "version", in.ConnectVersion, "transports", in.SignalRTransports)
				}
			}
			sess, err := s.startSession(ctx)
			if err != nil {
				if ctx.Err() != nil {
					return nil
				}
				s.observe("failed")
				s.fail(ctx, err)
				if !sleep(ctx, backoff) {
					return nil
				}
				backoff = min(2*backoff, s.cfg.RetryMax)
				continue
			}
			backoff = s.cfg.RetryMin
			active = sess
			s.activate(ctx, sess)
			s.observe("connected")
		}
		var roll <-chan time.Time
		rollTimer := time.NewTimer(time.Hour)
		if !active.rollAt.IsZero() {
			rollTimer.Reset(max(time.Until(active.rollAt), 0))
			roll = rollTimer.C
		}
		stop := func() { rollTimer.Stop() }
		select {
		case <-ctx.Done():
			stop()
			return nil
		case <-active.done:
			var why error
			if e, ok := active.link.(interface{ Err() error }); ok {
				why = e.Err()
			}
			s.log.Warn("connect: hub connection lost", "connection", active.id, "err", why)
			s.observe("lost")
			s.closeSession(active, true)
			active = nil
			s.fail(ctx, errors.New("reconnecting"))
		case <-active.resumed:
			// A classic transport resumed on the same connection and the hub
			// replayed what it missed; but it may be a restarted host that
			// took the old connection token back without its subscriptions
			// (ASP.NET SignalR with a stable machine key), and the API cannot
			// be asked. Move to a new connection with new subscriptions as a
			// renewal does: the current one publishes until the new one has
			// its full copies.
			next, err := s.startSession(ctx)
			if err != nil {
				s.log.Warn("connect: new connection after a resumed transport failed; retrying", "err", err)
				active.rollAt = time.Now().Add(rollRetry)
				rollRetry = min(2*rollRetry, s.cfg.RetryMax)
				continue
			}
			s.log.Info("connect: moved to a new connection after the transport resumed", "old", active.id, "connection", next.id)
			old := active
			active = next
			s.activate(ctx, next)
			s.closeSession(old, true)
		case <-roll:
			// Renew the token and move to a new connection before the old
			// token expires; the old connection publishes until the new one
			// has resynchronised.
			next, err := s.startSession(ctx)
			if err != nil {
				s.log.Warn("connect: renewing connection failed; keeping the current one", "err", err)
				s.observe("renew_failed")
				active.rollAt = time.Now().Add(rollRetry)
				rollRetry = min(2*rollRetry, s.cfg.RetryMax)
				continue
			}
			rollRetry = s.cfg.RetryMin
			old := active
			active = next
			s.activate(ctx, next)
			s.closeSession(old, true)
			s.observe("renewed")
		case <-heartbeat:
			s.publish(ctx, active)
		}
		stop()
	}
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// session is one hub connection with its subscriptions and gold data.
type session struct {
	s       *Subscriber
	id      string
	link    hubLink
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	dir     *Directory
	members *model.Membership // who belongs where, for board filters
	rollAt  time.Time

	mu       sync.Mutex
	state    *State
	expect   map[Kind]map[string]bool
	resynced chan struct{}
	synced   bool
	active   bool // guarded by s.pubMu
	subs     []string

	dirty   chan struct{}
	done    <-chan struct{} // the link's
	resumed chan struct{}   // a classic transport resumed: move to a new connection
}

func (s *Subscriber) startSession(ctx context.Context) (*session, error) {
	mbu, err := s.api.MBU(ctx)
	if err != nil {
		return nil, fmt.Errorf("profile/mbu: %w", err)
	}
	sess := &session{
		s: s, dir: mbu.Directory(), members: mbu.Membership(), state: NewState(nil), expect: s.expected(mbu),
		resynced: make(chan struct{}), dirty: make(chan struct{}, 1), resumed: make(chan struct{}, 1),
	}
	link, err := s.dial(ctx, sess.onInvocation, sess.onResumed)
	if err != nil {
		return nil, err
	}
	sess.rollAt = s.tokens.RenewAt()
	sess.link, sess.id, sess.done = link, link.ID(), link.Done()
	sctx, cancel := context.WithCancel(context.Background())
	sess.cancel = cancel
	sess.wg.Add(1)
	go func() {
		defer sess.wg.Done()
		sess.publishLoop(sctx)
	}()
	ids, err := s.api.Subscribe(ctx, s.subscriptions(sess.id, sess.expect))
	sess.subs = ids
	if err != nil {
		s.closeSession(sess, true)
		return nil, err
	}
	for _, id := range ids {
		if id == "" {
			s.warnOnce("noid", "connect: a subscription was created without an id; it cannot be deleted on shutdown")
		}
	}
	s.subscribeExtras(ctx, sess, mbu)
	s.log.Info("connect: subscribed", "connection", sess.id, "subscriptions", len(sess.subs))
	t := time.NewTimer(s.cfg.ResyncTimeout)
	defer t.Stop()
	select {
	case <-sess.resynced:
	case <-t.C:
		sess.mu.Lock()
		missing := 0
		for k, ids := range sess.expect {
			for id := range ids {
				if _, ok := sess.state.Entity(k, id); !ok {
					missing++
				}
			}
		}
		sess.mu.Unlock()
		s.log.Warn("connect: no full copy yet for some entities; publishing what arrived", "missing", missing)
	case <-sess.done:
		s.closeSession(sess, true)
		return nil, errors.New("hub connection lost while resynchronising")
	case <-ctx.Done():
		s.closeSession(sess, false)
		return nil, ctx.Err()
	}
	return sess, nil
}

// onInvocation handles one hub invocation, in the order the hub sent them.
func (sess *session) onInvocation(target string, args []json.RawMessage) {
	kind, ok := sess.s.methods[strings.ToLower(target)]
	if !ok {
		sess.s.warnOnce("method:"+target, "connect: hub called an unknown client method; ignoring it", "method", target)
		return
	}
	sess.mu.Lock()
	obs := sess.s.cfg.Observer
	for _, arg := range args {
		if kind == KindAlert {
			sess.s.logAlert(arg)
		}
		if err := sess.state.Apply(kind, arg); err != nil {
			class := "malformed"
			if !errors.Is(err, ErrMalformed) {
				class = "unknown_shape"
			}
			sess.s.warnOnce(string(kind)+":"+class, "connect: skipped gold data", "kind", kind, "err", err)
			if obs != nil {
				obs.ObserveMessage(string(kind), class)
			}
		} else if obs != nil {
			obs.ObserveMessage(string(kind), "merged")
		}
	}
	if !sess.synced && sess.complete() {
		sess.synced = true
		close(sess.resynced)
	}
	sess.mu.Unlock()
	select {
	case sess.dirty <- struct{}{}:
	default:
	}
}

// complete reports whether every expected entity has had its full copy.
func (sess *session) complete() bool {
	for k, ids := range sess.expect {
		if sess.state.Len(k) < len(ids) {
			return false
		}
		for id := range ids {
			if _, ok := sess.state.Entity(k, id); !ok {
				return false
			}
		}
	}
	return true
}

func (sess *session) publishLoop(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-sess.dirty:
			sess.s.publish(ctx, sess)
		}
	}
}

func (s *Subscriber) activate(ctx context.Context, sess *session) {
	s.pubMu.Lock()
	sess.active = true
	s.pubMu.Unlock()
	s.publish(ctx, sess)
}

// publish writes the session's state to the sink if the session is active.
func (s *Subscriber) publish(ctx context.Context, sess *session) {
	s.pubMu.Lock()
	defer s.pubMu.Unlock()
	if !sess.active {
		return
	}
	now := time.Now()
	sess.mu.Lock()
	agents, queues := sess.state.Model(s.cfg.Source, sess.dir, s.statuses, now)
	groups := sess.state.QueueGroups(s.cfg.Source, sess.dir, s.cfg.QueueGroups, now)
	sess.mu.Unlock()
	st := model.SourceState{
		Health: model.Health{Source: s.cfg.Source, Kind: "connect", OK: true, UpdatedAt: now,
			Protocol: sess.link.Protocol(), Transport: sess.link.Transport()},
		Agents: agents, Queues: queues, QueueGroups: groups, Membership: sess.members,
	}
	s.put(ctx, st)
}

// fail marks the source not OK with a short error, keeping the last data.
func (s *Subscriber) fail(ctx context.Context, err error) {
	msg := "Connect: " + err.Error()
	var ae *authError
	var se *StatusError
	switch {
	case errors.As(err, &ae):
		msg = "Connect: " + ae.Error()
	case errors.As(err, &se):
		msg = "Connect: " + se.Error()
	}
	s.log.Warn("connect: source failing", "err", err)
	s.pubMu.Lock()
	defer s.pubMu.Unlock()
	st := s.last
	st.OK = false
	st.Error = msg
	s.put(ctx, st)
}

// put stores st; the caller holds pubMu.
func (s *Subscriber) put(ctx context.Context, st model.SourceState) {
	if ctx.Err() != nil {
		return
	}
	s.last = st
	if _, err := s.sink.Put(ctx, st); err != nil && ctx.Err() == nil {
		s.warnOnce("sink", "connect: storing state failed", "err", err)
	}
}

// closeSession deactivates a session, deletes its subscriptions (when
// unsubscribe) and closes its connection.
func (s *Subscriber) closeSession(sess *session, unsubscribe bool) {
	s.pubMu.Lock()
	sess.active = false
	s.pubMu.Unlock()
	if unsubscribe {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		for _, id := range sess.subs {
			if id == "" {
				continue
			}
			if err := s.api.Unsubscribe(ctx, id, sess.id); err != nil {
				s.log.Debug("connect: deleting subscription failed", "subscription", id, "err", err)
			}
		}
		cancel()
	}
	s.stopSession(sess)
}

func (s *Subscriber) stopSession(sess *session) {
	sess.link.Close()
	sess.cancel()
	sess.wg.Wait()
}

// subscriptions builds the agent and queue subscriptions for a connection.
func (s *Subscriber) subscriptions(connID string, expect map[Kind]map[string]bool) []subscribeRequest {
	c := s.cfg
	agentQs := []map[string][]string{{"agentIds": c.AgentIDs, "teamIds": c.TeamIDs, "groupIds": c.GroupIDs, "businessUnitIds": c.BusinessUnitIDs}}
	queueQs := []map[string][]string{{"queueIds": c.QueueIDs, "teamIds": c.TeamIDs, "groupIds": c.GroupIDs, "businessUnitIds": c.BusinessUnitIDs}}
	if c.everything() {
		// Every id of the MBU structure, in chunks that keep URLs short.
		agentQs, queueQs = nil, nil
		for _, ids := range chunks(keys(expect[KindAgent]), maxIDsPerSubscription) {
			agentQs = append(agentQs, map[string][]string{"agentIds": ids})
		}
		for _, ids := range chunks(keys(expect[KindQueue]), maxIDsPerSubscription) {
			queueQs = append(queueQs, map[string][]string{"queueIds": ids})
		}
	}
	sessionProps := []string{"sessionType", "queueId", "agentId", "sessionStatus", "queuedMs", "activeMs"}
	var reqs []subscribeRequest
	for _, aq := range agentQs {
		if q := query(aq, c.Modalities, true); q != "" {
			reqs = append(reqs, subscribeRequest{Label: "agents", Path: "/v2/subscriptions/agents?" + q, Body: map[string]any{
				"connectionId":        connID,
				"sessionProperties":   sessionProps,
				"sessionPropertyType": sessionProps,
				"statusProperties":    []string{"agentStatus", "reasonCodeName", "utcStartTime", "isSuspended"},
				"metricProperties":    []string{"answeredCount"},
			}})
		}
	}
	for _, qq := range queueQs {
		if q := query(qq, c.Modalities, false); q != "" {
			reqs = append(reqs, subscribeRequest{Label: "queues", Path: "/v2/subscriptions/queues?" + q, Body: map[string]any{
				"connectionId":        connID,
				"sessionProperties":   sessionProps,
				"sessionPropertyType": sessionProps,
				"metricProperties":    []string{metricQueued, metricAnswered, metricAbandoned},
			}})
		}
	}
	return reqs
}

// maxIDsPerSubscription keeps subscription URLs well under common limits.
const maxIDsPerSubscription = 200

func chunks(ids []string, n int) [][]string {
	var out [][]string
	for len(ids) > n {
		out = append(out, ids[:n])
		ids = ids[n:]
	}
	if len(ids) > 0 {
		out = append(out, ids)
	}
	return out
}

// expected lists the agents and queues the subscriptions cover, from the MBU
// structure: every one when nothing is selected, else the selected ids and
// the members of the selected teams, groups and business units.
func (s *Subscriber) expected(m *MBU) map[Kind]map[string]bool {
	agents, queues := map[string]bool{}, map[string]bool{}
	if s.cfg.everything() {
		for _, a := range m.Agents {
			agents[a.ID.String()] = true
		}
		for _, q := range m.Queues {
			queues[q.ID.String()] = true
		}
		return map[Kind]map[string]bool{KindAgent: agents, KindQueue: queues}
	}
	for _, id := range s.cfg.AgentIDs {
		agents[strings.TrimSpace(id)] = true
	}
	for _, id := range s.cfg.QueueIDs {
		queues[strings.TrimSpace(id)] = true
	}
	teams := set(s.cfg.TeamIDs)
	groups := set(s.cfg.GroupIDs)
	for _, g := range m.Groups {
		if groups[g.ID.String()] {
			for _, t := range g.TeamIDs {
				teams[t.String()] = true
			}
		}
	}
	bus := set(s.cfg.BusinessUnitIDs)
	for _, b := range m.BusinessUnits {
		if bus[b.ID.String()] {
			for _, t := range b.TeamIDs {
				teams[t.String()] = true
			}
			for _, q := range b.QueueIDs {
				queues[q.String()] = true
			}
		}
	}
	for _, t := range m.Teams {
		if teams[t.ID.String()] || bus[t.BusinessUnitID.String()] {
			for _, a := range t.AgentIDs {
				agents[a.String()] = true
			}
			for _, q := range t.QueueIDs {
				queues[q.String()] = true
			}
		}
	}
	for _, a := range m.Agents {
		if teams[a.TeamID.String()] {
			agents[a.ID.String()] = true
		}
	}
	return map[Kind]map[string]bool{KindAgent: agents, KindQueue: queues}
}

func set(ids []string) map[string]bool {
	out := map[string]bool{}
	for _, id := range ids {
		out[strings.TrimSpace(id)] = true
	}
	return out
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool { return lessKey(out[i], out[j]) })
	return out
}

func (c Config) everything() bool {
	return len(c.AgentIDs)+len(c.QueueIDs)+len(c.TeamIDs)+len(c.GroupIDs)+len(c.BusinessUnitIDs) == 0
}

func query(sel map[string][]string, modalities []string, agents bool) string {
	keys := make([]string, 0, len(sel))
	for k, ids := range sel {
		if len(ids) > 0 {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return ""
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		esc := make([]string, len(sel[k]))
		for i, id := range sel[k] {
			esc[i] = url.QueryEscape(strings.TrimSpace(id))
		}
		parts = append(parts, k+"="+strings.Join(esc, ","))
	}
	if len(modalities) > 0 {
		parts = append(parts, "modalities="+url.QueryEscape(strings.Join(modalities, ",")))
	}
	if agents {
		parts = append(parts, "includeStatusHistory=false")
	}
	return strings.Join(parts, "&")
}

// warnOnce logs a warning the first time key is seen.
func (s *Subscriber) warnOnce(key, msg string, args ...any) {
	s.warnMu.Lock()
	seen := s.warned[key]
	s.warned[key] = true
	s.warnMu.Unlock()
	if !seen {
		s.log.Warn(msg, args...)
	} else {
		s.log.Debug(msg, args...)
	}
}

// ignoreReceiver gives the SignalR library a method for every hub client
// method; the gold data itself is taken from the frames in order (see dialHub).
type ignoreReceiver struct{}

// Ignore accepts one argument of any hub client method.
func (*ignoreReceiver) Ignore(json.RawMessage) {}

// kitLogger routes the SignalR library's log to slog at debug level.
type kitLogger struct{ log *slog.Logger }

func (k kitLogger) Log(keyvals ...any) error {
	k.log.Debug("signalr library", keyvals...)
	return nil
}
