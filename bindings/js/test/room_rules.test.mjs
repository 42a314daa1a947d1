// Room write rules from JS: `insertCoin({ roomRules })` sets them when the
// join creates the room; a write they forbid is undone locally, reported
// through `onError` as a CoinopError, and later writes go through.
import assert from "node:assert/strict";
import { test } from "node:test";
import { CoinopError } from "../dist/index.js";
import { eventually, join, leaveAll, relayForFile, roomCode } from "./support.mjs";

const relay = relayForFile();

test("a host-only key written by another player is refused, undone and reported by onError", async () => {
  const code = roomCode();
  const host = await join(relay, code, { roomRules: { hostOnlyKeys: ["round"] } });
  const guest = await join(relay, code);
  const errors = [];
  guest.onError((e) => errors.push(e));
  try {
    guest.setState("round", 99, true);
    guest.setState("chat", "hi");
    await eventually(() => errors.length > 0, 5000, "the refusal");
    assert.ok(errors[0] instanceof CoinopError);
    assert.equal(errors[0].code, "WRITE_FORBIDDEN");
    await eventually(() => guest.getState("round") === undefined, 5000, "the rollback");
    // Later writes go through, and both replicas agree.
    guest.setState("chat", "again", true);
    host.setState("round", 2, true);
    await eventually(
      () => host.getState("chat") === "again" && guest.getState("round") === 2,
      5000,
      "convergence",
    );
    assert.equal(host.getState("round"), 2);
  } finally {
    await leaveAll(host, guest);
  }
});

test("looser rules let a guest write another player's state; the default refuses it", async () => {
  for (const [rules, allowed] of [[{ playerState: "anyone" }, true], [undefined, false]]) {
    const code = roomCode();
    const host = await join(relay, code, { roomRules: rules });
    const guest = await join(relay, code);
    const third = await join(relay, code);
    const errors = [];
    guest.onError((e) => errors.push(e.code));
    try {
      // `third`'s join resolves before `guest` has seen its seat.
      const seat = await eventually(() => guest.getPlayer(third.myPlayer().id), 5000, "the third seat");
      seat.setState("score", 5, true);
      if (allowed) {
        await eventually(() => third.myPlayer().getState("score") === 5, 5000, "the write");
      } else {
        await eventually(() => errors.includes("WRITE_FORBIDDEN"), 5000, "the refusal");
        assert.equal(third.myPlayer().getState("score"), undefined);
      }
    } finally {
      await leaveAll(host, guest, third);
    }
  }
});
