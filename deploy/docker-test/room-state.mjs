// Writes or reads one room key through a relay with the coinop JS package,
// for deploy/docker-test.sh (Node 20 or later):
//
//   node room-state.mjs PACKAGE_DIR WS_DIR RELAY_URL ROOM set KEY VALUE
//   node room-state.mjs PACKAGE_DIR WS_DIR RELAY_URL ROOM get KEY      (prints the value as JSON)
//
// PACKAGE_DIR holds the package as the image serves it (index.js and
// wasm/coinop_wasm_bg.wasm, fetched from /coinop/); WS_DIR is a directory
// from which `require("ws")` resolves (Node 20 has no global WebSocket).
// `set` returns once the relay has acked the change (stored it on disk).
import { createRequire } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const [pkgDir, wsDir, relayUrl, roomCode, op, key, value] = process.argv.slice(2);
if (!key || (op !== "get" && op !== "set") || (op === "set" && value === undefined)) {
  console.error("usage: room-state.mjs PACKAGE_DIR WS_DIR RELAY_URL ROOM set KEY VALUE | get KEY");
  process.exit(2);
}
const WebSocket = createRequire(join(wsDir, "resolve-from-here.js"))("ws");
const coinop = await import(pathToFileURL(join(pkgDir, "index.js")).href);

// Bounded: a relay that does not answer fails the check instead of hanging it.
const deadline = setTimeout(() => {
  console.error(`room-state: no answer from ${relayUrl} within 20 s`);
  process.exit(1);
}, 20_000);

await coinop.insertCoin({ relayUrl, roomCode, WebSocket, skipLobby: true, replica: false });
if (op === "set") {
  coinop.setState(key, value);
  while (!coinop.getStatus().saved) await new Promise((r) => setTimeout(r, 20));
} else {
  console.log(JSON.stringify(coinop.getState(key) ?? null));
}
await coinop.leaveRoom();
clearTimeout(deadline);
// The package keeps no timers after leaveRoom, but the ws module may hold
// its socket open for a moment: exit now.
process.exit(0);
