import assert from "node:assert/strict";
import { test } from "node:test";
import { eventually, join, leaveAll, relayForFile, roomCode } from "./support.mjs";

const relay = relayForFile();

test("RPC modes: host, all, others, one player; and a timeout instead of a hang", async () => {
  const code = roomCode();
  const a = await join(relay, code);
  const b = await join(relay, code);
  const c = await join(relay, code);
  const calls = { a: [], b: [], c: [] };
  for (const [name, client] of Object.entries({ a, b, c })) {
    client.RPC.register("whoami", async (data, caller) => {
      calls[name].push({ data, caller: caller.id });
      return name;
    });
  }
  // a is host (first seated).
  assert.equal(await b.RPC.call("whoami", 1, b.RPC.Mode.HOST), "a");
  assert.deepEqual(calls.a.at(-1), { data: 1, caller: b.myPlayer().id });

  const others = await a.RPC.call("whoami", 2, a.RPC.Mode.OTHERS);
  assert.ok(["b", "c"].includes(others));
  assert.equal(calls.a.filter((x) => x.data === 2).length, 0);

  const all = await a.RPC.call("whoami", 3, a.RPC.Mode.ALL);
  assert.ok(["a", "b", "c"].includes(all));
  // ALL includes the caller, as in Playroom.
  await eventually(() => ["a", "b", "c"].every((n) => calls[n].some((x) => x.data === 3)), 5000, "every handler ran");
  assert.equal(calls.a.find((x) => x.data === 3).caller, a.myPlayer().id);

  assert.equal(await a.RPC.call("whoami", 4, { player: c.myPlayer().id }), "c");
  assert.equal(calls.b.filter((x) => x.data === 4).length, 0);

  const started = Date.now();
  await assert.rejects(a.RPC.call("nobody-handles-this", null, a.RPC.Mode.OTHERS, { timeout: 300 }), (e) => e.code === "RPC_TIMEOUT");
  assert.ok(Date.now() - started < 3000);
  await leaveAll(a, b, c);
});

test("a handler that throws rejects the call with RPC_FAILED, its message in detail", async () => {
  const code = roomCode();
  const a = await join(relay, code);
  const b = await join(relay, code);
  b.RPC.register("fail", () => {
    throw new Error("nope");
  });
  await assert.rejects(a.RPC.call("fail", null, { player: b.myPlayer().id }), (e) => e.message === "RPC_FAILED" && /nope/.test(e.detail));
  await leaveAll(a, b);
});
