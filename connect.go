package main

import (
	"log/slog"

	"github.com/wallboard/wallboard/config"
	"github.com/wallboard/wallboard/model"
	"github.com/wallboard/wallboard/signalr"
)

// newConnectSubscriber makes the Clarity Connect subscriber from settings:
// the flags and variables, and the file's connect section read at start.
func newConnectSubscriber(c config.Connect, file config.ConnectFile, statuses *model.StatusMap, obs signalr.Observer, sink signalr.Sink, log *slog.Logger) (*signalr.Subscriber, error) {
	names, err := config.MergeConnectMethods(file.Methods, c.Methods)
	if err != nil {
		return nil, err
	}
	return signalr.New(signalr.Config{
		Observer:    obs,
		URL:         c.URL,
		ClientID:    c.ClientID,
		User:        c.User,
		Password:    c.Password,
		Token:       c.Token,
		SignalR:     c.SignalR,
		HubPath:     c.HubPath,
		HubName:     c.HubName,
		QueryToken:  c.HubQueryToken,
		StatusMap:   statuses,
		Methods:     connectMethods(names),
		QueueGroups: c.QueueGroups,
		Alerts:      c.Alerts,
	}, sink, log)
}

// connectMethods turns method names by kind (config.ConnectMethodKinds)
// into signalr.Methods; kinds not named keep their default.
func connectMethods(names map[string]string) signalr.Methods {
	return signalr.Methods{
		Agent: names["agent"], Queue: names["queue"],
		AgentAggregate: names["agentAggregate"], AgentGroup: names["agentGroup"],
		QueueAggregate: names["queueAggregate"], QueueGroup: names["queueGroup"],
		Alert: names["alert"],
	}
}
