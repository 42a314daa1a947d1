// Persistent data, matchmaking and public rooms, stream mode and spectators:
// the package against the real relay binary, in Node.
import assert from "node:assert/strict";
import { test } from "node:test";
import { memoryStorage } from "../dist/index.js";
import { eventually, join, leaveAll, relayForFile, roomCode } from "./support.mjs";

const relay = relayForFile();

test("persistent data follows the player across rooms, lists grow, limits reject with codes", async () => {
  const storage = memoryStorage();
  const a = await join(relay, roomCode(), { storage });
  assert.equal(await a.getPersistentData("coins"), undefined);
  await a.setPersistentData("coins", 42);
  await a.insertPersistentData("runs", { time: 61.5 });
  await a.insertPersistentData("runs", { time: 58.2 });
  await leaveAll(a);

  // Another room, same player (same storage): the same data.
  const again = await join(relay, roomCode(), { storage });
  assert.equal(await again.getPersistentData("coins"), 42);
  assert.deepEqual(await again.getPersistentData("runs"), [{ time: 61.5 }, { time: 58.2 }]);
  await again.setPersistentData("coins", undefined);
  assert.equal(await again.getPersistentData("coins"), undefined);
  await assert.rejects(again.setPersistentData("big", "x".repeat(70 * 1024)), (e) => e.message === "PERSISTENT_VALUE_TOO_LARGE");
  await assert.rejects(again.setPersistentData("", 1), (e) => e.message === "INVALID_FIELD");

  const other = await join(relay, roomCode());
  assert.equal(await other.getPersistentData("runs"), undefined, "another player's data is theirs");
  await leaveAll(again, other);
});

test("matchmaking: 50 players with maxPlayersPerRoom 4 fill 13 public rooms, listed with their counts", async () => {
  const clients = await Promise.all(
    Array.from({ length: 50 }, () => join(relay, undefined, { gameId: "js-party", maxPlayersPerRoom: 4, matchmaking: { waitBeforeCreatingNewRoom: 0 } })),
  );
  const rooms = new Map();
  for (const c of clients) rooms.set(c.getRoomCode(), (rooms.get(c.getRoomCode()) ?? 0) + 1);
  assert.equal(rooms.size, 13);
  assert.ok([...rooms.values()].every((n) => n <= 4));
  const listed = await clients[0].listPublicRooms();
  assert.equal(listed.length, 13);
  assert.equal(listed.reduce((n, r) => n + r.players, 0), 50);
  assert.ok(listed.every((r) => r.maxPlayers === 4 && r.players <= 4));
  await leaveAll(...clients);
});

test("startMatchmaking opens the host's room to players matchmaking for the game", async () => {
  const code = roomCode();
  const host = await join(relay, code, { gameId: "js-quiz" });
  const guest = join(relay, undefined, { gameId: "js-quiz", matchmaking: true });
  await new Promise((r) => setTimeout(r, 200));
  await host.startMatchmaking();
  const seated = await guest;
  assert.equal(seated.getRoomCode(), code);
  await eventually(() => host.getPlayers().length === 2, 5000, "the guest seated");
  await assert.rejects(seated.startMatchmaking(), (e) => e.message === "NOT_HOST");
  await leaveAll(host, seated);
});

test("a stream screen and a spectator are in the roster, not among the players", async () => {
  const code = roomCode();
  const tv = await join(relay, code, { streamMode: true });
  assert.equal(tv.isStreamScreen(), true);
  const joined = [];
  tv.onPlayerJoin((p) => joined.push(p.id));
  const phone = await join(relay, code);
  assert.equal(phone.isStreamScreen(), false);
  const watcher = await join(relay, code, { spectator: true });
  assert.equal(watcher.isSpectator(), true);
  await eventually(() => tv.getRoster().length === 3, 5000, "three in the roster");
  assert.deepEqual(
    tv.getRoster().map((m) => m.role),
    ["streamScreen", "player", "spectator"],
  );
  assert.deepEqual(tv.getPlayers().map((p) => p.id), [phone.myPlayer().id]);
  assert.deepEqual(joined, [phone.myPlayer().id], "onPlayerJoin fires for players only");
  tv.setState("round", 1);
  await eventually(() => watcher.getState("round") === 1, 5000, "the spectator reads");
  assert.throws(() => watcher.setState("round", 2), (e) => e.message === "READ_ONLY");
  await leaveAll(tv, phone, watcher);
});
