package classic

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"
)

// maxFrame bounds one frame from the server.
const maxFrame = 16 << 20

// watchdog cancels a stream that has gone quiet for longer than the
// server's keep-alive timeout.
type watchdog struct {
	ka    time.Duration
	timer *time.Timer
	mu    sync.Mutex
	fired bool
}

func newWatchdog(ka time.Duration, cancel context.CancelFunc) *watchdog {
	w := &watchdog{ka: ka}
	if ka > 0 {
		w.timer = time.AfterFunc(ka, func() {
			w.mu.Lock()
			w.fired = true
			w.mu.Unlock()
			cancel()
		})
	}
	return w
}

// pet records that a frame arrived.
func (w *watchdog) pet() {
	if w.timer != nil {
		w.timer.Reset(w.ka)
	}
}

func (w *watchdog) stop() {
	if w.timer != nil {
		w.timer.Stop()
	}
}

// explain turns the error of a cancelled read into a missed keep-alive.
func (w *watchdog) explain(err error) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.fired {
		return fmt.Errorf("no frame or keep-alive for %v", w.ka)
	}
	return err
}

// --- webSockets ---

type wsStream struct {
	ws     *websocket.Conn
	ctx    context.Context
	cancel context.CancelFunc
	wd     *watchdog
}

func (c *Conn) openWebSocket(ctx, runCtx context.Context, u, tok string) (stream, error) {
	wsURL, err := url.Parse(u)
	if err != nil {
		return nil, err
	}
	switch wsURL.Scheme {
	case "https":
		wsURL.Scheme = "wss"
	default:
		wsURL.Scheme = "ws"
	}
	dctx, dcancel := context.WithTimeout(ctx, c.neg.transportConnect())
	defer dcancel()
	ws, resp, err := websocket.Dial(dctx, wsURL.String(), &websocket.DialOptions{HTTPClient: c.c.hc, HTTPHeader: c.c.header(tok)})
	if err != nil {
		if resp != nil && resp.StatusCode >= 400 {
			return nil, &StatusError{Op: "websocket", Code: resp.StatusCode}
		}
		return nil, fmt.Errorf("websocket: %w", redact(err))
	}
	ws.SetReadLimit(maxFrame)
	sctx, cancel := context.WithCancel(runCtx)
	return &wsStream{ws: ws, ctx: sctx, cancel: cancel, wd: newWatchdog(c.neg.keepAlive(), cancel)}, nil
}

func (s *wsStream) next() ([]byte, error) {
	_, b, err := s.ws.Read(s.ctx)
	if err != nil {
		return nil, s.wd.explain(err)
	}
	s.wd.pet()
	return b, nil
}

func (s *wsStream) close() {
	s.wd.stop()
	s.cancel()
	_ = s.ws.CloseNow()
}

// --- serverSentEvents ---

type sseStream struct {
	body   io.ReadCloser
	r      *bufio.Reader
	cancel context.CancelFunc
	wd     *watchdog
	data   bytes.Buffer
}

func (c *Conn) openSSE(ctx, runCtx context.Context, u, tok string) (stream, error) {
	sctx, cancel := context.WithCancel(runCtx)
	// The request lives on runCtx; ctx only bounds the wait for the answer.
	stop := context.AfterFunc(ctx, cancel)
	timer := time.AfterFunc(c.neg.transportConnect(), cancel)
	h := c.c.header(tok)
	h.Set("Accept", "text/event-stream")
	resp, err := c.c.do(sctx, "sse", http.MethodGet, u, nil, h)
	stop()
	timer.Stop()
	if err != nil {
		cancel()
		return nil, err
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/event-stream") {
		drain(resp)
		cancel()
		return nil, fmt.Errorf("content type %q, want text/event-stream", ct)
	}
	return &sseStream{body: resp.Body, r: bufio.NewReaderSize(resp.Body, 64<<10), cancel: cancel, wd: newWatchdog(c.neg.keepAlive(), cancel)}, nil
}

