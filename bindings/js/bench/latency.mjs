// JS setState → another client's onStateChange, in Node, through a real relay.
//
//   node bench/latency.mjs [writes=2000] [relay binary]
//
// Starts the relay binary (durable, temporary data dir), joins two clients
// built from dist/, writes at 200/s and prints p50/p99 in ms.
import { join, startRelay, roomCode } from "../test/support.mjs";

const writes = Number(process.argv[2] ?? 2000);
if (process.argv[3]) process.env.COINOP_RELAY_BIN = process.argv[3];
const relay = await startRelay();
const code = roomCode();
const a = await join(relay, code);
const b = await join(relay, code);
const latencies = [];
const done = new Promise((resolve) => {
  b.onStateChange((key, value) => {
    if (key !== "t") return;
    latencies.push(performance.now() - value.sent);
    if (latencies.length >= writes) resolve();
  });
});
for (let i = 0; i < writes; i++) {
  a.setState("t", { i, sent: performance.now() });
  await new Promise((r) => setTimeout(r, 5));
}
await Promise.race([done, new Promise((r) => setTimeout(r, 30000))]);
latencies.sort((x, y) => x - y);
const q = (p) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))];
console.log(`| JS setState → onStateChange (Node, durable relay) | ${q(0.5).toFixed(2)} | ${q(0.99).toFixed(2)} | ${latencies.length}/${writes} observed |`);
await a.leaveRoom();
await b.leaveRoom();
await relay.stop();
process.exit(0);
