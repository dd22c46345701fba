package storetest

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/wallboard/wallboard/cache"
	"github.com/wallboard/wallboard/model"
)

// MessageStore is a store that keeps floor messages too.
type MessageStore interface {
	cache.Store
	cache.Messages
}

// RunMessages runs the floor messages' suite against stores made by
// newStore (each new and empty; the suite closes them).
func RunMessages(t *testing.T, newStore func(t *testing.T) MessageStore) {
	t.Run("PostListExpire", func(t *testing.T) { testMessages(t, newStore(t)) })
	t.Run("RemoveOnce", func(t *testing.T) { testRemove(t, newStore(t)) })
	t.Run("LogKeepsTheLast200", func(t *testing.T) { testMessageLog(t, newStore(t)) })
	t.Run("Refused", func(t *testing.T) { testRefused(t, newStore(t)) })
}

// RunMessagesReplicas checks that two stores on one backend share the
// messages and each tells its subscribers of the other's posts.
func RunMessagesReplicas(t *testing.T, newPair func(t *testing.T) (a, b MessageStore)) {
	t.Run("ReplicasShareMessages", func(t *testing.T) {
		a, b := newPair(t)
		closeAtEnd(t, a)
		closeAtEnd(t, b)
		chB := b.Subscribe(bg(t))
		m := mustPost(t, a, message("From replica a", t0, time.Minute))
		_, v, _ := a.Messages(bg(t), t0)
		waitEvent(t, chB, cache.MessagesSource, v)
		got, vb, err := b.Messages(bg(t), t0)
		if err != nil || len(got) != 1 || got[0].ID != m.ID || vb != v {
			t.Fatalf("b sees %+v v%d (%v), want a's message at v%d", got, vb, err, v)
		}
		chA := a.Subscribe(bg(t))
		if err := b.RemoveMessage(bg(t), m.ID, "lead", t0.Add(time.Second)); err != nil {
			t.Fatal(err)
		}
		waitEvent(t, chA, cache.MessagesSource, v+1)
		if got, _, _ := a.Messages(bg(t), t0.Add(time.Second)); len(got) != 0 {
			t.Errorf("a still shows %+v after b took it down", got)
		}
		if err := a.RemoveMessage(bg(t), m.ID, "lead", t0.Add(2*time.Second)); !errors.Is(err, cache.ErrNoMessage) {
			t.Errorf("second removal: %v, want ErrNoMessage", err)
		}
	})
}

var t0 = time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)

func message(text string, at time.Time, ttl time.Duration, boards ...string) model.Message {
	return model.Message{Text: text, Level: model.MessageWarn, Boards: boards, Author: "sam", Posted: at, Expires: at.Add(ttl)}
}

