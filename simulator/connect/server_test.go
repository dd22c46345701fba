package connect

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	ntlmssp "github.com/Azure/go-ntlmssp"

	"github.com/wallboard/wallboard/signalr"
	"github.com/wallboard/wallboard/simulator"
)

func newTestServer(t *testing.T, o Options) (*Server, *httptest.Server, *simulator.Center) {
	t.Helper()
	c := simulator.New(simulator.Options{Seed: 11, Agents: 8, Speed: 30})
	s := NewServer(c, o)
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	return s, ts, c
}

func tokenRequest(t *testing.T, ts *httptest.Server, user, password, clientID string) *http.Response {
	t.Helper()
	form := url.Values{"grant_type": {"urn:connect.auth:windows"}, "client_id": {clientID}}
	req, _ := http.NewRequest(http.MethodPost, ts.URL+tokenPath, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(user, password)
	hc := &http.Client{Transport: ntlmssp.Negotiator{RoundTripper: ts.Client().Transport}}
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func TestTokenEndpointNTLM(t *testing.T) {
	s, ts, _ := newTestServer(t, Options{User: `ACME\svc`, Password: "pw-1"})
	if resp := tokenRequest(t, ts, `ACME\svc`, "pw-2", DefaultClientID); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("wrong password: %s", resp.Status)
	}
	if resp := tokenRequest(t, ts, `OTHER\svc`, "pw-1", DefaultClientID); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("wrong domain: %s", resp.Status)
	}
	resp := tokenRequest(t, ts, `ACME\svc`, "pw-1", "not-the-client")
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), "invalid_clientId") {
		t.Fatalf("wrong client id: %s %s", resp.Status, body)
	}
	resp = tokenRequest(t, ts, `acme\SVC`, "pw-1", DefaultClientID)
	var tr struct {
		AccessToken string `json:"access_token"`
		TokenType   string `json:"token_type"`
		ExpiresIn   int    `json:"expires_in"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&tr); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("good credentials: %s %v", resp.Status, err)
	}
	if tr.TokenType != "bearer" || tr.ExpiresIn != 300 {
		t.Fatalf("token response %+v", tr)
	}
	if _, ok := s.verify(tr.AccessToken); !ok {
		t.Fatal("issued token does not verify")
	}
	if s.Stats().TokensIssued != 1 {
		t.Fatalf("tokens issued %d", s.Stats().TokensIssued)
	}
}

func TestExpiredAndForgedTokensGet401WithChallenge(t *testing.T) {
	s, ts, _ := newTestServer(t, Options{TokenLifetime: 200 * time.Millisecond})
	tok := s.IssueToken()
	get := func(tok string) *http.Response {
		req, _ := http.NewRequest(http.MethodGet, ts.URL+"/webapi/api/v2/profile/mbu", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := ts.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	if resp := get(tok); resp.StatusCode != http.StatusOK {
		t.Fatalf("fresh token: %s", resp.Status)
	}
	forged := tok[:len(tok)-4] + "AAAA"
	if resp := get(forged); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("forged token: %s", resp.Status)
	}
	time.Sleep(300 * time.Millisecond)
	resp := get(tok)
	want := ts.URL + `/webauth/token,grant_type="urn:connect.auth:windows"`
	if resp.StatusCode != http.StatusUnauthorized || resp.Header.Get("WWW-Authenticate") != want {
		t.Fatalf("expired token: %s, WWW-Authenticate %q want %q", resp.Status, resp.Header.Get("WWW-Authenticate"), want)
	}
}

func TestBatchAnswersEachRequest(t *testing.T) {
	s, ts, _ := newTestServer(t, Options{})
	body := `[{"method":"GET","relativeUrl":"../v2/profile"},{"method":"POST","relativeUrl":"../v2/subscriptions/agents?agentIds=1001","body":{"connectionId":"nope"}},{"method":"DELETE","relativeUrl":"../v2/subscriptions/missing"}]`
	req, _ := http.NewRequest(http.MethodPost, ts.URL+"/webapi/api/v2/", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+s.IssueToken())
	req.Header.Set("Content-Type", "application/json")
	resp, err := ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var results []struct {
		Code int             `json:"code"`
		Body json.RawMessage `json:"body"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&results); err != nil {
		t.Fatal(err)
	}
	if len(results) != 3 || results[0].Code != 200 || results[1].Code != 404 || results[2].Code != 404 {
		t.Fatalf("batch results %+v", results)
	}
	if !strings.Contains(string(results[0].Body), `"type":"agent"`) {
		t.Fatalf("profile body %s", results[0].Body)
	}
}

