// Every error is a CoinopError whose message is its stable code, as Playroom
// Kit's `e.message === "ROOM_LIMIT_EXCEEDED"` expects; `code` is the same and
// `detail` says what happened.
import assert from "node:assert/strict";
import { test } from "node:test";
import WebSocket from "ws";
import { CoinopError, createClient, memoryStorage } from "../dist/index.js";
import { join, leaveAll, relayForFile, roomCode } from "./support.mjs";

const relay = relayForFile();

/** An assertion for `assert.throws`/`rejects`: a CoinopError with `code` as message and code, and a `detail` matching `detail`. */
function coinopError(code, detail = /./) {
  return (e) => {
    assert.ok(e instanceof CoinopError, `not a CoinopError: ${e}`);
    assert.equal(e.message, code);
    assert.equal(e.code, code);
    assert.match(e.detail, detail);
    return true;
  };
}

test("a full room rejects with ROOM_LIMIT_EXCEEDED as the message, the relay's words in detail", async () => {
  const code = roomCode();
  const a = await join(relay, code, { maxPlayersPerRoom: 2 });
  const b = await join(relay, code);
  await assert.rejects(join(relay, code), coinopError("ROOM_LIMIT_EXCEEDED", /full/i));
  await leaveAll(a, b);
});

test("errors of the TypeScript layer and of the Wasm core have the same shape", async () => {
  const idle = createClient();
  assert.throws(() => idle.setState("k", 1), coinopError("NOT_JOINED", /insertCoin/));
  await assert.rejects(idle.RPC.call("x"), coinopError("NOT_JOINED"));
  await assert.rejects(
    idle.insertCoin({ relayUrl: "ftp://127.0.0.1:1", roomCode: roomCode(), skipLobby: true, WebSocket, storage: memoryStorage() }),
    coinopError("INVALID_URL"),
  );
  const client = await join(relay, roomCode());
  try {
    assert.throws(() => client.setState("coinop:x", 1), coinopError("INVALID_KEY", /reserved/));
    // Thrown by the Wasm core (a BigInt is no JSON value).
    assert.throws(() => client.setState("k", 1n), coinopError("INVALID_VALUE"));
    assert.throws(() => client.myPlayer().setState("k", 1n, true), coinopError("INVALID_VALUE"));
    await assert.rejects(client.RPC.call("nobody", null, client.RPC.Mode.OTHERS, { timeout: 100 }), coinopError("RPC_TIMEOUT"));
  } finally {
    await client.leaveRoom();
  }
});
