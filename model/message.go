package model

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Message is a floor message: a line of plain text a supervisor posts to
// the walls and embeds of some boards (or all) until it expires or is taken
// down. Views show it escaped, as text.
type Message struct {
	ID      string    `json:"id"`
	Text    string    `json:"text"`
	Level   string    `json:"level"`  // MessageInfo, MessageWarn or MessageCritical
	Boards  []string  `json:"boards"` // board ids; empty: every board
	Author  string    `json:"author"`
	Posted  time.Time `json:"posted"`
	Expires time.Time `json:"expires"`
}

// Message levels.
const (
	MessageInfo     = "info"
	MessageWarn     = "warn"
	MessageCritical = "critical"
)

// Limits of a message.
const (
	MaxMessageLen    = 280 // characters of text
	MaxMessageExpiry = 24 * time.Hour
	MessageLogSize   = 200 // posts and removals kept
)

// MessageLevels lists the levels, least severe first.
func MessageLevels() []string { return []string{MessageInfo, MessageWarn, MessageCritical} }

// Normalize trims m's text and board ids and checks it: text of 1 to
// MaxMessageLen characters without control characters, a known level, an
// expiry after Posted and at most MaxMessageExpiry later.
func (m Message) Normalize() (Message, error) {
	m.Text = strings.TrimSpace(m.Text)
	switch n := utf8.RuneCountInString(m.Text); {
	case !utf8.ValidString(m.Text):
		return m, errors.New("the text is not valid UTF-8")
	case n == 0:
		return m, errors.New("the text is empty")
	case n > MaxMessageLen:
		return m, fmt.Errorf("the text has %d characters; at most %d", n, MaxMessageLen)
	}
	if strings.IndexFunc(m.Text, unicode.IsControl) >= 0 {
		return m, errors.New("the text has control characters (one line of plain text)")
	}
	if !slices.Contains(MessageLevels(), m.Level) {
		return m, fmt.Errorf("unknown level %q; want info, warn or critical", m.Level)
	}
	if !m.Expires.After(m.Posted) || m.Expires.Sub(m.Posted) > MaxMessageExpiry {
		return m, fmt.Errorf("the expiry must be within %s of posting", MaxMessageExpiry)
	}
	boards := m.Boards[:0:0]
	for _, b := range m.Boards {
		if b = strings.TrimSpace(b); b != "" && !slices.Contains(boards, b) {
			boards = append(boards, b)
		}
	}
	m.Boards = boards
	return m, nil
}

// For reports whether m shows on board id.
func (m Message) For(board string) bool {
	return len(m.Boards) == 0 || slices.Contains(m.Boards, board)
}

// Active reports whether m shows at now.
func (m Message) Active(now time.Time) bool { return now.Before(m.Expires) }

// MessageLogEntry is one line of the floor messages' audit log.
type MessageLogEntry struct {
	Action  string    `json:"action"` // "posted" or "removed"
	By      string    `json:"by"`
	At      time.Time `json:"at"`
	Message Message   `json:"message"`
}
