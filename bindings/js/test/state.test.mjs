import assert from "node:assert/strict";
import { test } from "node:test";
import { memoryStorage } from "../dist/index.js";
import { eventually, join, leaveAll, relayForFile, roomCode } from "./support.mjs";

const relay = relayForFile();

test("two clients converge on room state and see who changed it", async () => {
  const code = roomCode();
  const a = await join(relay, code);
  const b = await join(relay, code);
  const seen = [];
  b.onStateChange((key, value, playerId) => seen.push({ key, value, playerId }));
  a.setState("round", 1);
  b.setState("title", { text: "quiz night", tags: ["fun"] });
  await eventually(() => a.getState("title")?.text === "quiz night" && b.getState("round") === 1, 5000, "convergence");
  assert.deepEqual(a.getState("title"), { text: "quiz night", tags: ["fun"] });
  const remote = seen.find((e) => e.key === "round");
  assert.equal(remote.value, 1);
  assert.equal(remote.playerId, a.myPlayer().id);
  await eventually(() => a.getStatus().saved && b.getStatus().saved, 5000, "saved");
  assert.equal(a.getStatus().connection, "connected");
  await leaveAll(a, b);
});

test("changes that arrive together reach every listener, each once, even past one that throws", async () => {
  const code = roomCode();
  const a = await join(relay, code);
  const b = await join(relay, code);
  const seen = new Map();
  let thrown = 0;
  const error = console.error;
  console.error = () => {};
  b.onStateChange(() => {
    thrown += 1;
    throw new Error("a buggy listener");
  });
  b.onStateChange((key, value) => seen.set(key, [...(seen.get(key) ?? []), value]));
  try {
    // One turn of writes: one change, many events for b in one delivery.
    for (let i = 0; i < 20; i++) a.setState(`k${i}`, { i, text: `value "${i}" \u00e9\n` });
    await eventually(() => seen.size === 20, 5000, "all 20 keys at b");
  } finally {
    console.error = error;
  }
  for (let i = 0; i < 20; i++) assert.deepEqual(seen.get(`k${i}`), [{ i, text: `value "${i}" \u00e9\n` }]);
  assert.equal(thrown, 20);
  await leaveAll(a, b);
});

test("concurrent increments add up", async () => {
  const code = roomCode();
  const a = await join(relay, code);
  const b = await join(relay, code);
  for (let i = 0; i < 10; i++) {
    a.increment("votes", 1);
    b.increment("votes", 2);
  }
  await eventually(() => a.getState("votes") === 30 && b.getState("votes") === 30, 5000, "counter");
  await leaveAll(a, b);
});

test("unreliable updates arrive but are never stored", async () => {
  const code = roomCode();
  const a = await join(relay, code);
  const b = await join(relay, code);
  a.setState("kept", "yes");
  a.setState("cursor", { x: 10, y: 20 }, false);
  a.myPlayer().setState("pos", { x: 1 }); // per-player default: unreliable
  await eventually(() => b.getState("cursor")?.x === 10, 5000, "unreliable room value");
  await eventually(() => b.getPlayer(a.myPlayer().id)?.getState("pos")?.x === 1, 5000, "unreliable player value");
  await eventually(() => a.getStatus().saved, 5000, "saved");
  await leaveAll(a, b);
  // After a restart the relay only has what it stored.
  await relay.restart();
  const c = await join(relay, code);
  assert.equal(c.getState("kept"), "yes");
  assert.equal(c.getState("cursor"), undefined);
  await c.leaveRoom();
});

test("a reload (new client, same stored identity) is the same player with the same state", async () => {
  const code = roomCode();
  const storage = memoryStorage();
  const first = await join(relay, code, { storage, profile: { name: "Ada" } });
  const id = first.myPlayer().id;
  first.myPlayer().setState("score", 7, true);
  await eventually(() => first.getStatus().saved, 5000, "saved");
  await first.leaveRoom();
  const again = await join(relay, code, { storage });
  assert.equal(again.myPlayer().id, id);
  assert.equal(again.myPlayer().getState("score"), 7);
  assert.equal(again.myPlayer().getProfile().name, "Ada");
  await again.leaveRoom();
});

test("waitForState resolves once a key becomes truthy; resetStates restores defaults", async () => {
  const code = roomCode();
  const defaults = { phase: "lobby" };
  const a = await join(relay, code, { defaultStates: defaults });
  const b = await join(relay, code, { defaultStates: defaults });
  const waiting = b.waitForState("winner");
  a.setState("winner", "ada");
  assert.equal(await waiting, "ada");
  a.setState("phase", "playing");
  await eventually(() => b.getState("phase") === "playing", 5000, "phase");
  await a.resetStates(["winner"]);
  await eventually(() => b.getState("phase") === "lobby", 5000, "reset");
  assert.equal(b.getState("winner"), "ada");
  await leaveAll(a, b);
});
