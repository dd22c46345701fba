// Package classic is a client of classic ASP.NET SignalR 2 hubs (client
// protocol 1.5; servers answering 1.2 to 2.1 are accepted), the realtime side
// of Clarity Connect 4.x.
//
// Dial negotiates ({base}/negotiate), opens a transport (webSockets, then
// serverSentEvents, then longPolling; websockets are skipped when the server
// says TryWebSockets false or the upgrade fails), waits for the init frame
// {"S":1} and calls {base}/start. Hub invocations ({"C":cursor,"M":[{"H","M","A"}]})
// are handed to Options.OnMessage one at a time, in the order the server sent
// them, from the connection's single reader goroutine.
//
// The connection keeps the last message id (C) and groups token (G). When the
// transport drops — an error, a closed stream, or no frame (keep-alive {}
// included) for the server's KeepAliveTimeout — it reconnects
// ({base}/reconnect) with them within the server's DisconnectTimeout, so the
// server replays what was missed. When the server no longer knows the
// connection (a 4xx to reconnect, an error frame) or the window passes, the
// connection ends with ErrGone: the caller negotiates again and subscribes
// anew. Close aborts the connection on the server ({base}/abort).
//
// The bearer token goes in the Authorization header of every request, and,
// with Options.QueryToken, also as access_token in the query. It never
// reaches a log line or an error.
package classic

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// requestTimeout bounds negotiate, start and abort.
const requestTimeout = 20 * time.Second

// ClientProtocol is the protocol version the client asks for.
const ClientProtocol = "1.5"

// Transport names, as the protocol spells them.
const (
	WebSockets       = "webSockets"
	ServerSentEvents = "serverSentEvents"
	LongPolling      = "longPolling"
)

// DefaultTransports is the order transports are tried in.
var DefaultTransports = []string{WebSockets, ServerSentEvents, LongPolling}

// ErrGone means the server no longer knows the connection (it restarted,
// timed the connection out or refused to resume it): negotiate again.
var ErrGone = errors.New("the hub no longer knows the connection")

// ErrNotClassic means the negotiate answer was not a classic SignalR one
// (for instance an ASP.NET Core hub's).
var ErrNotClassic = errors.New("not a classic ASP.NET SignalR hub")

// StatusError is a non-2xx answer to one of the client's requests.
type StatusError struct {
	Op   string // negotiate, connect, reconnect, start, poll, abort
	Code int
}

func (e *StatusError) Error() string { return fmt.Sprintf("%s: HTTP %d", e.Op, e.Code) }

// Options configure a connection.
type Options struct {
	// URL is the SignalR base, e.g. https://host/webapi/signalr.
	URL string
	// Hub is the hub's name; servers match it case-insensitively.
	Hub string
	// HTTPClient makes every request (its transport, jar and redirect
	// policy are used; its Timeout is not: streams and long polls are
	// bounded by contexts and the server's timeouts instead).
	HTTPClient *http.Client
	// Token returns the bearer token for a request; nil: no token.
	Token func(context.Context) (string, error)
	// QueryToken also sends the token as access_token in the query.
	QueryToken bool
	// Transports to try, in order; default DefaultTransports.
	Transports []string
	// OnMessage receives every hub invocation, in order, from one goroutine.
	OnMessage func(Message)
	// OnTransport, when set, is told when the transport drops ("reconnecting")
	// and is back ("reconnected").
	OnTransport func(event string)
	Logger      *slog.Logger
}

// Message is one hub invocation of a client method.
type Message struct {
	Hub    string            `json:"H"`
	Method string            `json:"M"`
	Args   []json.RawMessage `json:"A"`
}

// Negotiation is the server's negotiate answer.
type Negotiation struct {
	URL                     string   `json:"Url"`
	ConnectionToken         string   `json:"ConnectionToken"`
	ConnectionID            string   `json:"ConnectionId"`
	KeepAliveTimeout        *float64 `json:"KeepAliveTimeout"` // seconds; null: no keep-alive
	DisconnectTimeout       float64  `json:"DisconnectTimeout"`
	ConnectionTimeout       float64  `json:"ConnectionTimeout"`
	TryWebSockets           bool     `json:"TryWebSockets"`
	ProtocolVersion         string   `json:"ProtocolVersion"`
	TransportConnectTimeout float64  `json:"TransportConnectTimeout"`
	LongPollDelay           float64  `json:"LongPollDelay"`
}