// next returns the data of the next event; "initialized" is skipped.
func (s *sseStream) next() ([]byte, error) {
	for {
		line, err := s.r.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			if s.data.Len()+len(line) > maxFrame {
				return nil, errors.New("event too large")
			}
			s.data.Write(bytes.TrimPrefix(line, []byte("data: ")))
			for errors.Is(err, bufio.ErrBufferFull) {
				line, err = s.r.ReadSlice('\n')
				if s.data.Len()+len(line) > maxFrame {
					return nil, errors.New("event too large")
				}
				s.data.Write(line)
			}
			s.data.Truncate(len(bytes.TrimRight(s.data.Bytes(), "\r\n")))
			if err != nil {
				return nil, s.wd.explain(err)
			}
			continue
		}
		if err != nil {
			if errors.Is(err, io.EOF) {
				err = errors.New("event stream ended")
			}
			return nil, s.wd.explain(err)
		}
		s.wd.pet()
		line = bytes.TrimRight(line, "\r\n")
		switch {
		case len(line) == 0:
			if s.data.Len() == 0 {
				continue
			}
			out := bytes.Clone(s.data.Bytes())
			s.data.Reset()
			if string(out) == "initialized" {
				continue
			}
			return out, nil
		case bytes.HasPrefix(line, []byte("data:")):
			if s.data.Len() > 0 {
				s.data.WriteByte('\n')
			}
			v := bytes.TrimPrefix(line, []byte("data:"))
			s.data.Write(bytes.TrimPrefix(v, []byte(" ")))
		default:
			// id:, event:, retry: and comments carry nothing for us.
		}
	}
}

func (s *sseStream) close() {
	s.wd.stop()
	s.cancel()
	_ = s.body.Close()
}

// --- longPolling ---

type lpStream struct {
	c       *Conn
	ctx     context.Context
	cancel  context.CancelFunc
	pending []byte // an answer not yet returned
}

// openLongPoll sends connect (answered with the init frame at once) or
// reconnect (answered like a poll).
func (c *Conn) openLongPoll(ctx, runCtx context.Context, op string, reconnect bool) (stream, error) {
	sctx, cancel := context.WithCancel(runCtx)
	stop := context.AfterFunc(ctx, cancel)
	s := &lpStream{c: c, ctx: sctx, cancel: cancel}
	b, err := s.request(op, reconnect)
	stop()
	if err != nil {
		cancel()
		return nil, err
	}
	s.pending = b
	return s, nil
}

// request POSTs op with the message id and groups token in the form body,
// as the classic clients do.
func (s *lpStream) request(op string, withCursor bool) ([]byte, error) {
	c := s.c
	tok, err := c.c.token(s.ctx)
	if err != nil {
		return nil, err
	}
	q := url.Values{}
	q.Set("transport", LongPolling)
	q.Set("connectionToken", c.neg.ConnectionToken)
	form := url.Values{}
	if withCursor {
		if c.messageID != "" {
			form.Set("messageId", c.messageID)
		}
		if c.groupsToken != "" {
			form.Set("groupsToken", c.groupsToken)
		}
	}
	ctx, cancel := context.WithTimeout(s.ctx, c.neg.connTimeout()+10*time.Second)
	defer cancel()
	h := c.c.header(tok)
	h.Set("Content-Type", "application/x-www-form-urlencoded; charset=UTF-8")
	resp, err := c.c.do(ctx, op, http.MethodPost, c.c.url(op, q, tok), strings.NewReader(form.Encode()), h)
	if err != nil {
		return nil, err
	}
	defer drain(resp)
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxFrame+1))
	if err != nil {
		return nil, fmt.Errorf("%s: read: %w", op, redact(err))
	}
	if len(b) > maxFrame {
		return nil, fmt.Errorf("%s: answer too large", op)
	}
	return b, nil
}

func (s *lpStream) next() ([]byte, error) {
	if s.pending != nil {
		b := s.pending
		s.pending = nil
		return b, nil
	}
	// The server's LongPollDelay between an answer and the next poll, as
	// the classic clients wait it.
	if d := s.c.neg.longPollDelay(); d > 0 {
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-s.ctx.Done():
			t.Stop()
			return nil, s.ctx.Err()
		}
	}
	return s.request("poll", true)
}

func (s *lpStream) close() { s.cancel() }
