package model

import (
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"
)

// Whatever a form sends, Normalize either refuses it or returns one line of
// valid text of 1 to MaxMessageLen characters with a known level.
func FuzzMessageNormalize(f *testing.F) {
	f.Add("Fire drill at 3", "warn", 30, "a,b")
	f.Add("  \t", "info", 1, "")
	f.Add("x\u0000y", "critical", 5, ",,")
	f.Add(strings.Repeat("é", 281), "info", 60, "all")
	f.Add("\xff", "info", 5, "")
	t0 := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, text, level string, minutes int, boards string) {
		m := Message{Text: text, Level: level, Boards: strings.Split(boards, ","), Posted: t0, Expires: t0.Add(time.Duration(minutes) * time.Minute)}
		got, err := m.Normalize()
		if err != nil {
			return
		}
		n := utf8.RuneCountInString(got.Text)
		if n == 0 || n > MaxMessageLen || !utf8.ValidString(got.Text) || strings.IndexFunc(got.Text, unicode.IsControl) >= 0 {
			t.Fatalf("accepted text %q", got.Text)
		}
		if got.Level != MessageInfo && got.Level != MessageWarn && got.Level != MessageCritical {
			t.Fatalf("accepted level %q", got.Level)
		}
		if !got.Expires.After(got.Posted) || got.Expires.Sub(got.Posted) > MaxMessageExpiry {
			t.Fatalf("accepted expiry %v", got.Expires)
		}
		for _, b := range got.Boards {
			if b == "" || b != strings.TrimSpace(b) {
				t.Fatalf("accepted board %q", b)
			}
		}
	})
}