func seconds(f float64, def time.Duration) time.Duration {
	if f <= 0 || f > 24*3600 {
		return def
	}
	return time.Duration(f * float64(time.Second))
}

// keepAlive is how long the client waits for any frame before it counts the
// transport as dropped; 0: not watched.
func (n *Negotiation) keepAlive() time.Duration {
	if n.KeepAliveTimeout == nil || *n.KeepAliveTimeout <= 0 {
		return 0
	}
	return seconds(*n.KeepAliveTimeout, 0)
}

func (n *Negotiation) disconnect() time.Duration { return seconds(n.DisconnectTimeout, 30*time.Second) }
func (n *Negotiation) connTimeout() time.Duration {
	return seconds(n.ConnectionTimeout, 110*time.Second)
}

// longPollDelay is how long longPolling waits after an answer before it
// polls again, as the server asks (at most 30 s).
func (n *Negotiation) longPollDelay() time.Duration {
	return min(seconds(n.LongPollDelay, 0), 30*time.Second)
}

func (n *Negotiation) transportConnect() time.Duration {
	return seconds(n.TransportConnectTimeout, 5*time.Second) + 5*time.Second
}

// supported reports whether the client speaks the server's protocol version.
func supported(v string) bool {
	switch v {
	case "1.2", "1.3", "1.4", "1.5", "2.0", "2.1":
		return true
	}
	return false
}

// client is what Negotiate and Dial share.
type client struct {
	o    Options
	base *url.URL
	hc   *http.Client
	data string // connectionData
	log  *slog.Logger
}

func newClient(o Options) (*client, error) {
	base, err := url.Parse(strings.TrimSuffix(strings.TrimSpace(o.URL), "/"))
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, errors.New("classic signalr: base URL: want http(s)://host/path")
	}
	base.RawQuery, base.Fragment, base.User = "", "", nil
	if o.Hub == "" {
		return nil, errors.New("classic signalr: no hub name")
	}
	// Streams and long polls outlive any client timeout; every request is
	// bounded by a context instead.
	hc := &http.Client{}
	if o.HTTPClient != nil {
		cp := *o.HTTPClient
		cp.Timeout = 0
		hc = &cp
	}
	if len(o.Transports) == 0 {
		o.Transports = DefaultTransports
	}
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	data, _ := json.Marshal([]map[string]string{{"name": strings.ToLower(o.Hub)}})
	return &client{o: o, base: base, hc: hc, data: string(data), log: log}, nil
}

func (c *client) token(ctx context.Context) (string, error) {
	if c.o.Token == nil {
		return "", nil
	}
	tok, err := c.o.Token(ctx)
	if err != nil {
		return "", fmt.Errorf("token: %w", err)
	}
	return tok, nil
}

// url builds {base}/{op}?… with the usual parameters; token "" adds none.
func (c *client) url(op string, q url.Values, tok string) string {
	u := *c.base
	u.Path = c.base.Path + "/" + op
	if q == nil {
		q = url.Values{}
	}
	q.Set("clientProtocol", ClientProtocol)
	q.Set("connectionData", c.data)
	if c.o.QueryToken && tok != "" {
		q.Set("access_token", tok)
	}
	u.RawQuery = q.Encode()
	return u.String()
}

func (c *client) header(tok string) http.Header {
	h := http.Header{}
	if tok != "" {
		h.Set("Authorization", "Bearer "+tok)
	}
	return h
}

// do sends a request and returns the response of a 2xx answer.
func (c *client) do(ctx context.Context, op, method, u string, body io.Reader, h http.Header) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	for k, v := range h {
		req.Header[k] = v
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, redact(err))
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		drain(resp)
		return nil, &StatusError{Op: op, Code: resp.StatusCode}
	}
	return resp, nil
}

// getJSON sends a request and decodes its JSON answer.
func (c *client) getJSON(ctx context.Context, op, method, u, tok string, out any) error {
	ctx, cancel := context.WithTimeout(ctx, requestTimeout)
	defer cancel()
	resp, err := c.do(ctx, op, method, u, nil, c.header(tok))
	if err != nil {
		return err
	}
	defer drain(resp)
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(out); err != nil {
		return fmt.Errorf("%s: decode: %w", op, err)
	}
	return nil
}

