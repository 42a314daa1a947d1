// Identity (getIdentity, insertCoin({ identity })) and the relay's per-player
// room index (listMyRooms), against the real relay.
import assert from "node:assert/strict";
import { test } from "node:test";
import WebSocket from "ws";
import { createClient, listMyRooms, memoryStorage } from "../dist/index.js";
import { eventually, join, leaveAll, relayForFile, roomCode, startRelay } from "./support.mjs";

const relay = relayForFile();

const T = { timeout: 20000 };

test("getIdentity returns the joined player's id and a hex secret", T, async () => {
  const client = createClient();
  assert.equal(client.getIdentity(), undefined);
  await client.insertCoin({ relayUrl: relay.url, roomCode: roomCode(), WebSocket, storage: memoryStorage() });
  const identity = client.getIdentity();
  assert.equal(identity.playerId, client.myPlayer().id);
  assert.match(identity.secret, /^[0-9a-f]{64}$/);
  await client.leaveRoom();
});

test("listMyRooms reads the stored identity without joining, newest data from the relay", T, async () => {
  const storage = memoryStorage();
  const [a, b] = [roomCode(), roomCode()];
  const host = await join(relay, a, { storage });
  await host.leaveRoom();
  const other = await join(relay, b);
  const guest = await join(relay, b, { storage });
  // A fresh client that never joined: the identity comes from the storage.
  const rooms = await createClient().listMyRooms({ relayUrl: relay.url, storage });
  const byCode = Object.fromEntries(rooms.map((r) => [r.roomCode, r]));
  assert.deepEqual(Object.keys(byCode).sort(), [a, b].sort());
  assert.equal(byCode[a].host, true);
  assert.equal(byCode[b].host, false);
  assert.ok(byCode[b].lastJoinedMs > Date.now() - 60000 && byCode[b].lastJoinedMs <= Date.now() + 5000);
  // The global facade, and the joined client's own identity by default.
  assert.equal((await listMyRooms({ relayUrl: relay.url.replace("ws://", "http://") + "/ws", storage })).length, 2);
  assert.deepEqual((await guest.listMyRooms()).map((r) => r.roomCode).sort(), [a, b].sort());
  await leaveAll(guest, other);
});

test("insertCoin({ identity }) joins as that player on another device and stores it", T, async () => {
  const code = roomCode();
  const first = await join(relay, code);
  const identity = first.getIdentity();
  await first.leaveRoom();
  const device2 = memoryStorage();
  const second = await join(relay, code, { storage: device2, identity: { ...identity, secret: identity.secret.toUpperCase() } });
  assert.equal(second.myPlayer().id, identity.playerId);
  assert.deepEqual(second.getIdentity(), identity);
  const rooms = await listMyRooms({ relayUrl: relay.url, storage: device2 });
  assert.deepEqual(rooms.map((r) => [r.roomCode, r.host]), [[code, true]]);
  await second.leaveRoom();
});

test("listMyRooms fails clearly: no identity, wrong secret, relay unreachable", T, async () => {
  await assert.rejects(listMyRooms({ relayUrl: relay.url, storage: memoryStorage() }), { code: "NO_IDENTITY" });
  const client = await join(relay, roomCode());
  const { playerId } = client.getIdentity();
  await assert.rejects(listMyRooms({ relayUrl: relay.url, identity: { playerId, secret: "ab".repeat(32) } }), { code: "UNAUTHORIZED" });
  await assert.rejects(listMyRooms({ relayUrl: relay.url, identity: { playerId, secret: "not hex" } }), { code: "INVALID_ID" });
  await client.leaveRoom();
  const dead = await startRelay();
  await dead.stop();
  await assert.rejects(listMyRooms({ relayUrl: dead.url, identity: client.getIdentity() }), { code: "NETWORK_ERROR" });
});

test("without a document insertCoin skips the lobby, and coinop: keys stay out of the user's state", T, async () => {
  const code = roomCode();
  const client = createClient();
  let peer;
  try {
    // No skipLobby: in Node there is no lobby, so this resolves once joined.
    await client.insertCoin({ relayUrl: relay.url, roomCode: code, WebSocket });
    assert.throws(() => client.setState("coinop:launched", true), { code: "INVALID_KEY" });
    client.setState("score", 3);
    client._session.require().setState("coinop:launched", true, true);
    const seen = [];
    peer = await join(relay, code);
    peer.onStateChange((key) => seen.push(key));
    await eventually(() => peer._session.backend.getState("coinop:launched") === true, 5000, "reserved key synced");
    await eventually(() => peer.getState("score") === 3, 5000, "score synced");
    assert.deepEqual(peer.getStateKeys(), ["score"]);
    assert.equal(peer.getState("coinop:launched"), undefined);
    await peer.resetStates();
    await eventually(() => client.getState("score") === undefined, 5000, "reset");
    assert.equal(peer._session.backend.getState("coinop:launched"), true, "resetStates keeps reserved keys");
    assert.ok(!seen.some((k) => k.startsWith("coinop:")), `user listener saw ${seen}`);
  } finally {
    await leaveAll(client, peer);
  }
});
