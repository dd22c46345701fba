package signalr_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/wallboard/wallboard/signalr"
	"github.com/wallboard/wallboard/simulator/connect"
)

// A Connect host with a classic ASP.NET SignalR 2 hub, found by auto
// detection from the URL, client id, user and password alone.
func TestClassicHubAutoDetectedOverEachTransport(t *testing.T) {
	for _, tc := range []struct {
		name string
		o    connect.ClassicOptions
		want string
	}{
		{"webSockets", connect.ClassicOptions{}, "webSockets"},
		{"no websockets", connect.ClassicOptions{NoWebSockets: true}, "serverSentEvents"},
		{"broken websockets", connect.ClassicOptions{BreakWebSockets: true}, "serverSentEvents"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t, connect.Options{SignalR: "classic", Classic: tc.o})
			r.start(t, r.config())
			st := r.waitTruth(t, 10*time.Second)
			if st.Protocol != "classic" || st.Transport != tc.want {
				t.Fatalf("health says %q over %q, want classic over %q", st.Protocol, st.Transport, tc.want)
			}
			if !strings.Contains(r.logs.String(), "hub protocol detected") {
				t.Fatalf("detection not logged:\n%s", r.logs.String())
			}
			for i := 0; i < 3; i++ {
				r.advance()
				r.waitTruth(t, 5*time.Second)
			}
		})
	}
}

func TestCoreHubAutoDetected(t *testing.T) {
	r := newRig(t, connect.Options{SignalR: "core"})
	r.start(t, r.config())
	st := r.waitTruth(t, 10*time.Second)
	if st.Protocol != "core" || st.Transport != "webSockets" {
		t.Fatalf("health says %q over %q, want core over webSockets", st.Protocol, st.Transport)
	}
}

// Cut transports: the client reconnects with its last message id on the
// same connection (the hub replays what it missed), then moves to a new
// connection with new subscriptions while the old one keeps the board
// current; Connect is never marked stale.
func TestClassicDroppedTransportKeepsTheBoardCurrent(t *testing.T) {
	r := newRig(t, connect.Options{SignalR: "classic"})
	obs := &countingObserver{counts: map[string]int{}}
	cfg := r.config()
	cfg.Observer = obs
	r.start(t, cfg)
	r.waitTruth(t, 10*time.Second)
	subs := r.srv.Subscriptions()
	for i := 0; i < 3; i++ {
		r.srv.DropTransports()
		r.advance()
		r.waitTruth(t, 10*time.Second)
	}
	if st := r.srv.ClassicStats(); st.Reconnects < 1 {
		t.Fatalf("no reconnect with a message id reached the hub: %+v", st)
	}
	for _, p := range r.sink.all() {
		if !p.st.OK {
			t.Fatalf("health went bad during a transport reconnect: %s", p.st.Error)
		}
	}
	if obs.get("transport_lost") < 1 || obs.get("transport_resumed") < 1 || obs.get("lost") != 0 {
		t.Fatalf("observed %v: want transport_lost and transport_resumed, no lost connection", obs.counts)
	}
	r.advance()
	r.waitTruth(t, 10*time.Second)
	if n := r.srv.Subscriptions(); n != subs {
		t.Fatalf("%d subscriptions, want %d: the old connection's were not deleted", n, subs)
	}
}

// A restarted hub no longer knows the connection: negotiate again and
// subscribe again.
func TestClassicHubRestartNegotiatesAndSubscribesAgain(t *testing.T) {
	r := newRig(t, connect.Options{SignalR: "classic"})
	r.start(t, r.config())
	r.waitTruth(t, 10*time.Second)
	before, subs := r.srv.ClassicStats().Negotiations, r.srv.Subscriptions()
	r.srv.KillConnections()
	r.advance()
	r.waitTruth(t, 10*time.Second)
	if n := r.srv.ClassicStats().Negotiations; n <= before || r.srv.Subscriptions() != subs {
		t.Fatalf("negotiations %d (before %d), subscriptions %d (before %d)", n, before, r.srv.Subscriptions(), subs)
	}
}