// Negotiate asks the server at o.URL for a connection. An answer that is
// not classic SignalR's wraps ErrNotClassic.
func Negotiate(ctx context.Context, o Options) (*Negotiation, error) {
	c, err := newClient(o)
	if err != nil {
		return nil, err
	}
	return c.negotiate(ctx)
}

func (c *client) negotiate(ctx context.Context) (*Negotiation, error) {
	tok, err := c.token(ctx)
	if err != nil {
		return nil, err
	}
	var raw map[string]json.RawMessage
	if err := c.getJSON(ctx, "negotiate", http.MethodGet, c.url("negotiate", nil, tok), tok, &raw); err != nil {
		var se *StatusError
		if !errors.As(err, &se) && !isNetErr(ctx, err) {
			return nil, fmt.Errorf("%w: %w", ErrNotClassic, err)
		}
		return nil, err
	}
	if _, core := raw["availableTransports"]; core {
		return nil, fmt.Errorf("negotiate: %w (it answers as an ASP.NET Core SignalR hub)", ErrNotClassic)
	}
	b, _ := json.Marshal(raw)
	var n Negotiation
	if err := json.Unmarshal(b, &n); err != nil || n.ConnectionToken == "" || n.ProtocolVersion == "" {
		return nil, fmt.Errorf("negotiate: %w (no ConnectionToken or ProtocolVersion)", ErrNotClassic)
	}
	if !supported(n.ProtocolVersion) {
		return nil, fmt.Errorf("negotiate: server protocol %q is not one of 1.2–2.1", n.ProtocolVersion)
	}
	return &n, nil
}

// isNetErr tells transport failures (no answer) from answers.
func isNetErr(ctx context.Context, err error) bool {
	if ctx.Err() != nil {
		return true
	}
	var ne *netError
	return errors.As(err, &ne)
}

// netError is a request that got no answer. Its URL, which may carry
// access_token, is left out.
type netError struct{ err error }

func (e *netError) Error() string { return "no answer: " + e.err.Error() }
func (e *netError) Unwrap() error { return e.err }

// redact turns a *url.Error into a netError without the URL.
func redact(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return &netError{ue.Err}
	}
	return err
}

func drain(resp *http.Response) {
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	_ = resp.Body.Close()
}

// Conn is one classic SignalR connection.
type Conn struct {
	c         *client
	neg       *Negotiation
	transport string

	// Read and written only by the reader goroutine once Dial returned.
	messageID   string
	groupsToken string

	cancel context.CancelFunc
	done   chan struct{}
	err    error // set before done closes
	once   sync.Once
}

// Dial negotiates and opens a connection, trying o.Transports in order.
func Dial(ctx context.Context, o Options) (*Conn, error) { return Open(ctx, o, nil) }

// Open opens a connection with a negotiation Negotiate returned (nil:
// negotiate now), trying o.Transports in order.
func Open(ctx context.Context, o Options, neg *Negotiation) (*Conn, error) {
	c, err := newClient(o)
	if err != nil {
		return nil, err
	}
	if neg == nil {
		if neg, err = c.negotiate(ctx); err != nil {
			return nil, err
		}
	}
	runCtx, cancel := context.WithCancel(context.Background())
	conn := &Conn{c: c, neg: neg, cancel: cancel, done: make(chan struct{})}
	var st stream
	var tried []string
	for _, t := range c.o.Transports {
		if t == WebSockets && !neg.TryWebSockets {
			tried = append(tried, t+" (server: TryWebSockets false)")
			continue
		}
		st, err = conn.open(ctx, runCtx, t, false)
		if err == nil {
			conn.transport = t
			break
		}
		if ctx.Err() != nil {
			cancel()
			return nil, ctx.Err()
		}
		c.log.Debug("classic signalr: transport failed", "transport", t, "err", err)
		tried = append(tried, t+" ("+err.Error()+")")
	}
	if st == nil {
		cancel()
		return nil, fmt.Errorf("no transport connected: %s", strings.Join(tried, "; "))
	}
	go conn.run(runCtx, st)
	tok, err := c.token(ctx)
	if err == nil {
		var res struct{ Response string }
		err = c.getJSON(ctx, "start", http.MethodGet, c.url("start", conn.query(), tok), tok, &res)
		if err == nil && res.Response != "started" {
			err = fmt.Errorf("start: answer %q, want \"started\"", res.Response)
		}
	}
	if err != nil {
		conn.Close()
		return nil, err
	}
	return conn, nil
}

