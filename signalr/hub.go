package signalr

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	sr "github.com/philippseith/signalr"

	"github.com/wallboard/wallboard/signalr/classic"
)

// The hub protocols (Config.SignalR).
const (
	// ProtocolAuto tries classic negotiation, then ASP.NET Core.
	ProtocolAuto = "auto"
	// ProtocolClassic is ASP.NET SignalR 2 (Connect 4.x).
	ProtocolClassic = "classic"
	// ProtocolCore is ASP.NET Core SignalR.
	ProtocolCore = "core"
)

// Classic hub defaults.
const (
	DefaultClassicPath = "/webapi/signalr" // the SignalR base path of a classic hub
	DefaultHubName     = "GoldDataHub"     // the classic hub's name
)

// hubLink is one open hub connection of either protocol.
type hubLink interface {
	ID() string
	Protocol() string
	Transport() string
	// Done is closed when the connection has ended for good.
	Done() <-chan struct{}
	Close()
}

// DetectError says that no hub answered where one was looked for.
type DetectError struct {
	Tried []string // "classic ASP.NET SignalR at /webapi/signalr: 404 …"
}

func (e *DetectError) Error() string {
	return "no SignalR hub found (tried " + strings.Join(e.Tried, "; ") +
		"); check --connect-url, or set --connect-signalr and --connect-hub-path"
}

// hubPath is the configured path, or the protocol's default.
func (s *Subscriber) hubPath(protocol string) string {
	if s.cfg.HubPath != "" {
		return s.cfg.HubPath
	}
	if protocol == ProtocolClassic {
		return DefaultClassicPath
	}
	return DefaultHubPath
}

// protocol is the configured or detected protocol; auto until detected.
func (s *Subscriber) protocol() string {
	s.protoMu.Lock()
	defer s.protoMu.Unlock()
	return s.proto
}

func (s *Subscriber) detected(protocol, transport string) {
	s.protoMu.Lock()
	first := s.proto == ProtocolAuto
	s.proto = protocol
	s.protoMu.Unlock()
	if first {
		s.log.Info("connect: hub protocol detected", "signalr", protocol, "path", s.hubPath(protocol), "transport", transport)
	}
}

// notThere reports whether a classic negotiate failed because no classic
// hub is at the path: an answer that is not classic SignalR's, or a 4xx
// other than 401 and 403.
func notThere(err error) bool {
	var ce *classic.StatusError
	if errors.As(err, &ce) {
		return ce.Code >= 400 && ce.Code < 500 && ce.Code != http.StatusUnauthorized && ce.Code != http.StatusForbidden
	}
	return errors.Is(err, classic.ErrNotClassic)
}

// unauthorized reports whether err is a 401 from either protocol's hub.
func unauthorized(err error) bool {
	var se *StatusError
	var ce *classic.StatusError
	return (errors.As(err, &se) && se.Code == http.StatusUnauthorized) ||
		(errors.As(err, &ce) && ce.Code == http.StatusUnauthorized)
}

// dial opens a hub connection with the configured (or detected) protocol,
// renewing the token once after a 401. on receives every invocation in
// order.
// resumed is told when a classic transport is back on the same connection.
func (s *Subscriber) dial(ctx context.Context, on func(target string, args []json.RawMessage), resumed func()) (hubLink, error) {
	for attempt := 0; ; attempt++ {
		tok, err := s.tokens.Token(ctx)
		if err != nil {
			return nil, err
		}
		link, err := s.dialWith(ctx, tok, on, resumed)
		if err != nil && unauthorized(err) && attempt == 0 {
			s.tokens.Rejected(tok, "")
			continue
		}
		return link, err
	}
}

func (s *Subscriber) dialWith(ctx context.Context, tok string, on func(string, []json.RawMessage), resumed func()) (hubLink, error) {
	switch s.protocol() {
	case ProtocolClassic:
		link, err := s.dialClassic(ctx, nil, on, resumed)
		if err != nil {
			return nil, fmt.Errorf("classic hub %s: %w", s.hubPath(ProtocolClassic), err)
		}
		return link, nil
	case ProtocolCore:
		link, err := s.dialCore(ctx, tok, on)
		if err != nil {
			return nil, fmt.Errorf("hub %s: %w", s.hubPath(ProtocolCore), err)
		}
		return link, nil
	}
	// auto: a classic negotiate is one cheap GET; a Core hub answers it
	// with an error or its own shape.
	cpath := s.hubPath(ProtocolClassic)
	neg, cerr := classic.Negotiate(ctx, s.classicOptions(on, resumed))
	if cerr == nil {
		link, err := s.dialClassic(ctx, neg, on, resumed)
		if err != nil {
			return nil, fmt.Errorf("classic hub %s: %w", cpath, err)
		}
		s.detected(ProtocolClassic, link.Transport())
		return link, nil
	}
	if !notThere(cerr) || ctx.Err() != nil {
		// No answer, a refusal or a server error: something is there, or the
		// host is down; Core would not do better.
		return nil, fmt.Errorf("classic hub %s: %w", cpath, cerr)
	}
	s.log.Debug("connect: no classic hub", "path", cpath, "err", cerr)
	link, err := s.dialCore(ctx, tok, on)
	if err == nil {
		s.detected(ProtocolCore, link.Transport())
		return link, nil
	}
	if unauthorized(err) || ctx.Err() != nil {
		return nil, err
	}
	return nil, &DetectError{Tried: []string{
		"classic ASP.NET SignalR at " + cpath + ": " + cerr.Error(),
		"ASP.NET Core SignalR at " + s.hubPath(ProtocolCore) + ": " + err.Error(),
	}}
}

