package httpserve

import (
	"bufio"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// short are limits a test can outwait; the wallboard uses the defaults.
var short = Options{ReadHeaderTimeout: 300 * time.Millisecond, ReadTimeout: 300 * time.Millisecond, IdleTimeout: 300 * time.Millisecond, ShutdownGrace: time.Second}

// serve runs h with o on loopback until the test ends and returns its address.
func serve(t *testing.T, h http.Handler, o Options) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, ln, h, o) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return ln.Addr().String()
}

// closedByServer reads c until the server closes it; it fails the test if
// the generous bound passes first (the server never closed it).
func closedByServer(t *testing.T, c net.Conn, what string) {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(20 * time.Second))
	_, err := io.Copy(io.Discard, c)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("%s: the server kept the connection open", what)
	}
}

func form(w http.ResponseWriter, r *http.Request) {
	if _, err := io.ReadAll(r.Body); err != nil {
		return
	}
	io.WriteString(w, "ok")
}

func TestDefaults(t *testing.T) {
	hs := New(http.NotFoundHandler(), Options{})
	if hs.ReadHeaderTimeout != 10*time.Second || hs.ReadTimeout != 30*time.Second || hs.IdleTimeout != 120*time.Second {
		t.Fatalf("limits: header %s, read %s, idle %s", hs.ReadHeaderTimeout, hs.ReadTimeout, hs.IdleTimeout)
	}
}

// A body that trickles in is cut off: slow-body connections are not held.
func TestSlowBodyIsCutOff(t *testing.T) {
	addr := serve(t, http.HandlerFunc(form), short)
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	io.WriteString(c, "POST /login HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\nusername=a")
	closedByServer(t, c, "slow body")
}

// Slow headers too (slowloris).
func TestSlowHeadersAreCutOff(t *testing.T) {
	addr := serve(t, http.HandlerFunc(form), short)
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: localhost\r\nX-A: 1\r\n")
	closedByServer(t, c, "slow headers")
}

// An idle keep-alive connection is closed once a request has been served.
func TestIdleKeepAliveCloses(t *testing.T) {
	addr := serve(t, http.HandlerFunc(form), short)
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || string(body) != "ok" || resp.Close {
		t.Fatalf("first request: %s %q close=%v", resp.Status, body, resp.Close)
	}
	c.SetReadDeadline(time.Now().Add(20 * time.Second))
	if _, err := io.Copy(io.Discard, br); errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatal("idle keep-alive: the server kept the connection open")
	}
}

// A websocket outlives the read limits: after the upgrade the connection
// is the handler's. The proof is ordered by signals: the socket opens, then
// a slow-body connection opened after it is cut off (so the socket's own
// request deadline has passed too), and the socket still echoes.
func TestWebsocketOutlivesTheLimits(t *testing.T) {
	addr := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/ws" {
			form(w, r)
			return
		}
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer c.CloseNow()
		for {
			typ, msg, err := c.Read(r.Context())
			if err != nil {
				return
			}
			if err := c.Write(r.Context(), typ, msg); err != nil {
				return
			}
		}
	}), short)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, "ws://"+addr+"/ws", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.CloseNow()
	echo := func(s string) {
		t.Helper()
		if err := ws.Write(ctx, websocket.MessageText, []byte(s)); err != nil {
			t.Fatalf("write %q: %v", s, err)
		}
		_, got, err := ws.Read(ctx)
		if err != nil || string(got) != s {
			t.Fatalf("echo %q: %q, %v", s, got, err)
		}
	}
	echo("first")

	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	io.WriteString(c, "POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 10\r\n\r\na")
	closedByServer(t, c, "slow body beside the websocket")

	echo(strings.Repeat("still here ", 3))
}

// A request that never finishes does not make stopping fail: after the
// grace it is cut and Serve returns nil.
func TestShutdownCutsStuckRequests(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	started, release := make(chan struct{}), make(chan struct{})
	defer close(release)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		<-release
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	o := short
	o.ShutdownGrace = 200 * time.Millisecond
	o.Logger = slog.New(slog.DiscardHandler)
	go func() { done <- Serve(ctx, ln, h, o) }()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	io.WriteString(c, "GET /long HTTP/1.1\r\nHost: localhost\r\n\r\n")
	<-started
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Serve after a stuck request: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Serve did not return")
	}
	closedByServer(t, c, "stuck request after shutdown")
}
