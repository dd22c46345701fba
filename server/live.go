package server

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"math"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
	"github.com/labstack/echo/v4"
	"golang.org/x/time/rate"

	"github.com/wallboard/wallboard/present"
	"github.com/wallboard/wallboard/views"
)

// Websocket buffers per screen. Browsers send only pongs, close frames and
// "full"; the library writes only its answers to control frames (the hub
// writes messages straight to the connection).
const (
	readBufferSize  = 256
	writeBufferSize = 256
	readLimit       = 64
)

// fullRequest is what a browser sends when it missed a message (its
// sequence has a gap): the server answers with the full render.
const fullRequest = "full"

// handleWS streams a board's wall.
func (s *Server) handleWS(c echo.Context) error {
	return s.serveLive(c, c.Param("id"), viewWall)
}

// serveLive is the body of a websocket handler for view of board boardID:
// it waits for its turn (Options.AcceptRate; 503 with Retry-After when the
// wait would pass MaxAcceptWait), upgrades the request, queues the current
// full render and returns. From then on one goroutine per screen reads what
// the browser sends (pongs, "full") and the hub's shared writers send every
// update. An unknown board or view is a 404 before the upgrade. Mount it
// with router.live so the request carries the page's credentials and an
// allowed Origin.
func (s *Server) serveLive(c echo.Context, boardID, view string) error {
	render := s.views[view]
	if _, ok := s.lookup(boardID); !ok || render == nil {
		return echo.NewHTTPError(http.StatusNotFound, "no such board")
	}
	if err := s.acceptTurn(c.Request().Context()); err != nil {
		c.Response().Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(s.o.MaxAcceptWait.Seconds()/3))))
		return echo.NewHTTPError(http.StatusServiceUnavailable, "too many screens connecting; retry shortly")
	}
	pong := new(atomic.Int64)
	opts := &websocket.AcceptOptions{
		CompressionMode: websocket.CompressionDisabled,
		OnPongReceived:  func(context.Context, []byte) { pong.Store(time.Now().UnixNano()) },
	}
	if s.o.Guard != nil {
		opts.OriginPatterns = s.o.Guard.WebsocketOriginPatterns(boardID, strings.HasPrefix(view, "embed:"))
	}
	w := &smallBuffers{Response: c.Response()}
	conn, err := websocket.Accept(w, c.Request(), opts)
	if err != nil {
		return nil // Accept has answered the request
	}
	conn.SetReadLimit(readLimit)

	k := viewKey{boardID, view}
	cl, rendered := s.hub.join(k, conn, w.nc, pong, s.o.Now())
	if cl == nil {
		conn.Close(websocket.StatusServiceRestart, "server restarting")
		return nil
	}
	if !rendered {
		// Nobody watched this view of the board: render it now. Run keeps it
		// current from here on.
		// Not the request's context: it ends with the upgrade.
		ctx := context.WithoutCancel(c.Request().Context())
		if def, mb, storeDown, ok := s.boardData(ctx, boardID); ok {
			if frag, err := render(ctx, s.present(ctx, &def, mb, storeDown)); err == nil {
				s.hub.publish(k, frag, mb.GeneratedAt, s.o.Version, def.Fingerprint(), true)
			} else {
				s.log.Error("render view", "board", boardID, "view", view, "err", err)
			}
		}
	}
	// The request's goroutine (and its stack) ends here; one small one
	// reads the screen's messages until it leaves.
	go s.read(cl)
	return nil
}

// read reads what a screen sends until its connection ends, then makes it
// leave the hub. Reading also answers pings and receives pongs.
func (s *Server) read(c *client) {
	defer s.hub.leave(c)
	defer c.conn.CloseNow()
	for {
		typ, msg, err := c.conn.Read(context.Background())
		if err != nil {
			return
		}
		if typ == websocket.MessageText && string(msg) == fullRequest {
			s.hub.requestFull(c)
		}
	}
}

// acceptTurn waits for the next free place of the accept rate; an error
// when that is further off than MaxAcceptWait or ctx ends first.
func (s *Server) acceptTurn(ctx context.Context) error {
	if s.accept == nil {
		return nil
	}
	r := s.accept.Reserve()
	d := r.Delay()
	if !r.OK() || d > s.o.MaxAcceptWait {
		r.Cancel()
		return errTooBusy
	}
	if d == 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		r.Cancel()
		return ctx.Err()
	}
}

var errTooBusy = &echo.HTTPError{Code: http.StatusServiceUnavailable, Message: "too busy"}

// newAcceptLimiter is the accept rate's limiter; nil for no limit.
func newAcceptLimiter(perSecond float64) *rate.Limiter {
	if perSecond <= 0 {
		return nil
	}
	return rate.NewLimiter(rate.Limit(perSecond), max(1, int(perSecond/20)))
}

// smallBuffers gives the websocket library buffers sized for what a screen
// exchanges instead of the HTTP server's 4 KB each way, and keeps the
// network connection for the hub's writes.
type smallBuffers struct {
	*echo.Response
	nc net.Conn
}

func (w *smallBuffers) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	nc, brw, err := http.NewResponseController(w.Response).Hijack()
	if err != nil {
		return nil, nil, err
	}
	w.nc = nc
	var r io.Reader = nc
	if n := brw.Reader.Buffered(); n > 0 {
		b, _ := brw.Reader.Peek(n)
		r = io.MultiReader(bytes.NewReader(bytes.Clone(b)), nc)
	}
	return nc, bufio.NewReadWriter(bufio.NewReaderSize(r, readBufferSize), bufio.NewWriterSize(nc, writeBufferSize)), nil
}

// renderWall is the wall's viewRenderer.
func (s *Server) renderWall(ctx context.Context, p *present.Board) ([]byte, error) {
	w := p.Wall(s.o.Demo)
	var buf bytes.Buffer
	buf.Grow(16 << 10)
	if err := views.WallView(w, true).Render(ctx, &buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
