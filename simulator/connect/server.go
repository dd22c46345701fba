// Package connect is the simulated Clarity Connect Web API v2 of the demo and
// the tests: info, authentication discovered from a 401's WWW-Authenticate,
// a token endpoint doing a real NTLM (v2) handshake and issuing HS256 JWTs,
// profile, MBU structure, subscriptions (with batch) and a SignalR hub that
// pushes full copies then diffs of the gold data of a simulator.Center.
//
// The hub is either classic ASP.NET SignalR 2 (Options.SignalR "classic", as
// Connect 4.x ships: protocol 1.5 at /webapi/signalr, hub GoldDataHub, over
// webSockets, serverSentEvents and longPolling, with replay by message id;
// see ClassicOptions) or ASP.NET Core SignalR (github.com/philippseith/signalr,
// server side, at /webapi/hubs/gold). Client methods agentUpdate, queueUpdate
// and queueGroupUpdate are called with an array of Realtime Data Responses
// (Group Metric Data Responses for subscriptions/queues/groupBy), and alert
// with an array of alerts (the document gives them no shape; the
// simulator's carry a name, the queue and the count); Options.Methods renames
// them. Agent statuses come as the document shows them, the Status enum's
// name with agentStatusId or its bare number, with reason codes for custom
// statuses; sessions carry isOnHold and holdStartTime; queues the day counts
// answeredCount and abandonedCount. Connect queues are the Center's leaf menus
// per language (ids from 101), their modalities its channels (call → audio,
// chat → instantMessage). A hub connection is closed when the token it was
// opened with expires.
package connect

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	sr "github.com/philippseith/signalr"

	"github.com/wallboard/wallboard/simulator"
)

// Options configure a Server.
type Options struct {
	User          string // the service account, may be DOMAIN\user; default "CONNECTSIM\wallboard"
	Password      string // default "wallboard"
	ClientID      string // default "0224C392-3845-4AC0-B1A0-D63706181BA7"
	TokenLifetime time.Duration
	SigningKey    []byte // default: random
	HubPath       string // default "/webapi/hubs/gold"
	Logger        *slog.Logger
	// KeepConnections keeps hub connections open after their token expired.
	KeepConnections bool
	// Methods names the hub's client methods by kind ("agent", "queue",
	// "queueGroup", "alert"); default agentUpdate, queueUpdate,
	// queueGroupUpdate and alert.
	Methods map[string]string
	// SignalR is the hub's protocol: "classic" (ASP.NET SignalR 2, as
	// Connect 4.x ships, at Classic.Path) or "core" (ASP.NET Core SignalR at
	// HubPath). Default "core".
	SignalR string
	// Classic configures the classic hub.
	Classic ClassicOptions
}

// Defaults.
const (
	DefaultUser          = `CONNECTSIM\wallboard`
	DefaultPassword      = "wallboard"
	DefaultClientID      = "0224C392-3845-4AC0-B1A0-D63706181BA7"
	DefaultTokenLifetime = 5 * time.Minute
	DefaultHubPath       = "/webapi/hubs/gold"
	apiRoot              = "/webapi/api"
	tokenPath            = "/webauth/token"
	serviceAgentID       = 1
)

// Server is the simulated Connect web services host. It is an http.Handler.
type Server struct {
	c   *simulator.Center
	o   Options
	log *slog.Logger
	mux *http.ServeMux
	dir *directory

	mu         sync.Mutex
	hub        *hubInstance // the Core hub; nil with a classic one
	classic    *classicHub  // the classic hub; nil with a Core one
	conns      map[string]*hubClient
	pendingExp map[string]time.Time // connection id → token expiry, between negotiate and connect
	subs       map[string]*subscription
	fail       map[string][]int
	challenges map[string][]byte // remote address → NTLM server challenge
	nextSub    int
	stats      Stats
	kick       chan struct{}
}

