package main

import (
	"log/slog"

	"github.com/wallboard/wallboard/config"
	"github.com/wallboard/wallboard/model"
	"github.com/wallboard/wallboard/signalr"
)

// newConnectSubscriber makes the Clarity Connect subscriber from settings.
func newConnectSubscriber(c config.Connect, statuses *model.StatusMap, obs signalr.Observer, sink signalr.Sink, log *slog.Logger) (*signalr.Subscriber, error) {
	return signalr.New(signalr.Config{
		Observer:   obs,
		URL:        c.URL,
		ClientID:   c.ClientID,
		User:       c.User,
		Password:   c.Password,
		Token:      c.Token,
		SignalR:    c.SignalR,
		HubPath:    c.HubPath,
		HubName:    c.HubName,
		QueryToken: c.HubQueryToken,
		StatusMap:  statuses,
	}, sink, log)
}
