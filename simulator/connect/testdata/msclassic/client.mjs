// Connects Microsoft's classic ASP.NET SignalR 2 JavaScript client (npm
// "signalr" 2.4.3, jquery.signalR.js, under jsdom with ws and eventsource) to
// the simulated Connect hub over one transport, subscribes to every agent over
// the REST API, and prints one JSON line per event. After its first diff it
// prints {"phase":"drop"}: the test then cuts the transport, and the client
// must reconnect and receive diffs again.
// Usage: node client.mjs <base-url> <bearer-token> <agent-ids> <transport>
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { JSDOM } from "jsdom";
import WebSocket from "ws";
import EventSource from "eventsource";

const [base, token, agentIds, transport] = process.argv.slice(2);
if (!base || !token || !agentIds || !transport) {
  console.error("usage: node client.mjs <base-url> <bearer-token> <agent-ids> <transport>");
  process.exit(2);
}

const require = createRequire(import.meta.url);
const dom = new JSDOM("<!doctype html><html><body></body></html>", { url: base + "/" });
const window = dom.window;
window.WebSocket = WebSocket;
// A browser dispatches an EventSource's error event at its target
// (eventPhase 2, AT_TARGET); jquery.signalR.js reads that to tell a stream the
// server ended (reconnect with the last message id) from other errors. The
// npm eventsource's events carry no phase, so give them the browser's. Its own
// reconnect also comes after 1 s where browsers wait about 3 s, which would beat
// the SignalR client's reconnect (2 s) to a stale /connect URL.
class BrowserEventSource extends EventSource {
  constructor(url, init) {
    super(url, init);
    this.reconnectInterval = 3000;
  }
  addEventListener(type, listener, options) {
    if (type !== "error") return super.addEventListener(type, listener, options);
    return super.addEventListener(type, function (e) {
      try { Object.defineProperty(e, "eventPhase", { value: 2 }); } catch { /* frozen: leave it */ }
      return listener.call(this, e);
    }, options);
  }
}
window.EventSource = BrowserEventSource;
const $ = require("jquery")(window);
window.jQuery = window.$ = $;
const src = readFileSync(require.resolve("signalr/jquery.signalR.js"), "utf8");
new Function("window", "jQuery", src)(window, $); // it reads window.jQuery

const say = (o) => console.log(JSON.stringify(o));
const connection = $.hubConnection(base + "/webapi/signalr", { useDefaultPath: false });
connection.logging = !!process.env.SIGNALR_LOG;
connection.accessToken = token; // header on ajax, access_token in the query for ws and sse
const hub = connection.createHubProxy("goldDataHub");

let full = 0, diffs = 0, dropped = false, reconnected = false, after = 0;
let finish;
const done = new Promise((resolve) => (finish = resolve));
hub.on("agentUpdate", (items) => {
  for (const item of [].concat(items)) {
    if (item.name !== undefined) full++;
    else diffs++;
    if (reconnected) after++;
  }
  say({ full, diffs, after });
  if (full > 0 && diffs > 0 && !dropped) {
    dropped = true;
    say({ phase: "drop" });
  }
  if (reconnected && after > 0) finish();
});
hub.on("queueUpdate", () => {});
connection.reconnecting(() => say({ event: "reconnecting" }));
connection.reconnected(() => { reconnected = true; say({ event: "reconnected", transport: connection.transport.name }); });
connection.error((e) => say({ event: "error", message: String(e && e.message) }));
connection.disconnected(() => say({ event: "disconnected" }));

const timer = setTimeout(() => {
  console.error(`timeout: ${full} full copies, ${diffs} diffs, dropped ${dropped}, reconnected ${reconnected}`);
  process.exit(1);
}, 40000);

await new Promise((resolve, reject) => connection.start({ transport: [transport] }).done(resolve).fail(reject));
say({ event: "started", transport: connection.transport.name, id: connection.id });
if (connection.transport.name !== transport) {
  console.error("started on " + connection.transport.name);
  process.exit(1);
}
const headers = { Authorization: "Bearer " + token, "Content-Type": "application/json", Accept: "application/json" };
const res = await fetch(`${base}/webapi/api/v2/subscriptions/agents?agentIds=${agentIds}`, {
  method: "POST", headers, body: JSON.stringify({ connectionId: connection.id, statusProperties: ["agentStatus"] }),
});
if (!res.ok) {
  console.error("subscribe: " + res.status);
  process.exit(1);
}
const { subscriptionId } = await res.json();
await done;
await fetch(`${base}/webapi/api/v2/subscriptions/${subscriptionId}`, {
  method: "DELETE", headers, body: JSON.stringify({ connectionId: connection.id }),
});
clearTimeout(timer);
connection.stop();
say({ ok: true, full, diffs, after });
process.exit(0);
