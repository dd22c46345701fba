// Command fanout measures how the wallboard serves many screens: it starts
// the demo (real speed, its own process), opens N websocket screens on one
// board and reports, over a measuring window:
//
//   - screens connected (and still connected at the end),
//   - the delivery spread of each update: for every message, how long after
//     the first screen to get it each other screen got it (p50, p99),
//   - bytes each screen received per second,
//   - the server's resident memory per screen (RSS with the screens minus
//     RSS before them, divided by N) and its CPU use.
//
// The screens behave like wallboard.js: they answer pings, follow the
// sequence numbers and send "full" on a gap. They are a small client of
// their own (one goroutine and a 4 KB buffer each), so that the load
// generator, on the same machine, takes as little as it can.
//
//	go run ./cmd/fanout -n 1000 -duration 60s
//	make bench-fanout N=5000 DURATION=60s
//
// Opening more screens than the open-files limit allows fails: fanout
// raises its own soft limit to the hard one (and the demo inherits it);
// raise the hard limit (ulimit -Hn) for more.
package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/wallboard/wallboard/internal/demo"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "fanout:", err)
		os.Exit(1)
	}
}

type options struct {
	n        int
	duration time.Duration
	settle   time.Duration
	path     string
	url      string
	pid      int
	speed    float64
	dialers  int
}

func run() error {
	var o options
	flag.IntVar(&o.n, "n", 1000, "screens to open")
	flag.DurationVar(&o.duration, "duration", 60*time.Second, "measuring window, after every screen is connected")
	flag.DurationVar(&o.settle, "settle", 5*time.Second, "wait this long after the last screen connected before measuring")
	flag.StringVar(&o.path, "path", "/boards/all/ws", "websocket path of the view to watch")
	flag.StringVar(&o.url, "url", "", "a running wallboard (http://host:port) instead of starting the demo")
	flag.IntVar(&o.pid, "pid", 0, "with -url: the server's process id, for its memory and CPU")
	flag.Float64Var(&o.speed, "speed", 1, "demo simulator speed (1: real time)")
	flag.IntVar(&o.dialers, "dialers", 64, "screens connecting at once")
	flag.Parse()

	raiseFileLimit()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()

	if o.url == "" {
		d, err := demo.Start(ctx, o.speed)
		if err != nil {
			return err
		}
		defer d.Stop()
		o.url, o.pid = d.URL, d.Pid
		// Let the demo's sources deliver before the baseline.
		time.Sleep(5 * time.Second)
	}
	addr := strings.TrimPrefix(strings.TrimPrefix(o.url, "http://"), "https://")
	baseRSS := rss(o.pid)

	// Connect every screen.
	screens := make([]*screen, o.n)
	var busy, failed atomic.Int64
	began := time.Now()
	next := make(chan int)
	var wg sync.WaitGroup
	for range o.dialers {
		wg.Go(func() {
			for i := range next {
				for attempt := 0; ; attempt++ {
					s, retry, err := dial(addr, o.path)
					if err == nil {
						screens[i] = s
						go s.read()
						break
					}
					if retry > 0 && attempt < 20 && ctx.Err() == nil {
						busy.Add(1)
						time.Sleep(retry/2 + time.Duration(float64(retry)*randFloat()))
						continue
					}
					failed.Add(1)
					fmt.Fprintf(os.Stderr, "screen %d: %v\n", i, err)
					break
				}
			}
		})
	}
	for i := range o.n {
		next <- i
	}
	close(next)
	wg.Wait()
	connectTime := time.Since(began)
	var open []*screen
	for _, s := range screens {
		if s != nil {
			open = append(open, s)
		}
	}
	fmt.Printf("connected %d/%d screens in %v (503 answers %d, failures %d)\n", len(open), o.n, connectTime.Round(10*time.Millisecond), busy.Load(), failed.Load())
	if len(open) == 0 {
		return errors.New("no screen connected")
	}

	select {
	case <-time.After(o.settle):
	case <-ctx.Done():
		return ctx.Err()
	}
	// Measure.
	for _, s := range open {
		s.startWindow()
	}
	cpu0, self0, t0 := cpuTicks(o.pid), selfCPU(), time.Now()
	select {
	case <-time.After(o.duration):
	case <-ctx.Done():
	}
	window := time.Since(t0)
	cpu1, self1 := cpuTicks(o.pid), selfCPU()
	endRSS := rss(o.pid)
	for _, s := range open {
		s.stopWindow()
	}

	var bytes, msgs, patches, gaps int64
	stillOpen := 0
	updates := map[uint64][]int64{} // seq → receive times (Unix ns) in the window
	var latency []float64           // ms from the server's clock tag to the receipt
	for _, s := range open {
		s.mu.Lock()
		bytes += s.wBytes
		msgs += s.wMsgs
		patches += s.wPatches
		gaps += s.gaps
		if !s.closed {
			stillOpen++
		}
		for _, r := range s.recs {
			updates[r.seq] = append(updates[r.seq], r.at)
			latency = append(latency, float64(r.at-r.now*1e6)/1e6)
		}
		s.mu.Unlock()
	}
	var spread []float64
	for _, times := range updates {
		first := slices.Min(times)
		for _, t := range times {
			spread = append(spread, float64(t-first)/1e6)
		}
	}
	secs := window.Seconds()
	fmt.Printf("machine   %d CPUs (%s), Go %s; load generator on the same machine\n", runtime.NumCPU(), cpuModel(), runtime.Version())
	fmt.Printf("window    %v on %s, %d updates (%.2f/s per screen), %.0f%% patches, %d gaps healed\n",
		window.Round(time.Second), o.path, len(updates), float64(msgs)/float64(len(open))/secs, 100*float64(patches)/math.Max(1, float64(msgs)), gaps)
	fmt.Printf("screens   %d connected, %d still connected at the end\n", len(open), stillOpen)
	fmt.Printf("spread    p50 %.0f ms, p99 %.0f ms (from the first screen to get an update to each other)\n", pct(spread, 50), pct(spread, 99))
	fmt.Printf("latency   p50 %.0f ms, p99 %.0f ms (from the server's clock tag)\n", pct(latency, 50), pct(latency, 99))
	fmt.Printf("traffic   %.0f bytes per screen per second\n", float64(bytes)/float64(len(open))/secs)
	if o.pid > 0 {
		fmt.Printf("memory    server RSS %.1f MB before, %.1f MB with screens: %.1f KB per screen\n",
			float64(baseRSS)/1e6, float64(endRSS)/1e6, float64(endRSS-baseRSS)/float64(len(open))/1e3)
		fmt.Printf("cpu       server %.0f%% of one CPU, load generator %.0f%%\n",
			100*float64(cpu1-cpu0)/clockTicks/secs, 100*(self1-self0).Seconds()/secs)
	}
	for _, s := range open {
		s.close()
	}
	return nil
}