// Stats count what the server did, for tests.
type Stats struct {
	TokensIssued, SubscriptionsCreated, SubscriptionsDeleted, Connections, Unauthorized int
	FullCopies, Diffs                                                                   int
}

type subscription struct {
	id        string
	connID    string
	agents    bool
	kind      string // "" (agents or queues), subQueueGroups or subAlerts
	groupType string // of subQueueGroups: team, group or businessUnit
	ids       []int
	sent      map[int]doc
}

// hubClient is one hub connection, Core or classic.
type hubClient struct {
	exp   time.Time
	send  func(method string, args []any) error
	abort func()
	core  sr.HubConnection // nil for classic connections
}

type hubInstance struct {
	server sr.Server
	mux    *http.ServeMux
	cancel context.CancelFunc
}

// NewServer serves c's state as Clarity Connect.
func NewServer(c *simulator.Center, o Options) *Server {
	if o.User == "" {
		o.User = DefaultUser
	}
	if o.Password == "" {
		o.Password = DefaultPassword
	}
	if o.ClientID == "" {
		o.ClientID = DefaultClientID
	}
	if o.TokenLifetime <= 0 {
		o.TokenLifetime = DefaultTokenLifetime
	}
	if len(o.SigningKey) == 0 {
		o.SigningKey = make([]byte, 32)
		_, _ = rand.Read(o.SigningKey)
	}
	if o.HubPath == "" {
		o.HubPath = DefaultHubPath
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Server{
		c: c, o: o, log: o.Logger, mux: http.NewServeMux(), dir: newDirectory(c.Live()),
		conns: map[string]*hubClient{}, pendingExp: map[string]time.Time{}, subs: map[string]*subscription{},
		fail: map[string][]int{}, challenges: map[string][]byte{}, kick: make(chan struct{}, 1),
	}
	s.mux.HandleFunc("POST "+tokenPath, s.token)
	s.mux.HandleFunc("GET "+apiRoot+"/info", s.authed(s.info))
	s.mux.HandleFunc("GET "+apiRoot+"/v2/profile", s.authed(s.profile))
	s.mux.HandleFunc("GET "+apiRoot+"/v2/profile/mbu", s.authed(s.mbu))
	s.mux.HandleFunc("POST "+apiRoot+"/v2/subscriptions/agents", s.authed(s.subscribe(true)))
	s.mux.HandleFunc("POST "+apiRoot+"/v2/subscriptions/queues", s.authed(s.subscribe(false)))
	s.mux.HandleFunc("POST "+apiRoot+"/v2/subscriptions/queues/groupBy", s.authed(s.subscribeGroups))
	s.mux.HandleFunc("POST "+apiRoot+"/v2/subscriptions/alerts", s.authed(s.subscribeAlerts))
	s.mux.HandleFunc("DELETE "+apiRoot+"/v2/subscriptions/{id}", s.authed(s.unsubscribe))
	s.mux.HandleFunc("POST "+apiRoot+"/v2/{$}", s.authed(s.batch))
	if strings.EqualFold(o.SignalR, "classic") {
		s.classic = newClassicHub(o.Classic, s.log)
		s.classic.connected = s.classicConnected
		s.classic.gone = s.classicGone
		s.mux.HandleFunc(s.classic.o.Path+"/", s.authed(s.classic.serve))
	} else {
		s.hub = s.newHub()
		s.mux.HandleFunc(o.HubPath, s.authed(s.serveHub))
		s.mux.HandleFunc(o.HubPath+"/negotiate", s.authed(s.negotiate))
	}
	return s
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if st, ok := s.takeFailure(r.URL.Path); ok {
		if st == http.StatusUnauthorized {
			s.challenge(w, r)
			return
		}
		http.Error(w, http.StatusText(st), st)
		return
	}
	s.mux.ServeHTTP(w, r)
}

// FailNext makes the next request to path (with or without the /webapi/api
// prefix) answer status; 401 carries the usual WWW-Authenticate challenge.
func (s *Server) FailNext(path string, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !strings.HasPrefix(path, apiRoot) && !strings.HasPrefix(path, s.o.HubPath) && path != tokenPath &&
		(s.classic == nil || !strings.HasPrefix(path, s.classic.o.Path)) {
		path = apiRoot + path
	}
	s.fail[path] = append(s.fail[path], status)
}

func (s *Server) takeFailure(path string) (int, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	q := s.fail[path]
	if len(q) == 0 {
		return 0, false
	}
	s.fail[path] = q[1:]
	return q[0], true
}

// KillConnections simulates a hub restart: every hub connection is dropped
// and every subscription is lost.
func (s *Server) KillConnections() {
	if s.classic != nil {
		s.mu.Lock()
		s.conns = map[string]*hubClient{}
		s.subs = map[string]*subscription{}
		s.mu.Unlock()
		s.classic.restart()
		return
	}
	s.mu.Lock()
	old := s.hub
	s.hub = s.newHub()
	s.conns = map[string]*hubClient{}
	s.subs = map[string]*subscription{}
	s.mu.Unlock()
	old.cancel()
}

// DropTransports cuts every classic transport (websocket, event stream,
// long poll) while the hub keeps its connections: clients reconnect with
// their last message id and get what they missed.
func (s *Server) DropTransports() {
	if s.classic != nil {
		s.classic.dropTransports()
	}
}

// ClassicStats returns the classic hub's counters (zero with a Core hub).
func (s *Server) ClassicStats() ClassicStats {
	if s.classic == nil {
		return ClassicStats{}
	}
	return s.classic.Stats()
}

// classicConnected registers a classic connection once it has a transport.
func (s *Server) classicConnected(id string, exp time.Time) {
	h := s.classic
	s.mu.Lock()
	defer s.mu.Unlock()
	s.conns[id] = &hubClient{
		exp:   exp,
		send:  func(method string, args []any) error { return h.send(id, method, args) },
		abort: func() { h.forget(id) },
	}
	s.stats.Connections++
}

// classicGone drops a forgotten classic connection and its subscriptions.
func (s *Server) classicGone(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.conns, id)
	s.dropSubsLocked(id)
}

