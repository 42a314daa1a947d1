// The replica records the package hands to a custom `replica` store (in
// Node there is no IndexedDB, so the option is the only replica here): a
// record after every local write, at once, holding it; other players'
// writes alone rewrite the record at most about once a second (each record
// carries a full save of the document, whose cost grows with the room).
// A store whose writes fail is reported, tried again, and the client does
// not call itself saved until a write succeeds.
import assert from "node:assert/strict";
import { test } from "node:test";
import { eventually, join, leaveAll, relayForFile, roomCode } from "./support.mjs";

const relay = relayForFile();

/** A replica store that keeps every record it is given, with its time. */
function recordingStore() {
  const records = [];
  return {
    records,
    async load() {
      return undefined;
    },
    async save(player, room, bytes) {
      records.push({ at: Date.now(), player, room, size: bytes.length });
    },
  };
}

test("other players' writes rewrite the replica at most about once a second; our own write at once", async () => {
  const code = roomCode();
  const store = recordingStore();
  const reader = await join(relay, code, { replica: store });
  const writer = await join(relay, code);
  try {
    await checkRecords(store, reader, writer);
  } finally {
    await leaveAll(reader, writer);
  }
});

async function checkRecords(store, reader, writer) {
  await eventually(() => reader.getStatus().saved, 5000, "the reader's own join is stored");
  const before = store.records.length;
  const started = Date.now();
  // 100 writes by the other player over about 1.2 s, each seen by the reader.
  for (let i = 1; i <= 100; i++) {
    writer.setState("n", i);
    await new Promise((r) => setTimeout(r, 12));
  }
  await eventually(() => reader.getState("n") === 100, 5000, "the reader sees every write");
  const elapsed = Date.now() - started;
  const during = store.records.length - before;
  assert.ok(
    during <= Math.ceil(elapsed / 1000) + 1,
    `${during} records in ${elapsed} ms for 100 writes of another player (one per second expected)`,
  );
  // The document changed: its save comes within a second or so.
  await eventually(() => store.records.length > before, 3000, "the changed document is saved");

  // Our own write is in a record at once, before the relay could ack it.
  const mine = store.records.length;
  reader.setState("mine", "kept");
  await eventually(() => store.records.length > mine, 500, "a record right after our write");
}

test("a replica store whose writes fail is reported (REPLICA_NOT_SAVED), tried again, and saved is false until one succeeds", async () => {
  const code = roomCode();
  let broken = false;
  const written = [];
  const store = {
    async load() {
      return undefined;
    },
    async save(player, room, bytes) {
      if (broken) throw new Error("disk full");
      written.push(bytes.length);
    },
  };
  const client = await join(relay, code, { replica: store });
  const errors = [];
  client.onError((e) => errors.push(e.code));
  try {
    await eventually(() => client.getStatus().saved, 5000, "the join is stored");
    broken = true;
    client.setState("k", "kept");
    await eventually(() => errors.includes("REPLICA_NOT_SAVED"), 5000, "the failed write is reported");
    // The relay has stored the write long since, but the replica has not.
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(client.getStatus().saved, false, "not saved while the replica's writes fail");
    const before = written.length;
    broken = false;
    await eventually(() => client.getStatus().saved, 10000, "saved once a write succeeds");
    assert.ok(written.length > before, "a record was written after the failure");
    assert.equal(errors.filter((c) => c === "REPLICA_NOT_SAVED").length, 1, `reported once: ${errors}`);
  } finally {
    await leaveAll(client);
  }
});
