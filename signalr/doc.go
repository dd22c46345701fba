// Package signalr subscribes to Clarity Connect gold data (Connect Web API v2)
// and keeps a normalized copy of its agents and queues in a Sink.
//
// # Client
//
// The API root is {URL}/webapi/api (a URL already ending in /webapi/api is
// accepted too). GET /info is read once for the log. Authentication follows
// the API document: a request without a token gets a 401 whose
// WWW-Authenticate header names the Connect Authentication Service's token
// endpoint (`https://host/webauth/token,grant_type="urn:connect.auth:windows"`);
// the subscriber POSTs grant_type=urn:connect.auth:windows and client_id there,
// authenticating with the configured user (DOMAIN\user is split) over
// NTLM/Negotiate. A bearer token given in the configuration is used instead
// until it expires or is rejected. Tokens are renewed when three quarters of
// their lifetime (the JWT's exp, read without verifying) have passed and after
// any 401, which is retried once. GET /v2/profile/mbu names agents, queues,
// teams, groups and business units. Tokens and passwords never reach a log
// line or an error.
//
// # Hub contract
//
// The API document leaves the SignalR side open; these are the defaults, each
// a Config setting:
//
//   - The hub (Config.SignalR, see hub.go) is found by auto detection:
//     first a classic ASP.NET SignalR 2 hub, as Connect 4.x ships, at
//     {URL}/webapi/signalr named GoldDataHub (Config.HubPath, Config.HubName;
//     package classic: webSockets, then serverSentEvents, then longPolling),
//     then an ASP.NET Core SignalR hub at {URL}/webapi/hubs/gold (JSON
//     protocol over WebSockets). The bearer token goes in the Authorization
//     header of every hub request (and as access_token in the query with
//     Config.QueryToken). The protocol and transport in use are in the
//     source's Health.
//   - Client methods (Config.Methods): agentUpdate, queueUpdate,
//     agentAggregateUpdate, agentGroupUpdate, queueAggregateUpdate,
//     queueGroupUpdate and alert, each called with one Realtime Data Response
//     object or an array of them.
//   - Subscriptions: POST /v2/subscriptions/agents?agentIds=… and
//     /v2/subscriptions/queues?queueIds=… (teamIds, groupIds, businessUnitIds
//     when configured; every agent and queue of the MBU structure by default,
//     200 ids per subscription),
//     through the batch endpoint POST /v2/ when there are several, with the
//     SignalR connection id and the status, session and metric properties the
//     wall shows. The create response carries the subscription id
//     ({"subscriptionId": "…"}); DELETE /v2/subscriptions/{id} removes it on
//     shutdown and when a connection is replaced.
//   - Queue groups (Config.QueueGroups, by group by default):
//     POST /v2/subscriptions/queues/groupBy?groupIds=… (teamIds,
//     businessUnitIds); their Group Metric Data Responses become
//     model.QueueGroup per channel. Alerts (Config.Alerts):
//     POST /v2/subscriptions/alerts; counted and logged at debug level. Both
//     are extras: a server refusing them leaves agents and queues running.
//   - The first message for an entity after subscribing is a full copy; later
//     ones are diffs carrying only what changed (see State for the merge
//     rules: null removes a field, removedSessions removes sessions).
//   - Only properties the document names are requested: queue metrics
//     queuedCount, answeredCount and abandonedCount (the day counts); agent
//     status properties agentStatus, reasonCodeName, utcStartTime and
//     isSuspended; session properties sessionType, queueId, agentId,
//     sessionStatus, queuedMs and activeMs. Anything else a hub sends is
//     kept and ignored.
//   - agentStatus is read as a name of the Status enum (any case) or its
//     number 1–20, else agentStatusId; a status outside the enum and the
//     configured mappings is unknown. A reasonCodeName shows as the agent's
//     status, as UJET's custom statuses do, and may be mapped to a state.
//   - Hold comes from the Model Session's isOnHold and holdStartTime when a
//     session carries them (they are not among the requestable session
//     properties).
//   - Connect queues have no SLA: the document has neither a service-level
//     metric nor a count answered within it.
//
// After every new connection (reconnect or token renewal) the subscriber
// subscribes again and resynchronises from fresh full copies: nothing from the
// old connection survives unless re-sent. A renewal opens the new connection
// before closing the old one, so the wall keeps updating; a lost connection
// marks the source not OK ("Connect: reconnecting") while the last data stays.
// Frames are merged in the order the hub sent them.
package signalr