// IssueToken returns a bearer token as the token endpoint would issue it
// (the host in iss is "sim").
func (s *Server) IssueToken() string {
	now := time.Now()
	exp := now.Add(s.o.TokenLifetime)
	return s.sign(map[string]any{
		"connect_agent_id": strconv.Itoa(serviceAgentID), "iss": "sim" + tokenPath, "aud": s.o.ClientID,
		"exp": json.Number(strconv.FormatFloat(float64(exp.UnixMilli())/1000, 'f', 3, 64)), "nbf": now.Unix(),
	})
}

// Subscriptions returns how many subscriptions exist.
func (s *Server) Subscriptions() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.subs)
}

// Connections returns how many hub connections are open.
func (s *Server) Connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns)
}

// Stats returns the counters.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stats
}

// SendRaw sends one hub invocation with a raw JSON argument to every
// connection, for tests of malformed and unknown-shaped data.
func (s *Server) SendRaw(method string, arg json.RawMessage) {
	s.mu.Lock()
	conns := make([]*hubClient, 0, len(s.conns))
	for _, c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	for _, c := range conns {
		_ = c.send(method, []any{arg})
	}
}

// Run pushes full copies then diffs to subscribed connections whenever the
// Center changes, and closes connections whose token expired, until ctx
// ends.
func (s *Server) Run(ctx context.Context) error {
	changed := s.c.Subscribe(ctx)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	defer func() {
		s.mu.Lock()
		h := s.hub
		s.mu.Unlock()
		if h != nil {
			h.cancel()
		}
		if s.classic != nil {
			s.classic.restart()
		}
	}()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-changed:
		case <-s.kick:
		case <-tick.C:
			s.expire()
			if s.classic != nil {
				s.classic.sweep(time.Now())
			}
		}
		s.push()
	}
}

