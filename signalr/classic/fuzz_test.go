package classic

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"testing"
)

func fuzzConn(t *testing.T, got *[]Message) *Conn {
	c, err := newClient(Options{URL: "http://x/signalr", Hub: "GoldDataHub", OnMessage: func(m Message) { *got = append(*got, m) }})
	if err != nil {
		t.Fatal(err)
	}
	return &Conn{c: c, neg: &Negotiation{ConnectionID: "c"}}
}

// FuzzFrame feeds arbitrary frames to a connection: nothing panics, only hub
// invocations of the configured hub are delivered, and the cursor is kept.
func FuzzFrame(f *testing.F) {
	for _, s := range []string{
		`{}`, ``, `{"C":"d-1","S":1,"M":[]}`,
		`{"C":"5","M":[{"H":"GoldDataHub","M":"agentUpdate","A":[[{"agentId":1}]]},{"H":"golddatahub","M":"queueUpdate","A":[{}]}]}`,
		`{"C":12,"G":"grp","M":[{"H":"Other","M":"x","A":[]}]}`, `{"I":"0"}`, `{"E":"boom"}`, `{"T":1,"C":"3"}`,
		`{"M":[1,"x",null,{"M":""}]}`, `[1,2]`, `{"C":{"x":1}}`, `not json`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var got []Message
		c := fuzzConn(t, &got)
		_ = c.handle(b)
		for _, m := range got {
			if m.Method == "" || (m.Hub != "" && m.Hub != "GoldDataHub" && m.Hub != "golddatahub" && !equalFold(m.Hub, "GoldDataHub")) {
				t.Fatalf("delivered %+v", m)
			}
		}
	})
}

func equalFold(a, b string) bool { return bytes.EqualFold([]byte(a), []byte(b)) }

// FuzzEventStream parses arbitrary server-sent event streams.
func FuzzEventStream(f *testing.F) {
	f.Add([]byte("data: initialized\n\ndata: {\"C\":\"1\",\"S\":1,\"M\":[]}\n\n"))
	f.Add([]byte("data: {}\r\n\r\n: comment\nid: 3\ndata: a\ndata: b\n\n"))
	f.Add([]byte("data:x\n\n\n\ndata"))
	f.Fuzz(func(t *testing.T, b []byte) {
		_, cancel := context.WithCancel(context.Background())
		s := &sseStream{body: io.NopCloser(bytes.NewReader(b)), r: bufio.NewReaderSize(bytes.NewReader(b), 16), cancel: cancel, wd: newWatchdog(0, cancel)}
		for i := 0; i < len(b)+1; i++ {
			ev, err := s.next()
			if err != nil {
				break
			}
			if string(ev) == "initialized" {
				t.Fatal("initialized handed on")
			}
		}
		s.close()
	})
}

func TestFrameCursorAndGroupsToken(t *testing.T) {
	var got []Message
	c := fuzzConn(t, &got)
	for _, fr := range []string{`{"C":"d-1","S":1,"M":[]}`, `{"C":"d-2","G":"g1","M":[{"H":"GoldDataHub","M":"a","A":[1]}]}`, `{}`, `{"I":"0","C":"zz"}`} {
		if err := c.handle([]byte(fr)); err != nil {
			t.Fatal(err)
		}
	}
	if c.messageID != "d-2" || c.groupsToken != "g1" || len(got) != 1 {
		t.Fatalf("messageId %q, groupsToken %q, %d messages", c.messageID, c.groupsToken, len(got))
	}
	if err := c.handle([]byte(`{"T":1}`)); err == nil {
		t.Fatal("T:1 did not ask for a reconnect")
	}
	if err := c.handle([]byte(`{"E":"x"}`)); err == nil {
		t.Fatal("E did not end the connection")
	}
}
