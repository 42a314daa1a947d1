import assert from "node:assert/strict";
import { test } from "node:test";
import { eventually, join, leaveAll, relayForFile, roomCode } from "./support.mjs";

const relay = relayForFile();

test("onPlayerJoin replays existing players first, then new ones; onQuit fires", async () => {
  const code = roomCode();
  const a = await join(relay, code, { reconnectGracePeriod: 0 });
  const b = await join(relay, code);
  const joined = [];
  b.onPlayerJoin((p) => joined.push(p.id));
  assert.deepEqual(joined, [a.myPlayer().id, b.myPlayer().id]);
  const c = await join(relay, code);
  await eventually(() => joined.length === 3, 5000, "third join");
  assert.equal(joined[2], c.myPlayer().id);
  let quit = false;
  b.getPlayer(c.myPlayer().id).onQuit(() => (quit = true));
  await c.leaveRoom();
  await eventually(() => quit, 5000, "quit");
  await leaveAll(a, b);
});

test("the first player is host; the host can transfer it", async () => {
  const code = roomCode();
  const a = await join(relay, code);
  const b = await join(relay, code);
  await eventually(() => a.isHost() && !b.isHost(), 5000, "host");
  await a.transferHost(b.myPlayer().id);
  await eventually(() => b.isHost() && !a.isHost(), 5000, "transfer");
  await leaveAll(a, b);
});