func (s *Server) expire() {
	if s.o.KeepConnections {
		return
	}
	now := time.Now()
	s.mu.Lock()
	var dead []*hubClient
	for id, c := range s.conns {
		if !c.exp.IsZero() && now.After(c.exp) {
			dead = append(dead, c)
			delete(s.conns, id)
			s.dropSubsLocked(id)
		}
	}
	s.mu.Unlock()
	for _, c := range dead {
		c.abort()
	}
}

func (s *Server) dropSubsLocked(connID string) {
	for id, sub := range s.subs {
		if sub.connID == connID {
			delete(s.subs, id)
		}
	}
}

// push sends every subscription what changed since its last message.
func (s *Server) push() {
	t := s.c.Live()
	agents := agentDocs(t)
	queues := queueDocs(t, s.dir)
	type send struct {
		id     string
		c      *hubClient
		method string
		items  []any
	}
	var sends []send
	s.mu.Lock()
	for _, sub := range s.subs {
		c := s.conns[sub.connID]
		if c == nil {
			continue
		}
		docs, method := queues, s.method("queue")
		switch {
		case sub.kind == subAlerts:
			if items := alerts(sub, queues, t.At); len(items) > 0 {
				sends = append(sends, send{sub.connID, c, s.method("alert"), items})
			}
			continue
		case sub.kind == subQueueGroups:
			docs, method = s.groupDocs(sub.groupType, sub.ids, queues), s.method("queueGroup")
		case sub.agents:
			docs, method = agents, s.method("agent")
		}
		var items []any
		for _, id := range sub.ids {
			d, ok := docs[id]
			if !ok {
				continue
			}
			prev, sent := sub.sent[id]
			if !sent {
				items = append(items, d.full())
				s.stats.FullCopies++
			} else if ch := d.diff(prev); ch != nil {
				items = append(items, ch)
				s.stats.Diffs++
			}
			sub.sent[id] = d
		}
		if len(items) > 0 {
			sends = append(sends, send{sub.connID, c, method, items})
		}
	}
	s.mu.Unlock()
	// Only Run's goroutine pushes, so messages to a connection leave in the
	// order they were computed.
	for _, sd := range sends {
		if err := sd.c.send(sd.method, []any{sd.items}); err != nil {
			s.log.Debug("connect sim: send failed", "connection", sd.id, "err", err)
		}
	}
}

// --- authentication ---

func (s *Server) authenticateHeader(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return fmt.Sprintf(`%s://%s%s,grant_type="urn:connect.auth:windows"`, scheme, r.Host, tokenPath)
}

func (s *Server) challenge(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.stats.Unauthorized++
	s.mu.Unlock()
	w.Header().Set("WWW-Authenticate", s.authenticateHeader(r))
	http.Error(w, "Unauthorized", http.StatusUnauthorized)
}

// authed requires a valid, unexpired bearer JWT (header, or access_token
// query parameter as browser SignalR clients send it).
func (s *Server) authed(h func(http.ResponseWriter, *http.Request, time.Time)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		tok := ""
		if a := r.Header.Get("Authorization"); strings.HasPrefix(a, "Bearer ") {
			tok = strings.TrimPrefix(a, "Bearer ")
		} else if q := r.URL.Query().Get("access_token"); q != "" {
			tok = q
		}
		exp, ok := s.verify(tok)
		if !ok {
			s.challenge(w, r)
			return
		}
		h(w, r, exp)
	}
}

func (s *Server) sign(claims map[string]any) string {
	enc := base64.RawURLEncoding
	head, _ := json.Marshal(map[string]string{"typ": "JWT", "alg": "HS256"})
	body, _ := json.Marshal(claims)
	msg := enc.EncodeToString(head) + "." + enc.EncodeToString(body)
	mac := hmac.New(sha256.New, s.o.SigningKey)
	mac.Write([]byte(msg))
	return msg + "." + enc.EncodeToString(mac.Sum(nil))
}

