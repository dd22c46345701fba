// Connects Microsoft's SignalR client to the simulated Connect hub, subscribes
// to every agent over the REST API and prints one JSON line per message until
// it has seen a full copy and a diff.
// Usage: node client.mjs <base-url> <bearer-token> <agent-ids>
import * as signalR from "@microsoft/signalr";

const [base, token, agentIds] = process.argv.slice(2);
if (!base || !token || !agentIds) {
  console.error("usage: node client.mjs <base-url> <bearer-token> <agent-ids>");
  process.exit(2);
}

const connection = new signalR.HubConnectionBuilder()
  .withUrl(base + "/webapi/hubs/gold", {
    accessTokenFactory: () => token,
    transport: signalR.HttpTransportType.WebSockets,
  })
  .configureLogging(signalR.LogLevel.Warning)
  .build();

let full = 0;
let diffs = 0;
const done = new Promise((resolve) => {
  connection.on("agentUpdate", (items) => {
    for (const item of [].concat(items)) {
      // A full copy names the agent; a diff carries only what changed.
      if (item.name !== undefined) full++;
      else diffs++;
    }
    console.log(JSON.stringify({ full, diffs }));
    if (full > 0 && diffs > 0) resolve();
  });
  connection.on("queueUpdate", () => {});
});

const timer = setTimeout(() => {
  console.error(`timeout: ${full} full copies, ${diffs} diffs`);
  process.exit(1);
}, 20000);

const t0 = Date.now();
const mark = (what) => console.error(`${what} +${Date.now() - t0}ms`);
await connection.start();
mark("started");
const res = await fetch(`${base}/webapi/api/v2/subscriptions/agents?agentIds=${agentIds}`, {
  method: "POST",
  headers: { Authorization: "Bearer " + token, "Content-Type": "application/json", Accept: "application/json" },
  body: JSON.stringify({ connectionId: connection.connectionId, statusProperties: ["agentStatus"] }),
});
if (!res.ok) {
  console.error("subscribe: " + res.status);
  process.exit(1);
}
const { subscriptionId } = await res.json();
await done;
mark("done");
await fetch(`${base}/webapi/api/v2/subscriptions/${subscriptionId}`, {
  method: "DELETE",
  headers: { Authorization: "Bearer " + token, "Content-Type": "application/json" },
  body: JSON.stringify({ connectionId: connection.connectionId }),
});
mark("deleted");
clearTimeout(timer);
await connection.stop();
mark("stopped");
console.log(JSON.stringify({ ok: true, full, diffs }));
// Leave now: idle keep-alive sockets of fetch may otherwise hold node open.
process.exit(0);
