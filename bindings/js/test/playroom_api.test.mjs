// Rows of the README's Playroom Kit table that no other file covered: the
// package against the real relay binary, in Node, used as Playroom code uses it.
import assert from "node:assert/strict";
import { test } from "node:test";
import WebSocket from "ws";
import { createClient, memoryStorage } from "../dist/index.js";
import { eventually, join, leaveAll, relayForFile, roomCode } from "./support.mjs";

const relay = relayForFile();
const T = { timeout: 30000 };

// Node 20 has no global WebSocket: install one whose sockets the tests can
// cut (a dropped connection), and whose new connections can be held off
// (the relay looks unreachable) to keep a dropped player away.
const sockets = [];
let unreachable = false;
globalThis.WebSocket = class extends WebSocket {
  constructor(url, ...rest) {
    super(unreachable ? "ws://127.0.0.1:1/ws" : url, ...rest);
    sockets.push(this);
  }
};

/** Player `id` as `client` sees it, once it has seen them join. */
const seen = (client, id) => eventually(() => client.getPlayer(id), 5000, `${id} seated`);

/** A joined client and the socket it joined on. */
async function joinTracked(code, options = {}) {
  const before = sockets.length;
  const client = await join(relay, code, options);
  return { client, socket: sockets[sockets.length - 1], opened: sockets.length - before };
}

test("insertCoin(options, onLaunch, onDisconnect): onLaunch once joined, onDisconnect when the connection ends", T, async () => {
  const code = roomCode();
  const host = await join(relay, code);
  const guest = createClient();
  const launches = [];
  const disconnects = [];
  // persistentMode is Playroom's switch for the persistence API: accepted, always on.
  const options = { relayUrl: relay.url, roomCode: code, WebSocket, storage: memoryStorage(), persistentMode: true };
  await guest.insertCoin(options, () => launches.push(guest.getRoomCode()), (e) => disconnects.push(e));
  assert.deepEqual(launches, [code]);
  await guest.setPersistentData("seen", true);
  await (await seen(host, guest.myPlayer().id)).kick();
  await eventually(() => disconnects.length > 0, 5000, "onDisconnect");
  assert.equal(disconnects[0].code, "KICKED");
  assert.equal(typeof disconnects[0].reason, "string");
  await leaveAll(host);
});

test("me() is myPlayer(), and getProfile() has Playroom's shape", T, async () => {
  const code = roomCode();
  const a = await join(relay, code, { profile: { name: "Ada", color: "#ff8000", avatar: "3" } });
  const b = await join(relay, code, { profile: { name: "Bob", color: "#0080ff", avatar: "https://example.com/bob.png" } });
  try {
    assert.equal(a.me().id, a.myPlayer().id);
    const ada = await seen(b, a.me().id);
    await eventually(() => ada.getProfile().name === "Ada", 5000, "Ada's profile");
    assert.deepEqual(ada.getProfile(), { name: "Ada", color: { r: 255, g: 128, b: 0, hex: 0xff8000, hexString: "#ff8000" }, photo: "", avatarIndex: 3 });
    const bob = await seen(a, b.me().id);
    await eventually(() => bob.getProfile().name === "Bob", 5000, "Bob's profile");
    assert.equal(bob.getProfile().photo, "https://example.com/bob.png");
    assert.equal(bob.getProfile().avatarIndex, -1);
  } finally {
    await leaveAll(a, b);
  }
});