func (s *Server) verify(tok string) (time.Time, bool) {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return time.Time{}, false
	}
	mac := hmac.New(sha256.New, s.o.SigningKey)
	mac.Write([]byte(parts[0] + "." + parts[1]))
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil || !hmac.Equal(sig, mac.Sum(nil)) {
		return time.Time{}, false
	}
	body, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return time.Time{}, false
	}
	var claims struct {
		Exp float64 `json:"exp"`
		Aud string  `json:"aud"`
	}
	if json.Unmarshal(body, &claims) != nil || claims.Aud != s.o.ClientID {
		return time.Time{}, false
	}
	sec, frac := math.Modf(claims.Exp)
	exp := time.Unix(int64(sec), int64(frac*1e9))
	return exp, time.Now().Before(exp)
}

// token is the Connect Authentication Service: NTLM handshake, then a JWT.
func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	scheme, data, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	if scheme != "NTLM" && scheme != "Negotiate" {
		w.Header().Add("WWW-Authenticate", "Negotiate")
		w.Header().Add("WWW-Authenticate", "NTLM")
		http.Error(w, "Unauthorized", http.StatusUnauthorized)
		return
	}
	msg, err := base64.StdEncoding.DecodeString(data)
	if err != nil {
		http.Error(w, "Unauthorized", http.StatusUnauthorized)
		return
	}
	switch ntlmType(msg) {
	case ntlmNegotiate:
		ch, server := challengeMessage()
		s.mu.Lock()
		s.challenges[r.RemoteAddr] = server
		s.mu.Unlock()
		w.Header().Set("WWW-Authenticate", scheme+" "+base64.StdEncoding.EncodeToString(ch))
		http.Error(w, "Unauthorized", http.StatusUnauthorized)
		return
	case ntlmAuthenticate:
	default:
		http.Error(w, "Unauthorized", http.StatusUnauthorized)
		return
	}
	s.mu.Lock()
	server := s.challenges[r.RemoteAddr]
	delete(s.challenges, r.RemoteAddr)
	s.mu.Unlock()
	am, err := parseAuthenticate(msg)
	wantUser, wantDomain := s.o.User, ""
	if i := strings.IndexByte(wantUser, '\\'); i >= 0 {
		wantDomain, wantUser = wantUser[:i], wantUser[i+1:]
	}
	if err != nil || server == nil || !strings.EqualFold(am.user, wantUser) ||
		(wantDomain != "" && !strings.EqualFold(am.domain, wantDomain)) || !verifyNTLMv2(am, s.o.Password, server) {
		s.log.Info("connect sim: NTLM authentication failed", "user", am.user)
		http.Error(w, "Unauthorized", http.StatusUnauthorized)
		return
	}
	if err := r.ParseForm(); err != nil || r.PostForm.Get("grant_type") != "urn:connect.auth:windows" {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "unsupported_grant_type", "error_description": "grant_type must be urn:connect.auth:windows"})
		return
	}
	if r.PostForm.Get("client_id") != s.o.ClientID {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_clientId", "error_description": "client_id is not valid"})
		return
	}
	now := time.Now()
	exp := now.Add(s.o.TokenLifetime)
	tok := s.sign(map[string]any{
		"connect_agent_id": strconv.Itoa(serviceAgentID),
		"iss":              "http://" + r.Host + tokenPath,
		"aud":              s.o.ClientID,
		"exp":              json.Number(strconv.FormatFloat(float64(exp.UnixMilli())/1000, 'f', 3, 64)),
		"nbf":              now.Unix(),
	})
	s.mu.Lock()
	s.stats.TokensIssued++
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"access_token": tok, "token_type": "bearer", "expires_in": int(math.Ceil(s.o.TokenLifetime.Seconds()))})
}

