// Sizes are checked before sending: a write, unreliable value or RPC
// argument over the relay's limits (told to the client when it joins)
// throws or rejects at the call with a stable code, and nothing is queued
// that the relay could never take.
import assert from "node:assert/strict";
import { test } from "node:test";
import { CoinopError } from "../dist/index.js";
import { eventually, join, leaveAll, relayForFile, roomCode } from "./support.mjs";

// Changes of at most 16 KiB in frames of at most 64 KiB.
const relay = relayForFile(["--max-change-bytes", "16384", "--max-frame-bytes", "65536"]);

function tooLarge(code) {
  return (e) => {
    assert.ok(e instanceof CoinopError, `not a CoinopError: ${e}`);
    assert.equal(e.code, code);
    assert.match(e.detail, /accepts at most/);
    return true;
  };
}

test("writes, values and RPC arguments over the relay's limits fail at the call", async () => {
  const code = roomCode();
  const a = await join(relay, code);
  const b = await join(relay, code);
  try {
    assert.throws(() => a.setState("big", "x".repeat(20000)), tooLarge("CHANGE_TOO_LARGE"));
    assert.throws(() => a.setState("cursor", "x".repeat(70000), false), tooLarge("VALUE_TOO_LARGE"));
    await assert.rejects(a.RPC.call("echo", "x".repeat(70000), a.RPC.Mode.OTHERS), tooLarge("VALUE_TOO_LARGE"));
    assert.equal(a.getState("big"), undefined, "nothing was written");
    // Nothing unsendable waits: the room saves and works on.
    a.setState("small", 1);
    await eventually(() => a.getStatus().saved && b.getState("small") === 1, 5000, "the small write");
    assert.equal(b.getState("big"), undefined);
  } finally {
    await leaveAll(a, b);
  }
});
