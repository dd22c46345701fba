package main

import (
	"testing"

	"github.com/wallboard/wallboard/config"
	"github.com/wallboard/wallboard/signalr"
)

// The settings' method kinds and defaults are the subscriber's.
func TestConnectMethodKindsAreTheSubscribers(t *testing.T) {
	if got, want := connectMethods(config.ConnectMethodKinds), signalr.DefaultMethods(); got != want {
		t.Fatalf("defaults by kind %+v, subscriber's %+v", got, want)
	}
	if got := connectMethods(map[string]string{"queueGroup": "groupChanged"}); got.QueueGroup != "groupChanged" || got.Agent != "" {
		t.Fatalf("one kind set: %+v", got)
	}
}
