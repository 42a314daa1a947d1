// The browser replica in real headless Chromium against the real relay: a
// write made while the relay is down survives a reload of the page (it sits
// in IndexedDB) and reaches the room once the relay is back.
import assert from "node:assert/strict";
import { test } from "node:test";
import { BROWSER_TEST, browserEnvForFile, joinedPage } from "./browser_support.mjs";
import { join, leaveAll, roomCode } from "./support.mjs";

const env = browserEnvForFile("test/browser/replica.html");
const WAIT = { timeout: 20000 };

test("a write made offline survives a reload and reaches the room when the relay is back", BROWSER_TEST, async () => {
  const code = roomCode();
  const page = await joinedPage(env, { room: code });
  let other;
  try {
    await page.waitForFunction(() => window.coinop.getStatus().saved, null, WAIT);

    await env.relay.kill();
    const before = await page.evaluate(() => window.coinop.stored());
    await page.evaluate(() => window.coinop.setState("note", "written offline"));
    assert.equal(await page.evaluate(() => window.coinop.getStatus().saved), false, "not saved while the relay is down");
    // Stored locally: the record changes (IndexedDB writes are asynchronous).
    await page.waitForFunction((old) => window.coinop.stored().then((now) => now !== null && now !== old), before, WAIT);

    // The reload waits for the relay, which is still down.
    await page.reload({ waitUntil: "commit" });
    await page.waitForTimeout(500);
    assert.equal(await page.title(), "loading");
    await env.relay.start();
    await page.waitForFunction(() => document.title === "joined", null, WAIT);
    assert.equal(await page.evaluate(() => window.coinop.getState("note")), "written offline");
    await page.waitForFunction(() => window.coinop.getStatus().saved, null, WAIT);

    // Stored by the relay: a new player reads it from there.
    other = await join(env.relay, code);
    assert.equal(await other.waitForState("note"), "written offline");
  } finally {
    await leaveAll(other);
    await page.context().close();
  }
});

test("by default the page keeps a record per player and room in IndexedDB", BROWSER_TEST, async () => {
  const page = await joinedPage(env, { room: roomCode() });
  try {
    await page.evaluate(() => window.coinop.setState("k", 1));
    await page.waitForFunction(() => window.coinop.getStatus().saved, null, WAIT);
    assert.notEqual(await page.evaluate(() => window.coinop.stored()), null, "the default keeps a record");
  } finally {
    await page.context().close();
  }
});