func pct(v []float64, p float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	slices.Sort(v)
	return v[min(len(v)-1, int(float64(len(v))*p/100))]
}

func randFloat() float64 {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return float64(binary.LittleEndian.Uint64(b[:])>>11) / (1 << 53)
}

// ---- a minimal websocket screen ----

// screen is one websocket client: the handshake, reading frames, answering
// pings and close, sending "full" on a sequence gap.
type screen struct {
	nc net.Conn
	br *bufio.Reader
	wm sync.Mutex // writes

	mu       sync.Mutex
	seq      uint64
	gaps     int64
	closed   bool
	first    bool // the first message (the full render on connect) is in
	window   bool
	wBytes   int64
	wMsgs    int64
	wPatches int64
	recs     []rec
}

type rec struct {
	seq uint64
	at  int64 // Unix ns received
	now int64 // the server's clock tag, Unix ms
}

// dial opens a screen; retry > 0 when the server answered 503 (too many
// screens connecting) and asks to retry after that long.
func dial(addr, path string) (*screen, time.Duration, error) {
	nc, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		return nil, time.Second, err
	}
	var k [16]byte
	_, _ = rand.Read(k[:])
	req := "GET " + path + " HTTP/1.1\r\nHost: " + addr + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: " + base64.StdEncoding.EncodeToString(k[:]) + "\r\nSec-WebSocket-Version: 13\r\n\r\n"
	_ = nc.SetDeadline(time.Now().Add(60 * time.Second))
	if _, err := io.WriteString(nc, req); err != nil {
		nc.Close()
		return nil, time.Second, err
	}
	br := bufio.NewReaderSize(nc, 4096)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		nc.Close()
		return nil, time.Second, err
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		nc.Close()
		if resp.StatusCode == http.StatusServiceUnavailable {
			secs, _ := strconv.Atoi(resp.Header.Get("Retry-After"))
			return nil, time.Duration(max(secs, 1)) * time.Second, fmt.Errorf("status %d", resp.StatusCode)
		}
		return nil, 0, fmt.Errorf("status %d", resp.StatusCode)
	}
	_ = nc.SetDeadline(time.Time{})
	return &screen{nc: nc, br: br}, 0, nil
}

func (s *screen) startWindow() {
	s.mu.Lock()
	s.window = true
	s.mu.Unlock()
}

func (s *screen) stopWindow() {
	s.mu.Lock()
	s.window = false
	s.mu.Unlock()
}

func (s *screen) close() {
	s.send(0x8, []byte{0x03, 0xe8})
	s.nc.Close()
}