// ConnectionID is the server's id of the connection.
func (c *Conn) ConnectionID() string { return c.neg.ConnectionID }

// Transport is the transport in use.
func (c *Conn) Transport() string { return c.transport }

// ProtocolVersion is the server's protocol version.
func (c *Conn) ProtocolVersion() string { return c.neg.ProtocolVersion }

// Done is closed when the connection has ended: closed, or gone (Err).
func (c *Conn) Done() <-chan struct{} { return c.done }

// Err is why the connection ended, after Done is closed; nil after Close.
func (c *Conn) Err() error {
	select {
	case <-c.done:
		return c.err
	default:
		return nil
	}
}

// Close ends the connection and aborts it on the server.
func (c *Conn) Close() {
	c.once.Do(func() {
		c.cancel()
		<-c.done
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		tok, err := c.c.token(ctx)
		if err != nil {
			return
		}
		resp, err := c.c.do(ctx, "abort", http.MethodPost, c.c.url("abort", c.query(), tok), nil, c.c.header(tok))
		if err == nil {
			drain(resp)
		}
	})
}

// query is the connection's transport and token parameters.
func (c *Conn) query() url.Values {
	q := url.Values{}
	q.Set("transport", c.transport)
	q.Set("connectionToken", c.neg.ConnectionToken)
	return q
}

// stream is an open transport: it yields raw frames.
type stream interface {
	// next returns the next frame; any error means the transport dropped.
	next() ([]byte, error)
	close()
}

// run reads frames until the connection ends; it is the only goroutine that
// hands messages on.
func (c *Conn) run(ctx context.Context, st stream) {
	defer close(c.done)
	for {
		frame, err := st.next()
		if err == nil {
			if err = c.handle(frame); err == nil {
				continue
			}
		}
		st.close()
		if ctx.Err() != nil {
			return
		}
		if errors.Is(err, ErrGone) {
			c.err = err
			return
		}
		c.c.log.Info("classic signalr: transport dropped; reconnecting", "transport", c.transport, "connection", c.neg.ConnectionID, "err", err)
		c.event("reconnecting")
		st, err = c.reconnect(ctx)
		if err != nil {
			if ctx.Err() == nil {
				c.err = err
			}
			return
		}
		c.c.log.Info("classic signalr: reconnected", "transport", c.transport, "connection", c.neg.ConnectionID)
		c.event("reconnected")
	}
}

func (c *Conn) event(e string) {
	if c.c.o.OnTransport != nil {
		c.c.o.OnTransport(e)
	}
}

// reconnect reopens the transport with the last message id until the
// server's disconnect window has passed.
func (c *Conn) reconnect(ctx context.Context) (stream, error) {
	deadline := time.Now().Add(c.neg.disconnect())
	wait := 200 * time.Millisecond
	for {
		st, err := c.open(ctx, ctx, c.transport, true)
		if err == nil {
			return st, nil
		}
		var se *StatusError
		if errors.As(err, &se) && se.Code >= 400 && se.Code < 500 {
			return nil, fmt.Errorf("%w (%v)", ErrGone, err)
		}
		if errors.Is(err, ErrGone) {
			return nil, err
		}
		if time.Now().Add(wait).After(deadline) {
			return nil, fmt.Errorf("%w: no reconnect within the disconnect timeout (%v)", ErrGone, err)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-t.C:
		}
		wait = min(2*wait, 2*time.Second)
	}
}

// frame is a persistent response.
type frame struct {
	C json.RawMessage   `json:"C"` // usually a string
	M []json.RawMessage `json:"M"`
	S json.RawMessage   `json:"S"`
	T json.RawMessage   `json:"T"`
	G *string           `json:"G"`
	E *string           `json:"E"`
	I json.RawMessage   `json:"I"`
	L json.RawMessage   `json:"L"`
}

// errReconnect is a server's request to reconnect the transport (T).
var errReconnect = errors.New("server asked to reconnect")