func TestClassicTokenRenewalWithoutGap(t *testing.T) {
	r := newRig(t, connect.Options{SignalR: "classic", TokenLifetime: 2 * time.Second})
	r.start(t, r.config())
	r.waitTruth(t, 10*time.Second)
	start := time.Now()
	for time.Since(start) < 6*time.Second {
		r.advance()
		time.Sleep(100 * time.Millisecond)
	}
	r.waitTruth(t, 5*time.Second)
	for _, p := range r.sink.all() {
		if p.at.After(start) && !p.st.OK {
			t.Fatalf("health went bad at %v: %s", p.at.Sub(start), p.st.Error)
		}
	}
	if st := r.srv.Stats(); st.TokensIssued < 3 || r.srv.ClassicStats().Negotiations < 3 {
		t.Fatalf("tokens issued %d, negotiations %d: want renewals", st.TokensIssued, r.srv.ClassicStats().Negotiations)
	}
}

// Neither hub where they are looked for: the error names both.
func TestDetectionFailureNamesWhatWasTried(t *testing.T) {
	r := newRig(t, connect.Options{SignalR: "core", HubPath: "/elsewhere/gold"})
	r.start(t, r.config())
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if st, ok := r.sink.last(); ok && st.Error != "" {
			t.Log(st.Error)
			for _, want := range []string{"no SignalR hub found", "classic ASP.NET SignalR at /webapi/signalr", "ASP.NET Core SignalR at /webapi/hubs/gold", "--connect-signalr"} {
				if !strings.Contains(st.Error, want) {
					t.Fatalf("error %q does not say %q", st.Error, want)
				}
			}
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("no error reported")
}

func TestUnknownProtocolIsRejected(t *testing.T) {
	_, err := signalr.New(signalr.Config{URL: "http://x", Token: "t", SignalR: "signalr3"}, &recordingSink{}, nil)
	if err == nil || !strings.Contains(err.Error(), "auto, classic or core") {
		t.Fatalf("err %v", err)
	}
}

// A restarted host that takes the old connection token (ASP.NET SignalR
// with a stable machine key) resumes the transport but has lost the
// subscriptions: the subscriber subscribes again and the board is current.
func TestClassicRestartResumingTheConnectionSubscribesAgain(t *testing.T) {
	r := newRig(t, connect.Options{SignalR: "classic", Classic: connect.ClassicOptions{ResumeUnknown: true}})
	r.start(t, r.config())
	r.waitTruth(t, 10*time.Second)
	subs := r.srv.Subscriptions()
	r.srv.KillConnections()
	for i := 0; i < 3; i++ {
		r.advance()
		r.waitTruth(t, 10*time.Second)
	}
	if r.srv.Subscriptions() != subs {
		t.Fatalf("subscriptions %d (before %d)", r.srv.Subscriptions(), subs)
	}
	if !strings.Contains(r.logs.String(), "moved to a new connection after the transport resumed") {
		t.Fatal("no new connection after the resumed transport")
	}
}

// A hub path that answers nothing (the connection is cut) is reported as
// such, not as a host without a hub, and Core is not tried.
func TestUnansweredHubIsNotADetectionFailure(t *testing.T) {
	r := newRig(t, connect.Options{SignalR: "classic"})
	cut := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if strings.HasPrefix(req.URL.Path, "/webapi/signalr") || strings.HasPrefix(req.URL.Path, "/webapi/hubs") {
			panic(http.ErrAbortHandler)
		}
		r.srv.ServeHTTP(w, req)
	}))
	defer cut.Close()
	cfg := r.config()
	cfg.URL = cut.URL
	r.start(t, cfg)
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if st, ok := r.sink.last(); ok && st.Error != "" {
			if strings.Contains(st.Error, "no SignalR hub found") || !strings.Contains(st.Error, "classic hub /webapi/signalr: negotiate") {
				t.Fatalf("error %q", st.Error)
			}
			t.Log(st.Error)
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("no error reported")
}