// send writes one masked frame.
func (s *screen) send(op byte, payload []byte) {
	s.wm.Lock()
	defer s.wm.Unlock()
	var mask [4]byte
	_, _ = rand.Read(mask[:])
	f := append([]byte{0x80 | op, 0x80 | byte(len(payload))}, mask[:]...)
	for i, b := range payload {
		f = append(f, b^mask[i%4])
	}
	_, _ = s.nc.Write(f)
}

const (
	tailSize   = 256
	patchStart = "<template data-wb-patch"
)

// read reads frames until the connection ends.
func (s *screen) read() {
	defer func() {
		s.mu.Lock()
		s.closed = true
		s.mu.Unlock()
		s.nc.Close()
	}()
	var head [len(patchStart)]byte
	tail := make([]byte, 0, tailSize)
	chunk := make([]byte, 1024)
	for {
		var h [2]byte
		if _, err := io.ReadFull(s.br, h[:]); err != nil {
			return
		}
		op := h[0] & 0x0f
		n := uint64(h[1] & 0x7f)
		switch n {
		case 126:
			var b [2]byte
			if _, err := io.ReadFull(s.br, b[:]); err != nil {
				return
			}
			n = uint64(binary.BigEndian.Uint16(b[:]))
		case 127:
			var b [8]byte
			if _, err := io.ReadFull(s.br, b[:]); err != nil {
				return
			}
			n = binary.BigEndian.Uint64(b[:])
		}
		// Keep the message's start (patch or full) and its end (the clock
		// tag); discard the rest.
		tail = tail[:0]
		got := 0
		for left := n; left > 0; {
			c := chunk[:min(uint64(len(chunk)), left)]
			if _, err := io.ReadFull(s.br, c); err != nil {
				return
			}
			if got < len(head) {
				copy(head[got:], c)
			}
			got += len(c)
			left -= uint64(len(c))
			if len(c) >= tailSize {
				tail = append(tail[:0], c[len(c)-tailSize:]...)
			} else {
				tail = append(tail, c...)
				if len(tail) > tailSize {
					tail = append(tail[:0], tail[len(tail)-tailSize:]...)
				}
			}
		}
		at := time.Now().UnixNano()
		switch op {
		case 0x9: // ping
			s.send(0xA, tail)
			continue
		case 0x8: // close
			s.send(0x8, tail[:min(2, len(tail))])
			return
		case 0x1: // text
		default:
			continue
		}
		seq, now := attr(tail, "data-seq"), attr(tail, "data-now")
		patch := got >= len(head) && string(head[:]) == patchStart
		s.mu.Lock()
		first := !s.first
		s.first = true
		gap := patch && (s.seq == 0 || seq != s.seq+1)
		if gap {
			s.gaps++
		} else if seq > 0 {
			s.seq = seq
		}
		if s.window {
			s.wBytes += int64(n)
			s.wMsgs++
			if patch {
				s.wPatches++
			}
			if !first && !gap && seq > 0 {
				s.recs = append(s.recs, rec{seq: seq, at: at, now: int64(now)})
			}
		}
		s.mu.Unlock()
		if gap {
			s.send(0x1, []byte("full"))
		}
	}
}

// attr reads the number in name="…" from b; 0 when absent.
func attr(b []byte, name string) uint64 {
	i := strings.LastIndex(string(b), name+`="`)
	if i < 0 {
		return 0
	}
	rest := string(b[i+len(name)+2:])
	j := strings.IndexByte(rest, '"')
	if j < 0 {
		return 0
	}
	v, _ := strconv.ParseUint(rest[:j], 10, 64)
	return v
}

// ---- the server process, from /proc ----

const clockTicks = 100 // USER_HZ on Linux

// rss is the resident memory of process pid in bytes; 0 when unknown.
func rss(pid int) int64 {
	if pid <= 0 {
		return 0
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb * 1024
		}
	}
	return 0
}

// cpuTicks is the user and system CPU time of process pid, in clock ticks.
func cpuTicks(pid int) int64 {
	if pid <= 0 {
		return 0
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 13 {
		return 0
	}
	u, _ := strconv.ParseInt(f[11], 10, 64)
	k, _ := strconv.ParseInt(f[12], 10, 64)
	return u + k
}

func selfCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func cpuModel() string {
	b, _ := os.ReadFile("/proc/cpuinfo")
	for _, l := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown CPU"
}

// raiseFileLimit raises the soft open-files limit to the hard one.
func raiseFileLimit() {
	var l syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l) == nil && l.Cur < l.Max {
		l.Cur = l.Max
		_ = syscall.Setrlimit(syscall.RLIMIT_NOFILE, &l)
	}
}
