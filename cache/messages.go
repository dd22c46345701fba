package cache

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"time"

	"github.com/wallboard/wallboard/model"
)

// MessagesSource is the Event.Source of a change of the floor messages.
const MessagesSource = "#messages"

// ErrNoMessage is returned when removing a message that is not there (never
// posted, expired or removed already).
var ErrNoMessage = errors.New("cache: no such message")

// Messages keeps the floor messages, shared like the sources' states: a
// post or a removal notifies every subscriber (Event.Source
// MessagesSource) on every replica. Memory and Redis implement it.
type Messages interface {
	// PostMessage stores m, normalized (model.Message.Normalize) and with a
	// new ID, logs it and notifies subscribers.
	PostMessage(ctx context.Context, m model.Message) (model.Message, error)
	// RemoveMessage takes message id down before its expiry, logging who
	// did it and when.
	RemoveMessage(ctx context.Context, id, by string, at time.Time) error
	// Messages returns the messages active at now, oldest first, and a
	// version that changes with every post and removal.
	Messages(ctx context.Context, now time.Time) ([]model.Message, uint64, error)
	// MessageLog returns the last model.MessageLogSize posts and removals,
	// newest first.
	MessageLog(ctx context.Context) ([]model.MessageLogEntry, error)
}

func newMessageID() string {
	b := make([]byte, 9)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
