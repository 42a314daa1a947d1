// The room lifecycle from JS, against the real relay: a kick lasts until the
// host unbans, `onlyExisting` joins, and deleting a room from inside it
// (`deleteRoom`) or from a dashboard (`deleteMyRoom`).
import assert from "node:assert/strict";
import { test } from "node:test";
import { createClient, deleteMyRoom, memoryStorage } from "../dist/index.js";
import { eventually, join, leaveAll, relayForFile, roomCode } from "./support.mjs";

const relay = relayForFile();

const T = { timeout: 20000 };

/** The first disconnect event `client` reports. */
const disconnected = (client) => new Promise((resolve) => client.onDisconnect(resolve));

test("a kicked player is refused until the host unbans them", T, async () => {
  const code = roomCode();
  const host = await join(relay, code);
  const storage = memoryStorage();
  const guest = await join(relay, code, { storage });
  const guestId = guest.myPlayer().id;
  const gone = disconnected(guest);
  // The guest's join resolves before the host has seen the guest's seat.
  const seat = await eventually(() => host.getPlayer(guestId), 5000, "the guest's seat");
  await seat.kick();
  assert.equal((await gone).code, "KICKED");
  await assert.rejects(join(relay, code, { storage }), { code: "KICKED" });
  await host.unbanPlayer(guestId);
  // The unban travels on the host's connection: the guest may be quicker once.
  let back;
  for (let i = 0; i < 50 && !back; i++) {
    back = await join(relay, code, { storage }).catch((e) => {
      assert.equal(e.code, "KICKED");
      return new Promise((r) => setTimeout(r, 50));
    });
  }
  assert.ok(back, "the guest never got back in");
  assert.equal(back.myPlayer().id, guestId);
  await leaveAll(host, back);
});

test("onlyExisting refuses a code no room has, and joins one that exists", T, async () => {
  await assert.rejects(join(relay, roomCode(), { onlyExisting: true }), { code: "ROOM_NOT_FOUND" });
  const code = roomCode();
  const host = await join(relay, code);
  const guest = await join(relay, code, { onlyExisting: true });
  assert.equal(guest.getRoomCode(), code);
  await leaveAll(host, guest);
});

test("the owner deletes a room from inside it or from a dashboard; nobody else can", T, async () => {
  const code = roomCode();
  const storage = memoryStorage();
  const owner = await join(relay, code, { storage });
  const guest = await join(relay, code);
  await assert.rejects(guest.deleteMyRoom(code), { code: "NOT_OWNER" });
  const [ownerGone, guestGone] = [disconnected(owner), disconnected(guest)];
  await owner.deleteRoom();
  assert.equal((await guestGone).code, "ROOM_DELETED");
  assert.equal((await ownerGone).code, "ROOM_DELETED");
  await assert.rejects(join(relay, code, { onlyExisting: true }), { code: "ROOM_NOT_FOUND" });
  // From a dashboard, for a room nobody is in.
  const later = roomCode();
  const again = await join(relay, later, { storage });
  await again.leaveRoom();
  await deleteMyRoom(later, { relayUrl: relay.url, storage });
  await assert.rejects(deleteMyRoom(later, { relayUrl: relay.url, storage }), { code: "ROOM_NOT_FOUND" });
  assert.deepEqual(await createClient().listMyRooms({ relayUrl: relay.url, storage }), []);
});