// parseFrame decodes one persistent response; empty and {} are keep-alives.
func parseFrame(b []byte) (frame, error) {
	var f frame
	if len(strings.TrimSpace(string(b))) == 0 {
		return f, nil
	}
	if err := json.Unmarshal(b, &f); err != nil {
		return f, fmt.Errorf("frame: %w", err)
	}
	return f, nil
}

func cursor(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var n json.Number
	if json.Unmarshal(raw, &n) == nil {
		return n.String()
	}
	return ""
}

// handle processes one frame: cursor, groups token, messages in order.
func (c *Conn) handle(b []byte) error {
	f, err := parseFrame(b)
	if err != nil {
		c.c.log.Warn("classic signalr: skipped an unreadable frame", "connection", c.neg.ConnectionID, "err", err, "bytes", len(b))
		return nil
	}
	c.apply(f)
	if f.E != nil {
		return fmt.Errorf("%w: server error %q", ErrGone, *f.E)
	}
	if len(f.T) > 0 && string(f.T) != "null" && string(f.T) != "0" {
		return errReconnect
	}
	return nil
}

// apply takes the frame's cursor and groups token and delivers its messages.
func (c *Conn) apply(f frame) {
	if len(f.I) > 0 {
		return // the answer to a client invocation
	}
	if id := cursor(f.C); id != "" {
		c.messageID = id
	}
	if f.G != nil && *f.G != "" {
		c.groupsToken = *f.G
	}
	for _, raw := range f.M {
		var m Message
		if err := json.Unmarshal(raw, &m); err != nil || m.Method == "" {
			c.c.log.Warn("classic signalr: skipped a message that is not a hub invocation", "connection", c.neg.ConnectionID, "bytes", len(raw))
			continue
		}
		if m.Hub != "" && !strings.EqualFold(m.Hub, c.c.o.Hub) {
			continue
		}
		if c.c.o.OnMessage != nil {
			c.c.o.OnMessage(m)
		}
	}
}

// open starts transport t: connect (awaiting the init frame) or reconnect.
// Frames read while connecting are handled. The stream lives on runCtx.
func (c *Conn) open(ctx, runCtx context.Context, t string, reconnect bool) (stream, error) {
	tok, err := c.c.token(ctx)
	if err != nil {
		return nil, err
	}
	q := url.Values{}
	q.Set("transport", t)
	q.Set("connectionToken", c.neg.ConnectionToken)
	op := "connect"
	if reconnect {
		op = "reconnect"
		if t != LongPolling {
			if c.messageID != "" {
				q.Set("messageId", c.messageID)
			}
			if c.groupsToken != "" {
				q.Set("groupsToken", c.groupsToken)
			}
		}
	}
	if t != LongPolling {
		q.Set("tid", strconv.Itoa(int(time.Now().UnixNano()%11)))
	}
	u := c.c.url(op, q, tok)
	var st stream
	switch t {
	case WebSockets:
		st, err = c.openWebSocket(ctx, runCtx, u, tok)
	case ServerSentEvents:
		st, err = c.openSSE(ctx, runCtx, u, tok)
	case LongPolling:
		st, err = c.openLongPoll(ctx, runCtx, op, reconnect)
	default:
		return nil, fmt.Errorf("unknown transport %q", t)
	}
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", op, t, err)
	}
	if reconnect {
		return st, nil
	}
	// Wait for the init frame; the server may put messages beside it.
	initDone := make(chan error, 1)
	go func() {
		for {
			b, err := st.next()
			if err != nil {
				initDone <- err
				return
			}
			f, err := parseFrame(b)
			if err != nil {
				continue
			}
			c.apply(f)
			if len(f.S) > 0 && string(f.S) != "null" {
				initDone <- nil
				return
			}
		}
	}()
	timer := time.NewTimer(c.neg.transportConnect())
	defer timer.Stop()
	select {
	case err = <-initDone:
		if err == nil {
			return st, nil
		}
		st.close()
	case <-timer.C:
		err = errors.New("no init frame in time")
		st.close()
		<-initDone // the reader ends before another transport is tried
	case <-ctx.Done():
		err = ctx.Err()
		st.close()
		<-initDone
	}
	return nil, fmt.Errorf("%s %s: %w", op, t, err)
}
