package signalr

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/coder/websocket"
	sr "github.com/philippseith/signalr"
)

// recordSeparator ends every SignalR JSON frame.
const recordSeparator = 0x1e

// maxMessageSize bounds one websocket message from the hub.
const maxMessageSize = 16 << 20

type negotiateResponse struct {
	ConnectionID        string `json:"connectionId"`
	ConnectionToken     string `json:"connectionToken"`
	NegotiateVersion    int    `json:"negotiateVersion"`
	AvailableTransports []struct {
		Transport string `json:"transport"`
	} `json:"availableTransports"`
	Error string `json:"error"`
}

// dialHub negotiates a SignalR connection over WebSockets with a bearer token.
// Every complete frame read from it is passed to onFrame, in order, before the
// SignalR library sees it: the library dispatches invocations on separate
// goroutines, which would reorder diffs.
func dialHub(ctx context.Context, hc *http.Client, hubURL *url.URL, token string, onFrame func([]byte)) (*hubConn, error) {
	neg := *hubURL
	neg.Path = strings.TrimSuffix(neg.Path, "/") + "/negotiate"
	q := neg.Query()
	q.Set("negotiateVersion", "1")
	neg.RawQuery = q.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, neg.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("negotiate: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("negotiate: %w", redactURLError(err))
	}
	defer drain(resp)
	if resp.StatusCode != http.StatusOK {
		return nil, &StatusError{Method: http.MethodPost, Path: neg.Path, Code: resp.StatusCode}
	}
	var nr negotiateResponse
	if err := json.NewDecoder(resp.Body).Decode(&nr); err != nil {
		return nil, fmt.Errorf("negotiate: decode: %w", err)
	}
	if nr.Error != "" {
		return nil, fmt.Errorf("negotiate: %s", nr.Error)
	}
	ws := false
	for _, t := range nr.AvailableTransports {
		ws = ws || strings.EqualFold(t.Transport, "WebSockets")
	}
	if !ws {
		return nil, fmt.Errorf("negotiate: the hub offers no WebSockets transport")
	}
	key := nr.ConnectionID
	if nr.NegotiateVersion >= 1 && nr.ConnectionToken != "" {
		key = nr.ConnectionToken
	}
	wsURL := *hubURL
	q = wsURL.Query()
	q.Set("id", key)
	wsURL.RawQuery = q.Encode()
	switch wsURL.Scheme {
	case "https":
		wsURL.Scheme = "wss"
	default:
		wsURL.Scheme = "ws"
	}
	c, _, err := websocket.Dial(ctx, wsURL.String(), &websocket.DialOptions{
		HTTPClient: hc,
		HTTPHeader: http.Header{"Authorization": {"Bearer " + token}},
	})
	if err != nil {
		return nil, fmt.Errorf("websocket: %w", redactURLError(err))
	}
	c.SetReadLimit(maxMessageSize)
	connCtx, cancel := context.WithCancel(context.Background())
	return &hubConn{ConnectionBase: sr.NewConnectionBase(connCtx, nr.ConnectionID), cancel: cancel, ws: c, onFrame: onFrame}, nil
}

// hubConn is a signalr.Connection over a websocket that tees frames.
type hubConn struct {
	*sr.ConnectionBase
	cancel  context.CancelFunc
	ws      *websocket.Conn
	onFrame func([]byte)

	mu      sync.Mutex
	unread  []byte // read from the websocket, not yet returned to the library
	partial []byte // the start of a frame not yet complete
	mode    sr.TransferMode
}

func (c *hubConn) Read(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for len(c.unread) == 0 {
		c.mu.Unlock()
		_, data, err := c.ws.Read(c.Context())
		c.mu.Lock()
		if err != nil {
			return 0, err
		}
		c.unread = c.tee(c.unread, data)
	}
	n := copy(p, c.unread)
	c.unread = c.unread[n:]
	return n, nil
}

// tee passes every complete frame in data to onFrame and appends to dst the
// frames the SignalR library is to see. Invocations that want no result
// (no invocationId, as hubs push gold data) are the subscriber's alone: the
// library would answer one it has no method for with a completion the hub
// never asked for, and a hub may drop the connection for that.
func (c *hubConn) tee(dst, data []byte) []byte {
	buf := data
	if len(c.partial) > 0 {
		buf = append(c.partial, data...)
		c.partial = nil
	}
	for {
		i := bytes.IndexByte(buf, recordSeparator)
		if i < 0 {
			break
		}
		frame := buf[:i]
		buf = buf[i+1:]
		if len(frame) > 0 && c.onFrame != nil {
			c.onFrame(frame)
		}
		if !pushOnly(frame) {
			dst = append(append(dst, frame...), recordSeparator)
		}
	}
	if len(buf) > 0 {
		c.partial = append([]byte(nil), buf...)
	}
	return dst
}

// pushOnly reports whether frame is an invocation that wants no result.
func pushOnly(frame []byte) bool {
	var m struct {
		Type         int    `json:"type"`
		InvocationID string `json:"invocationId"`
	}
	return json.Unmarshal(frame, &m) == nil && m.Type == 1 && m.InvocationID == ""
}

func (c *hubConn) Write(p []byte) (int, error) {
	typ := websocket.MessageText
	if c.TransferMode() == sr.BinaryTransferMode {
		typ = websocket.MessageBinary
	}
	if err := c.ws.Write(c.Context(), typ, p); err != nil {
		return 0, err
	}
	return len(p), nil
}

// TransferMode implements signalr.ConnectionWithTransferMode.
func (c *hubConn) TransferMode() sr.TransferMode {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.mode
}

// SetTransferMode implements signalr.ConnectionWithTransferMode.
func (c *hubConn) SetTransferMode(m sr.TransferMode) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.mode = m
}

// Close closes the websocket and ends the connection's context.
func (c *hubConn) Close() {
	_ = c.ws.Close(websocket.StatusNormalClosure, "")
	c.cancel()
}

// invocation is a SignalR invocation frame.
type invocation struct {
	Type      int               `json:"type"`
	Target    string            `json:"target"`
	Arguments []json.RawMessage `json:"arguments"`
}