// --- classic ---

func (s *Subscriber) classicOptions(on func(string, []json.RawMessage), resumed func()) classic.Options {
	return classic.Options{
		URL:        s.base.String() + s.hubPath(ProtocolClassic),
		Hub:        s.cfg.HubName,
		HTTPClient: s.hc,
		Token:      s.tokens.Token,
		QueryToken: s.cfg.QueryToken,
		OnMessage:  func(m classic.Message) { on(m.Method, m.Args) },
		OnTransport: func(event string) {
			switch event {
			case "reconnecting":
				s.observe("transport_lost")
			case "reconnected":
				s.observe("transport_resumed")
				if resumed != nil {
					resumed()
				}
			}
		},
		Logger: s.log,
	}
}

func (s *Subscriber) dialClassic(ctx context.Context, neg *classic.Negotiation, on func(string, []json.RawMessage), resumed func()) (hubLink, error) {
	c, err := classic.Open(ctx, s.classicOptions(on, resumed), neg)
	if err != nil {
		return nil, err
	}
	return classicLink{c}, nil
}

type classicLink struct{ *classic.Conn }

func (l classicLink) ID() string       { return l.ConnectionID() }
func (l classicLink) Protocol() string { return ProtocolClassic }

// --- ASP.NET Core ---

// coreLink is an ASP.NET Core hub connection run by philippseith/signalr;
// the gold data is taken from its frames in order (see dialHub).
type coreLink struct {
	conn   *hubConn
	client sr.Client
	cancel context.CancelFunc
	done   chan struct{}
	wg     sync.WaitGroup
}

func (s *Subscriber) dialCore(ctx context.Context, tok string, on func(string, []json.RawMessage)) (hubLink, error) {
	hub := *s.base
	hub.Path += s.hubPath(ProtocolCore)
	conn, err := dialHub(ctx, s.hc, &hub, tok, func(frame []byte) { coreFrame(frame, on) })
	if err != nil {
		return nil, err
	}
	cctx, cancel := context.WithCancel(context.Background())
	opts := []func(sr.Party) error{
		sr.WithConnection(conn),
		sr.WithReceiver(&ignoreReceiver{}),
		sr.Logger(kitLogger{s.log}, false),
		sr.MaximumReceiveMessageSize(maxMessageSize),
	}
	for _, name := range s.cfg.Methods.names() {
		opts = append(opts, sr.WithAlternateMethodName("Ignore", name))
	}
	client, err := sr.NewClient(cctx, opts...)
	if err != nil {
		cancel()
		conn.Close()
		return nil, fmt.Errorf("hub client: %w", err)
	}
	l := &coreLink{conn: conn, client: client, cancel: cancel, done: make(chan struct{})}
	client.Start()
	wctx, wcancel := context.WithTimeout(ctx, 15*time.Second)
	err = <-client.WaitForState(wctx, sr.ClientConnected)
	wcancel()
	if err != nil {
		l.Close()
		return nil, fmt.Errorf("hub handshake: %w", err)
	}
	l.wg.Add(1)
	go func() {
		defer l.wg.Done()
		defer close(l.done)
		<-client.WaitForState(cctx, sr.ClientClosed)
	}()
	return l, nil
}

// coreFrame hands on the invocation in one Core JSON frame.
func coreFrame(frame []byte, on func(string, []json.RawMessage)) {
	var inv invocation
	if json.Unmarshal(frame, &inv) != nil || inv.Type != 1 {
		return
	}
	on(inv.Target, inv.Arguments)
}

func (l *coreLink) ID() string            { return l.conn.ConnectionID() }
func (l *coreLink) Protocol() string      { return ProtocolCore }
func (l *coreLink) Transport() string     { return "webSockets" }
func (l *coreLink) Done() <-chan struct{} { return l.done }

func (l *coreLink) Close() {
	l.conn.Close()
	l.cancel()
	l.client.Stop()
	l.wg.Wait()
}

// onResumed asks the Run loop to move to a new connection.
func (sess *session) onResumed() {
	select {
	case sess.resumed <- struct{}{}:
	default:
	}
}