// --- API ---

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (s *Server) info(w http.ResponseWriter, _ *http.Request, _ time.Time) {
	transports := []string{"webSockets"}
	if s.classic != nil {
		transports = []string{"webSockets", "serverSentEvents", "longPolling"}
		if s.classic.o.NoWebSockets {
			transports = transports[1:]
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"connectVersion":    "4.1.2.0-sim",
		"apiVersions":       []map[string]string{{"version": "1.0", "relativeUrl": "/v1.0"}, {"version": "2", "relativeUrl": "/v2"}},
		"signalRTransports": transports,
	})
}

func (s *Server) profile(w http.ResponseWriter, _ *http.Request, _ time.Time) {
	writeJSON(w, http.StatusOK, map[string]any{
		"type": "agent", "id": serviceAgentID, "teamId": -1, "name": "Wallboard Service",
		"localeKey": "en-us", "enabledModalities": []string{"audio", "instantMessage"},
	})
}

func (s *Server) mbu(w http.ResponseWriter, _ *http.Request, _ time.Time) {
	t := s.c.Live()
	var agents, queues, teams []map[string]any
	teamAgents := map[int][]int{}
	teamQueues := map[int][]int{}
	for _, a := range t.Agents {
		team := -1
		if len(a.TeamIDs) > 0 {
			team = a.TeamIDs[0]
		}
		for _, tid := range a.TeamIDs {
			teamAgents[tid] = append(teamAgents[tid], a.ID)
		}
		agents = append(agents, map[string]any{"type": "Agent", "id": a.ID, "name": agentName(a), "teamId": team, "canSilentJoin": true, "canWhisperJoin": true, "canRecord": false})
	}
	for _, k := range s.dir.order {
		id := s.dir.queueIDs[k]
		for _, tid := range s.dir.queueTeams[id] {
			teamQueues[tid] = append(teamQueues[tid], id)
		}
		queues = append(queues, map[string]any{"type": "Queue", "id": id, "name": s.dir.queueNames[id], "businessUnitId": 1, "teamIds": s.dir.queueTeams[id]})
	}
	var teamIDs []int
	for _, tm := range t.Teams {
		teamIDs = append(teamIDs, tm.ID)
		teams = append(teams, map[string]any{"type": "Team", "id": tm.ID, "name": tm.Name, "businessUnitId": 1, "groupIds": []int{1}, "agentIds": teamAgents[tm.ID], "queueIds": teamQueues[tm.ID]})
	}
	var queueIDs []int
	for _, k := range s.dir.order {
		queueIDs = append(queueIDs, s.dir.queueIDs[k])
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"agents": agents, "queues": queues, "teams": teams,
		"groups":        []map[string]any{{"type": "Group", "id": 1, "name": "Contact Center", "teamIds": teamIDs}},
		"businessUnits": []map[string]any{{"type": "Business Unit", "id": 1, "name": "Simulated Co", "teamIds": teamIDs, "queueIds": queueIDs}},
	})
}