func mustPost(t *testing.T, s cache.Messages, m model.Message) model.Message {
	t.Helper()
	got, err := s.PostMessage(bg(t), m)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func testMessages(t *testing.T, s MessageStore) {
	closeAtEnd(t, s)
	ch := s.Subscribe(bg(t))
	_, v0, err := s.Messages(bg(t), t0)
	if err != nil {
		t.Fatal(err)
	}
	a := mustPost(t, s, message("  Fire drill at 3 <b>pm</b>  ", t0, 10*time.Minute, "floor1", "floor1", " lobby "))
	if a.ID == "" || a.Text != "Fire drill at 3 <b>pm</b>" || strings.Join(a.Boards, ",") != "floor1,lobby" {
		t.Errorf("posted %+v: want an id, trimmed text (as given) and boards once each", a)
	}
	b := mustPost(t, s, message("Lunch is served", t0.Add(time.Second), time.Minute))
	_, v, _ := s.Messages(bg(t), t0)
	if v <= v0 {
		t.Errorf("version %d after two posts, not above %d", v, v0)
	}
	waitEvent(t, ch, cache.MessagesSource, v)
	got, _, _ := s.Messages(bg(t), t0.Add(2*time.Second))
	if len(got) != 2 || got[0].ID != a.ID || got[1].ID != b.ID || !got[0].For("lobby") || got[0].For("other") || !got[1].For("other") {
		t.Fatalf("messages %+v", got)
	}
	got[0].Boards[0] = "changed"
	if again, _, _ := s.Messages(bg(t), t0); again[0].Boards[0] != "floor1" {
		t.Error("a caller's change reached the store")
	}
	// b expires after a minute, a after ten.
	if got, _, _ := s.Messages(bg(t), t0.Add(61*time.Second)); len(got) != 1 || got[0].ID != a.ID {
		t.Errorf("after b's expiry: %+v", got)
	}
	if got, _, _ := s.Messages(bg(t), t0.Add(10*time.Minute)); len(got) != 0 {
		t.Errorf("after both expired: %+v", got)
	}
}

func testRemove(t *testing.T, s MessageStore) {
	closeAtEnd(t, s)
	m := mustPost(t, s, message("Wrong one", t0, time.Hour))
	if err := s.RemoveMessage(bg(t), m.ID, "lee", t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if got, _, _ := s.Messages(bg(t), t0.Add(time.Minute)); len(got) != 0 {
		t.Errorf("after removal: %+v", got)
	}
	if err := s.RemoveMessage(bg(t), m.ID, "lee", t0.Add(time.Minute)); !errors.Is(err, cache.ErrNoMessage) {
		t.Errorf("removed twice: %v", err)
	}
	if err := s.RemoveMessage(bg(t), "nope", "lee", t0); !errors.Is(err, cache.ErrNoMessage) {
		t.Errorf("removed an unknown id: %v", err)
	}
	e := mustPost(t, s, message("Short", t0, time.Minute))
	if err := s.RemoveMessage(bg(t), e.ID, "lee", t0.Add(time.Hour)); !errors.Is(err, cache.ErrNoMessage) {
		t.Errorf("removed an expired message: %v", err)
	}
	log, err := s.MessageLog(bg(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(log) != 3 || log[0].Action != "posted" || log[1].Action != "removed" || log[1].By != "lee" || log[1].Message.ID != m.ID || log[2].By != "sam" {
		t.Errorf("log %+v", log)
	}
}

func testMessageLog(t *testing.T, s MessageStore) {
	closeAtEnd(t, s)
	for i := range model.MessageLogSize + 5 {
		mustPost(t, s, message(fmt.Sprint("note ", i), t0.Add(time.Duration(i)*time.Second), time.Minute))
	}
	log, err := s.MessageLog(bg(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(log) != model.MessageLogSize || log[0].Message.Text != fmt.Sprint("note ", model.MessageLogSize+4) || log[len(log)-1].Message.Text != "note 5" {
		t.Errorf("log of %d, newest %q, oldest %q", len(log), log[0].Message.Text, log[len(log)-1].Message.Text)
	}
}

func testRefused(t *testing.T, s MessageStore) {
	closeAtEnd(t, s)
	for _, m := range []model.Message{
		message("", t0, time.Minute),
		message(strings.Repeat("é", model.MaxMessageLen+1), t0, time.Minute),
		message("two\nlines", t0, time.Minute),
		message("no expiry", t0, 0),
		message("too long", t0, 25*time.Hour),
		{Text: "bad level", Level: "loud", Posted: t0, Expires: t0.Add(time.Minute)},
	} {
		if _, err := s.PostMessage(bg(t), m); err == nil {
			t.Errorf("posted %+v", m)
		}
	}
	if _, err := s.PostMessage(bg(t), message(strings.Repeat("é", model.MaxMessageLen), t0, time.Minute)); err != nil {
		t.Errorf("280 characters refused: %v", err)
	}
	if got, _, _ := s.Messages(bg(t), t0); len(got) != 1 {
		t.Errorf("%d messages, want only the valid one", len(got))
	}
}