// TestDiffsMergeToFullCopy: the full copy at t0 followed by every diff the
// server computes as the model moves equals the full copy at the end, when
// merged by package signalr's State.
func TestDiffsMergeToFullCopy(t *testing.T) {
	_, _, c := newTestServer(t, Options{})
	s := NewServer(c, Options{})
	merged := signalr.NewState(nil)
	apply := func(kind signalr.Kind, items []any) {
		if len(items) == 0 {
			return
		}
		b, _ := json.Marshal(items)
		if err := merged.Apply(kind, b); err != nil {
			t.Fatal(err)
		}
	}
	truth := c.Truth()
	prevA, prevQ := agentDocs(truth), queueDocs(truth, s.dir)
	var items []any
	for _, d := range prevA {
		items = append(items, d.full())
	}
	apply(signalr.KindAgent, items)
	items = nil
	for _, d := range prevQ {
		items = append(items, d.full())
	}
	apply(signalr.KindQueue, items)
	now := time.Now()
	diffs := 0
	for i := 0; i < 40; i++ {
		now = now.Add(500 * time.Millisecond)
		c.Advance(now)
		truth = c.Truth()
		curA, curQ := agentDocs(truth), queueDocs(truth, s.dir)
		items = nil
		for id, d := range curA {
			if ch := d.diff(prevA[id]); ch != nil {
				items = append(items, ch)
			}
		}
		diffs += len(items)
		apply(signalr.KindAgent, items)
		items = nil
		for id, d := range curQ {
			if ch := d.diff(prevQ[id]); ch != nil {
				items = append(items, ch)
			}
		}
		diffs += len(items)
		apply(signalr.KindQueue, items)
		prevA, prevQ = curA, curQ
	}
	if diffs == 0 {
		t.Fatal("the model produced no diffs")
	}
	fresh := signalr.NewState(nil)
	for _, kind := range []signalr.Kind{signalr.KindAgent, signalr.KindQueue} {
		docs := prevA
		if kind == signalr.KindQueue {
			docs = prevQ
		}
		items = nil
		for _, d := range docs {
			items = append(items, d.full())
		}
		b, _ := json.Marshal(items)
		if err := fresh.Apply(kind, b); err != nil {
			t.Fatal(err)
		}
		got, want := merged.Entities(kind), fresh.Entities(kind)
		if len(got) != len(want) {
			t.Fatalf("%s: %d entities merged, %d in the full copy", kind, len(got), len(want))
		}
		for i := range got {
			if !reflect.DeepEqual(got[i].Status, want[i].Status) || !reflect.DeepEqual(got[i].Metrics, want[i].Metrics) || !sameSessions(got[i], want[i]) {
				t.Fatalf("%s %s: merged diffs differ from the full copy\nmerged %+v\nfull   %+v", kind, got[i].Key, got[i], want[i])
			}
		}
	}
}

func sameSessions(a, b *signalr.Entity) bool {
	if len(a.Sessions) != len(b.Sessions) {
		return false
	}
	for mod, bag := range a.Sessions {
		other := b.Sessions[mod]
		if len(bag) != len(other) {
			return false
		}
		for id, s := range bag {
			o, ok := other[id]
			if !ok || !reflect.DeepEqual(s.Fields, o.Fields) {
				return false
			}
		}
	}
	return true
}
