package views

import (
	"testing"
	"time"
)

// Duration must format like wallboard.js does, so the first render and the
// ticking browser agree.
func TestDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		-5 * time.Second:                "0:00",
		0:                               "0:00",
		999 * time.Millisecond:          "0:00",
		9 * time.Second:                 "0:09",
		222 * time.Second:               "3:42",
		59*time.Minute + 59*time.Second: "59:59",
		time.Hour + 2*time.Minute + 3*time.Second: "1:02:03",
		26 * time.Hour: "26:00:00",
	} {
		if got := Duration(d); got != want {
			t.Errorf("Duration(%v) = %q, want %q", d, got, want)
		}
	}
}