func intList(v string) ([]int, error) {
	var out []int
	for _, p := range strings.Split(v, ",") {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		n, err := strconv.Atoi(p)
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, nil
}

// connectionGrace is how long a subscription waits for its hub connection:
// a client may subscribe as soon as its handshake is answered, a moment
// before the hub has registered the connection.
const connectionGrace = 2 * time.Second

// awaitConnection reports whether the hub knows connection id, waiting up to
// connectionGrace for it.
func (s *Server) awaitConnection(ctx context.Context, id string) bool {
	deadline := time.Now().Add(connectionGrace)
	for {
		s.mu.Lock()
		_, ok := s.conns[id]
		s.mu.Unlock()
		if ok {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		select {
		case <-ctx.Done():
			return false
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// subscribe creates an agent or queue subscription for a connection.
func (s *Server) subscribe(agents bool) func(http.ResponseWriter, *http.Request, time.Time) {
	return func(w http.ResponseWriter, r *http.Request, _ time.Time) {
		var body struct {
			ConnectionID string `json:"connectionId"`
		}
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil || body.ConnectionID == "" {
			writeJSON(w, http.StatusBadRequest, map[string]string{"message": "connectionId required"})
			return
		}
		ids, err := s.selection(r.URL.Query(), agents)
		if err != nil || len(ids) == 0 {
			// The API answers 401 when no entity is specified.
			s.challenge(w, r)
			return
		}
		if !s.awaitConnection(r.Context(), body.ConnectionID) {
			writeJSON(w, http.StatusNotFound, map[string]string{"message": "unknown connectionId"})
			return
		}
		s.mu.Lock()
		s.nextSub++
		id := fmt.Sprintf("sub-%d-%s", s.nextSub, randHex(4))
		s.subs[id] = &subscription{id: id, connID: body.ConnectionID, agents: agents, ids: ids, sent: map[int]doc{}}
		s.stats.SubscriptionsCreated++
		s.mu.Unlock()
		select {
		case s.kick <- struct{}{}:
		default:
		}
		writeJSON(w, http.StatusOK, map[string]string{"subscriptionId": id})
	}
}

// selection resolves the query's ids, teams, groups and business units.
func (s *Server) selection(q url.Values, agents bool) ([]int, error) {
	t := s.c.Live()
	want := map[int]bool{}
	idKey := "queueIds"
	if agents {
		idKey = "agentIds"
	}
	ids, err := intList(q.Get(idKey))
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		want[id] = true
	}
	teams, err := intList(q.Get("teamIds"))
	if err != nil {
		return nil, err
	}
	teamSet := map[int]bool{}
	for _, id := range teams {
		teamSet[id] = true
	}
	for _, key := range []string{"groupIds", "businessUnitIds"} {
		ids, err := intList(q.Get(key))
		if err != nil {
			return nil, err
		}
		for _, id := range ids {
			if id == 1 { // the only group and business unit: every team
				for _, tm := range t.Teams {
					teamSet[tm.ID] = true
				}
			}
		}
	}
	if agents {
		for _, a := range t.Agents {
			for _, tid := range a.TeamIDs {
				if teamSet[tid] {
					want[a.ID] = true
				}
			}
		}
	} else {
		for qid, tids := range s.dir.queueTeams {
			for _, tid := range tids {
				if teamSet[tid] {
					want[qid] = true
				}
			}
		}
	}
	out := make([]int, 0, len(want))
	for id := range want {
		out = append(out, id)
	}
	return out, nil
}

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func (s *Server) unsubscribe(w http.ResponseWriter, r *http.Request, _ time.Time) {
	id := r.PathValue("id")
	s.mu.Lock()
	_, ok := s.subs[id]
	delete(s.subs, id)
	if ok {
		s.stats.SubscriptionsDeleted++
	}
	s.mu.Unlock()
	if !ok {
		writeJSON(w, http.StatusNotFound, map[string]string{"message": "subscription not found"})
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// batch runs each request of the array through the server and returns each
// one's code and body.
func (s *Server) batch(w http.ResponseWriter, r *http.Request, _ time.Time) {
	var items []struct {
		Method      string          `json:"method"`
		RelativeURL string          `json:"relativeUrl"`
		Body        json.RawMessage `json:"body"`
	}
	if err := json.NewDecoder(r.Body).Decode(&items); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"message": "body must be an array of requests"})
		return
	}
	base, _ := url.Parse(apiRoot + "/v2/")
	results := make([]map[string]any, 0, len(items))
	for _, it := range items {
		rel, err := url.Parse(it.RelativeURL)
		if err != nil || it.Method == "" {
			results = append(results, map[string]any{"code": http.StatusBadRequest, "body": map[string]string{"message": "bad request"}})
			continue
		}
		u := base.ResolveReference(rel)
		sub := httptest.NewRequestWithContext(r.Context(), it.Method, u.String(), bytes.NewReader(it.Body))
		sub.Header.Set("Authorization", r.Header.Get("Authorization"))
		sub.Header.Set("Content-Type", "application/json")
		sub.Host, sub.RemoteAddr = r.Host, r.RemoteAddr
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, sub)
		var body any
		if json.Unmarshal(rec.Body.Bytes(), &body) != nil {
			body = nil
		}
		results = append(results, map[string]any{"code": rec.Code, "body": body})
	}
	writeJSON(w, http.StatusOK, results)
}

// --- hub ---

func (s *Server) newHub() *hubInstance {
	ctx, cancel := context.WithCancel(context.Background())
	h := &hubInstance{mux: http.NewServeMux(), cancel: cancel}
	srv, err := sr.NewServer(ctx,
		sr.SimpleHubFactory(&goldHub{}),
		sr.HTTPTransports(sr.TransportWebSockets),
		sr.Logger(kitLogger{s.log}, false),
		sr.KeepAliveInterval(2*time.Second),
		sr.WithHubLifetimeManager(func(sr.Server) (sr.HubLifetimeManager, error) { return &lifetime{s: s, h: h}, nil }),
	)
	if err != nil {
		panic(fmt.Sprintf("connect sim: signalr server: %v", err)) // only on a programming error in the options
	}
	h.server = srv
	srv.MapHTTP(sr.WithHTTPServeMux(h.mux), s.o.HubPath)
	return h
}

func (s *Server) currentHub() *hubInstance {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hub
}

// negotiate records the token expiry of the connection being negotiated.
func (s *Server) negotiate(w http.ResponseWriter, r *http.Request, exp time.Time) {
	rec := httptest.NewRecorder()
	s.currentHub().mux.ServeHTTP(rec, r)
	var nr struct {
		ConnectionID string `json:"connectionId"`
	}
	if json.Unmarshal(rec.Body.Bytes(), &nr) == nil && nr.ConnectionID != "" {
		s.mu.Lock()
		s.pendingExp[nr.ConnectionID] = exp
		s.mu.Unlock()
	}
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	_, _ = w.Write(rec.Body.Bytes())
}

func (s *Server) serveHub(w http.ResponseWriter, r *http.Request, _ time.Time) {
	s.currentHub().mux.ServeHTTP(w, r)
}

// goldHub is the hub; clients only listen.
type goldHub struct{ sr.Hub }

// lifetime tracks the hub's connections so that pushes go straight to them,
// in order, from one goroutine.
type lifetime struct {
	s *Server
	h *hubInstance
}

func (l *lifetime) OnConnected(conn sr.HubConnection) {
	s := l.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.hub != l.h {
		conn.Abort()
		return
	}
	exp := s.pendingExp[conn.ConnectionID()]
	delete(s.pendingExp, conn.ConnectionID())
	s.conns[conn.ConnectionID()] = &hubClient{
		exp:   exp,
		send:  func(method string, args []any) error { return conn.SendInvocation("", method, args) },
		abort: conn.Abort,
		core:  conn,
	}
	s.stats.Connections++
}

func (l *lifetime) OnDisconnected(conn sr.HubConnection) {
	s := l.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if c, ok := s.conns[conn.ConnectionID()]; ok && c.core == conn {
		delete(s.conns, conn.ConnectionID())
		s.dropSubsLocked(conn.ConnectionID())
	}
}

func (l *lifetime) InvokeAll(target string, args []any) {
	l.s.mu.Lock()
	defer l.s.mu.Unlock()
	for _, c := range l.s.conns {
		_ = c.send(target, args)
	}
}

func (l *lifetime) InvokeClient(id string, target string, args []any) {
	l.s.mu.Lock()
	defer l.s.mu.Unlock()
	if c, ok := l.s.conns[id]; ok {
		_ = c.send(target, args)
	}
}

func (l *lifetime) InvokeGroup(string, string, []any) {}
func (l *lifetime) AddToGroup(string, string)         {}
func (l *lifetime) RemoveFromGroup(string, string)    {}

// kitLogger routes the SignalR library's log to slog at debug level.
type kitLogger struct{ log *slog.Logger }

func (k kitLogger) Log(keyvals ...any) error {
	k.log.Debug("signalr library", keyvals...)
	return nil
}