test("defaultPlayerStates seed every player; resetPlayersStates restores them, keeping the keys listed", T, async () => {
  const code = roomCode();
  const defaults = { defaultPlayerStates: { lives: 3, team: "none" } };
  const a = await join(relay, code, defaults);
  const b = await join(relay, code, defaults);
  try {
    const bOnA = await seen(a, b.me().id);
    await eventually(() => bOnA.getState("lives") === 3 && a.me().getState("team") === "none", 5000, "the defaults");
    a.me().setState("lives", 1, true);
    a.me().setState("team", "red", true);
    b.me().setState("lives", 0, true);
    b.me().setState("coins", 9, true);
    await eventually(() => a.getPlayer(b.me().id).getState("coins") === 9, 5000, "b's writes");
    await a.resetPlayersStates(["team"]);
    await eventually(() => b.getPlayer(a.me().id).getState("lives") === 3 && b.me().getState("lives") === 3, 5000, "the reset");
    assert.equal(b.me().getState("coins"), undefined, "a key without a default goes");
    assert.equal(b.getPlayer(a.me().id).getState("team"), "red", "an excluded key stays");
  } finally {
    await leaveAll(a, b);
  }
});

test("player.leaveRoom() leaves at once for your own player and refuses another's", T, async () => {
  const code = roomCode();
  const a = await join(relay, code, { reconnectGracePeriod: 60000 });
  const b = await join(relay, code);
  let quit = false;
  (await seen(a, b.me().id)).onQuit(() => (quit = true));
  await assert.rejects(a.getPlayer(b.me().id).leaveRoom(), { code: "NOT_OWN_PLAYER" });
  await b.me().leaveRoom();
  // No grace period for a player who leaves (the room's is a minute).
  await eventually(() => quit, 5000, "onQuit");
  assert.equal(b.getStatus().connection, "offline");
  await leaveAll(a);
});

test("reconnectGracePeriod: a dropped player keeps the seat inside it and quits after it", { timeout: 60000 }, async () => {
  const code = roomCode();
  const grace = 3000;
  const a = await join(relay, code, { reconnectGracePeriod: grace });
  const disconnects = [];
  const { client: b, socket, opened } = await joinTracked(code);
  assert.equal(opened, 1);
  b.onDisconnect((e) => disconnects.push(e.code));
  const bId = b.me().id;
  let quit = 0;
  (await seen(a, bId)).onQuit(() => (quit += 1));
  try {
    // Back within the grace period: nobody sees the player leave.
    socket.terminate();
    await eventually(() => disconnects.includes("CONNECTION_LOST"), 10000, "the drop");
    await eventually(() => b.getStatus().connection === "connected", 10000, "the reconnect");
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(quit, 0, "a reconnect inside the grace period is no quit");
    assert.ok(a.getPlayer(bId));

    // Away for longer: the seat is freed once the grace period is over.
    unreachable = true;
    const dropped = Date.now();
    sockets[sockets.length - 1].terminate();
    await eventually(() => quit === 1, 20000, "onQuit after the grace period");
    assert.ok(Date.now() - dropped >= grace - 200, `quit after ${Date.now() - dropped} ms`);
    assert.equal(a.getPlayer(bId), undefined);
  } finally {
    unreachable = false;
    await leaveAll(a, b);
  }
});

test("RPC.call's fourth argument may be Playroom's callbackOnResponse", T, async () => {
  const code = roomCode();
  const a = await join(relay, code);
  const b = await join(relay, code);
  try {
    b.RPC.register("double", (n) => n * 2);
    const responses = [];
    const result = await a.RPC.call("double", 21, a.RPC.Mode.OTHERS, (response) => responses.push(response));
    assert.equal(result, 42);
    assert.deepEqual(responses, [42]);
  } finally {
    await leaveAll(a, b);
  }
});

test("onDisconnect says REPLACED when the same player joins from elsewhere", T, async () => {
  const code = roomCode();
  const storage = memoryStorage();
  const first = await join(relay, code, { storage });
  const disconnects = [];
  first.onDisconnect((e) => disconnects.push(e.code));
  const second = await join(relay, code, { storage });
  try {
    assert.equal(second.me().id, first.me().id);
    await eventually(() => disconnects.includes("REPLACED"), 5000, "REPLACED");
    await eventually(() => first.getStatus().connection === "offline", 5000, "the first stays offline");
  } finally {
    await leaveAll(first, second);
  }
});
