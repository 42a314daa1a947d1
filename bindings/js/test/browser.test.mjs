// Two real headless Chromium pages (Debian's chromium, driven by
// playwright-core) in one room see each other's players and state.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { after, before, test } from "node:test";
import { CHROMIUM, launchChromium, servePackage } from "./browser_support.mjs";
import { roomCode, startRelay } from "./support.mjs";

let relay;
let server;
let base;
before(async () => {
  relay = await startRelay();
  server = await servePackage("test/browser/page.html");
  base = server.base;
});
after(async () => {
  server?.close();
  await relay?.stop();
});

test("two Chromium pages in one room see each other's players and state", { timeout: 60000, skip: !existsSync(CHROMIUM) && `no ${CHROMIUM}` }, async () => {
  const browser = await launchChromium();
  try {
    const code = roomCode();
    // Two contexts: two separate localStorages, so two players.
    const pages = [];
    for (const greet of ["hello", ""]) {
      const context = await browser.newContext();
      const page = await context.newPage();
      page.on("pageerror", (e) => console.error("page error:", e));
      await page.goto(`${base}/?relay=${encodeURIComponent(relay.url)}&room=${code}&greet=${greet}`);
      pages.push(page);
    }
    for (const page of pages) {
      await page.waitForFunction(() => document.title === "players=2 greeting=hello", null, { timeout: 15000 });
    }
    const views = await Promise.all(pages.map((p) => p.evaluate(() => JSON.parse(document.getElementById("out").textContent))));
    assert.notEqual(views[0].me, views[1].me);
    assert.deepEqual([...views[0].players].sort(), [views[0].me, views[1].me].sort());
    assert.deepEqual([...views[1].players].sort(), [views[0].me, views[1].me].sort());
  } finally {
    await browser.close();
  }
});
